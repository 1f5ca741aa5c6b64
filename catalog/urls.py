from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.model_list, name="model-list"),
    path("<uuid:model_id>/", views.model_detail, name="model-detail"),
    path("<uuid:model_id>/edit/", views.model_edit, name="model-edit"),
]
