from django.urls import path

from catalog.api import views

app_name = "catalog-api"

urlpatterns = [
    path("models/", views.ModelServiceListApi.as_view(), name="model-list"),
    path("models/<uuid:model_id>/", views.ModelServiceDetailApi.as_view(), name="model-detail"),
    path(
        "models/<uuid:model_id>/versions/",
        views.ModelVersionListApi.as_view(),
        name="model-versions",
    ),
]
