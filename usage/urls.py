from django.urls import path

from usage import views

app_name = "usage"

urlpatterns = [
    path("models/<uuid:model_id>/usage/", views.model_usage, name="model-usage"),
]
