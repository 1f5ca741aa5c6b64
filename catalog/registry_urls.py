from django.urls import path

from catalog import registry_views as views

app_name = "registries"

urlpatterns = [
    path("", views.registry_list, name="list"),
    path("new/", views.registry_create, name="create"),
    path("inbox/", views.inbox_list, name="inbox"),
    path("inbox/<uuid:pk>/retry/", views.delivery_retry, name="delivery-retry"),
    path("<slug:slug>/", views.registry_detail, name="detail"),
    path("<slug:slug>/secrets/", views.registry_secret_add, name="secret-add"),
    path(
        "<slug:slug>/secrets/<uuid:secret_id>/retire/",
        views.registry_secret_retire,
        name="secret-retire",
    ),
    path("<slug:slug>/register-webhook/", views.registry_webhook_register, name="webhook-register"),
    path("<slug:slug>/reconcile/", views.registry_reconcile, name="reconcile"),
    path("<slug:slug>/test/", views.registry_test, name="test"),
    path("<slug:slug>/edit/", views.registry_edit, name="edit"),
    path("<slug:slug>/toggle/", views.registry_toggle, name="toggle"),
    path("<slug:slug>/delete/", views.registry_delete, name="delete"),
]
