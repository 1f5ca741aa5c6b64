from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="event-list"),
    path("export.<str:fmt>", views.event_export, name="event-export"),
    path("public-key.pem", views.public_key, name="public-key"),
    path("events/<int:seq>/", views.event_detail, name="event-detail"),
    path("verify/", views.verify_now, name="verify-now"),
]
