from django.urls import path

from approvals import views
from approvals.api.gate import gate_keys_view

app_name = "approvals"

urlpatterns = [
    # Public keys of the gate's signed decisions (approvals/decisions.py); fixed path.
    path(".well-known/attest-gate-keys.json", gate_keys_view, name="gate-keys"),
    path("reviews/", views.inbox, name="inbox"),
    path(
        "models/<uuid:model_id>/deployments/request/",
        views.request_create,
        name="request-create",
    ),
    path("requests/mine/", views.my_requests, name="my-requests"),
    path("requests/pending/", views.request_pending_list, name="request-pending"),
    path("requests/<uuid:request_id>/", views.request_detail, name="request-detail"),
    path("requests/<uuid:request_id>/decide/", views.request_decide, name="request-decide"),
    path("requests/<uuid:request_id>/submit/", views.request_submit, name="request-submit"),
    path("requests/<uuid:request_id>/withdraw/", views.request_withdraw, name="request-withdraw"),
    path("requests/<uuid:request_id>/revoke/", views.request_revoke, name="request-revoke"),
]
