from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.model_list, name="model-list"),
    path("<uuid:model_id>/", views.model_detail, name="model-detail"),
    path("<uuid:model_id>/edit/", views.model_edit, name="model-edit"),
    path("<uuid:model_id>/move/", views.team_move_create, name="team-move-create"),
    path("moves/", views.team_move_list, name="team-move-list"),
    path("moves/<uuid:move_id>/", views.team_move_detail, name="team-move-detail"),
    path("moves/<uuid:move_id>/accept/", views.team_move_accept, name="team-move-accept"),
    path("moves/<uuid:move_id>/decline/", views.team_move_decline, name="team-move-decline"),
    path("moves/<uuid:move_id>/cancel/", views.team_move_cancel, name="team-move-cancel"),
]
