"""Red-team finding 2: a model changes teams only when the receiving team accepts.

Before, a model owner could pick any team in ``owner_team`` on the metadata form and so choose
which reviewer pool decides the model's deployment requests. Now the owner's form offers no
team, and a move is a request a model owner of the receiving team (or an admin), never the
person who asked, accepts or declines.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from audit.models import AuditEvent
from catalog import services
from catalog.access import model_service_can_edit
from catalog.models import TeamMoveRequest
from catalog.selectors import model_service_visible
from common.errors import Conflict
from tests.factories import TeamFactory, UserFactory

State = TeamMoveRequest.State


def _sees(user, model) -> bool:
    return model_service_visible(user=user).filter(pk=model.pk).exists()


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


@pytest.fixture
def move(personas, owned_model):
    """The owner offers the model to the other team (Fraud, other_owner's team)."""
    with transaction.atomic():
        return services.team_move_request(
            actor=personas.owner,
            model_service=owned_model,
            to_team=personas.other_team,
            reason="Fraud runs it now.",
        )


def _assert_still_ours(personas, model):
    model.refresh_from_db()
    assert model.owner_team == personas.team
    assert _sees(personas.owner, model)
    assert not _sees(personas.other_owner, model)


# --- The old ways are closed ---------------------------------------------------------------
@pytest.mark.django_db
def test_owner_edit_form_offers_no_team_but_admin_form_does(personas, client_for, owned_model):
    url = reverse("catalog:model-edit", args=[owned_model.pk])
    assert "owner_team" not in client_for(personas.owner).get(url).context["form"].fields
    assert "owner_team" in client_for(personas.admin).get(url).context["form"].fields


@pytest.mark.django_db
def test_owner_cannot_move_model_through_metadata_form(personas, client_for, owned_model):
    response = client_for(personas.owner).post(
        reverse("catalog:model-edit", args=[owned_model.pk]),
        {
            "purpose": "Still ours.",
            "lifecycle_status": "development",
            "owner_team": personas.other_team.pk,
        },
    )
    assert response.status_code == 302
    _assert_still_ours(personas, owned_model)
    event = AuditEvent.objects.get(action="catalog.model_updated")
    assert "owner_team" not in event.after
    assert not AuditEvent.objects.filter(action="catalog.access_granted").exists()


@pytest.mark.django_db
def test_owner_cannot_move_model_through_metadata_service(personas, owned_model):
    with pytest.raises(PermissionDenied):
        services.model_service_update_metadata(
            actor=personas.owner,
            model_service=owned_model,
            changes={"owner_team": personas.other_team, "purpose": "moved"},
        )
    _assert_still_ours(personas, owned_model)
    assert owned_model.purpose != "moved"
    assert not AuditEvent.objects.filter(action="catalog.model_updated").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_owner_cannot_move_model_through_api(personas, api_token, owned_model, method):
    token = api_token(scopes=[s for s, _ in ApiToken.Scope.choices], user=personas.owner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.generic(
        method,
        f"/api/v1/models/{owned_model.pk}/",
        f'{{"owner_team": "{personas.other_team.slug}"}}',
        content_type="application/json",
    )
    assert response.status_code == 405  # the catalog API is read-only
    _assert_still_ours(personas, owned_model)


@pytest.mark.django_db
def test_admin_may_still_set_the_team_directly_and_that_supersedes_a_pending_move(
    personas, owned_model, move
):
    third = TeamFactory(name="Payments", slug="payments")
    services.model_service_update_metadata(
        actor=personas.admin, model_service=owned_model, changes={"owner_team": third}
    )
    owned_model.refresh_from_db()
    assert owned_model.owner_team == third
    assert not _sees(personas.owner, owned_model)
    move.refresh_from_db()
    assert move.state == State.CANCELLED and move.decided_by == personas.admin
    cancelled = AuditEvent.objects.get(action="catalog.team_move_cancelled")
    assert cancelled.after["state"] == "cancelled"
    with pytest.raises(Conflict):  # Fraud can no longer take it
        services.team_move_accept(actor=personas.other_owner, move=move)


# --- Asking ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_move_request_changes_nothing_until_accepted(personas, owned_model, move):
    assert move.state == State.PENDING
    assert (move.from_team, move.to_team, move.requested_by) == (
        personas.team,
        personas.other_team,
        personas.owner,
    )
    _assert_still_ours(personas, owned_model)
    assert model_service_can_edit(personas.owner, owned_model)
    assert not model_service_can_edit(personas.other_owner, owned_model)
    event = AuditEvent.objects.get(action="catalog.team_move_requested")
    assert event.subject_id == owned_model.pk and event.actor_id == personas.owner.pk
    assert event.after == {
        "from_team": "credit-risk",
        "to_team": "fraud",
        "state": "pending",
        "reason": "Fraud runs it now.",
    }
    assert not AuditEvent.objects.filter(
        action__in=["catalog.access_granted", "catalog.access_revoked", "catalog.model_updated"]
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("reviewer", PermissionDenied),
        ("compliance", PermissionDenied),
        ("auditor", PermissionDenied),
        ("viewer", Http404),
        ("other_owner", Http404),  # the receiving side cannot pull a model it does not see
        ("outsider", Http404),
        ("ci_bot", PermissionDenied),
    ],
)
def test_only_those_who_edit_the_model_may_ask(personas, owned_model, persona, error):
    with pytest.raises(error):
        services.team_move_request(
            actor=getattr(personas, persona),
            model_service=owned_model,
            to_team=personas.other_team,
            reason="Take it.",
        )
    assert not TeamMoveRequest.objects.exists()


@pytest.mark.django_db
def test_a_move_needs_another_team_and_a_reason(personas, owned_model):
    with pytest.raises(ValidationError) as exc:
        services.team_move_request(
            actor=personas.owner, model_service=owned_model, to_team=personas.team, reason="x"
        )
    assert "to_team" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.team_move_request(
            actor=personas.owner, model_service=owned_model, to_team=personas.other_team, reason=" "
        )
    assert "reason" in exc.value.message_dict
    assert not TeamMoveRequest.objects.exists()


@pytest.mark.django_db
def test_at_most_one_move_per_model_is_pending(personas, owned_model, move):
    with pytest.raises(Conflict):
        services.team_move_request(
            actor=personas.teammate,
            model_service=owned_model,
            to_team=personas.other_team,
            reason="Again.",
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds it too
        TeamMoveRequest.objects.create(
            model_service=owned_model,
            from_team=personas.team,
            to_team=personas.other_team,
            requested_by=personas.teammate,
            reason="Around the service.",
        )


# --- Accepting ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_receiving_owner_accepts_and_team_access_moves(personas, owned_model, move):
    services.team_move_accept(actor=personas.other_owner, move=move)
    move.refresh_from_db()
    owned_model.refresh_from_db()
    assert move.state == State.ACCEPTED and move.decided_by == personas.other_owner
    assert move.decided_at is not None
    assert owned_model.owner_team == personas.other_team
    # The old team (and its reviewer pool) loses the model; the new team gains it.
    assert not _sees(personas.owner, owned_model)
    assert not _sees(personas.teammate, owned_model)
    assert not _sees(personas.reviewer, owned_model)
    assert _sees(personas.other_owner, owned_model)
    assert model_service_can_edit(personas.other_owner, owned_model)
    assert not model_service_can_edit(personas.owner, owned_model)
    accepted = AuditEvent.objects.get(action="catalog.team_move_accepted")
    assert accepted.actor_id == personas.other_owner.pk
    assert accepted.before == {"state": "pending", "owner_team": "credit-risk"}
    assert accepted.after == {"state": "accepted", "owner_team": "fraud"}
    revoked = AuditEvent.objects.get(action="catalog.access_revoked")
    granted = AuditEvent.objects.filter(action="catalog.access_granted").latest("seq")
    assert revoked.before["group"] == "team:credit-risk"
    assert granted.after["group"] == "team:fraud"


@pytest.mark.django_db
def test_admin_may_accept(personas, owned_model, move):
    services.team_move_accept(actor=personas.admin, move=move)
    owned_model.refresh_from_db()
    assert owned_model.owner_team == personas.other_team


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("owner", PermissionDenied),  # who asked
        ("teammate", PermissionDenied),  # the team that gives the model away
        ("reviewer", PermissionDenied),
        ("compliance", PermissionDenied),
        ("auditor", PermissionDenied),
        ("viewer", Http404),  # nothing shared with them
        ("outsider", Http404),
        ("other_reviewer", Http404),
    ],
)
def test_nobody_outside_the_receiving_team_accepts_or_declines(
    personas, owned_model, move, persona, error
):
    actor = getattr(personas, persona)
    with pytest.raises(error):
        services.team_move_accept(actor=actor, move=move)
    with pytest.raises(error):
        services.team_move_decline(actor=actor, move=move, comment="No.")
    move.refresh_from_db()
    assert move.state == State.PENDING
    _assert_still_ours(personas, owned_model)
    assert _actions()[-1] == "catalog.team_move_requested"


@pytest.mark.django_db
def test_a_viewer_of_the_receiving_team_without_the_model_owner_role_cannot_accept(
    personas, owned_model, move
):
    fraud_viewer = UserFactory(
        username="fraud-viewer", roles=["viewer"], teams=[personas.other_team]
    )
    with pytest.raises(Http404):
        services.team_move_accept(actor=fraud_viewer, move=move)
    _assert_still_ours(personas, owned_model)


@pytest.mark.django_db
def test_requester_in_both_teams_cannot_accept_own_move(personas, owned_model):
    both = UserFactory(
        username="both", roles=["model-owner"], teams=[personas.team, personas.other_team]
    )
    move = services.team_move_request(
        actor=both, model_service=owned_model, to_team=personas.other_team, reason="Mine."
    )
    with pytest.raises(PermissionDenied):
        services.team_move_accept(actor=both, move=move)
    _assert_still_ours(personas, owned_model)
    # The database holds the four-eyes rule as well.
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamMoveRequest.objects.filter(pk=move.pk).update(
            state=State.ACCEPTED, decided_by=both, decided_at=move.created_at
        )


@pytest.mark.django_db
def test_a_decided_move_is_final(personas, owned_model, move):
    services.team_move_decline(actor=personas.other_owner, move=move, comment="Not ours.")
    with pytest.raises(Conflict):
        services.team_move_accept(actor=personas.other_owner, move=move)
    with pytest.raises(Conflict):
        services.team_move_cancel(actor=personas.owner, move=move)
    _assert_still_ours(personas, owned_model)
    with pytest.raises(IntegrityError), transaction.atomic():  # the trigger refuses it
        TeamMoveRequest.objects.filter(pk=move.pk).update(state=State.ACCEPTED)


# --- Declining and cancelling ---------------------------------------------------------------
@pytest.mark.django_db
def test_receiving_owner_declines_with_a_reason(personas, owned_model, move):
    with pytest.raises(ValidationError):
        services.team_move_decline(actor=personas.other_owner, move=move, comment="")
    services.team_move_decline(actor=personas.other_owner, move=move, comment="Not our domain.")
    move.refresh_from_db()
    assert move.state == State.DECLINED and move.decision_comment == "Not our domain."
    _assert_still_ours(personas, owned_model)
    event = AuditEvent.objects.get(action="catalog.team_move_declined")
    assert event.after == {
        "from_team": "credit-risk",
        "to_team": "fraud",
        "state": "declined",
        "comment": "Not our domain.",
    }
    # Declined, the model may be offered again.
    services.team_move_request(
        actor=personas.owner, model_service=owned_model, to_team=personas.other_team, reason="2"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["owner", "teammate", "admin"])
def test_requester_or_owning_team_cancels(personas, owned_model, move, persona):
    services.team_move_cancel(actor=getattr(personas, persona), move=move)
    move.refresh_from_db()
    assert move.state == State.CANCELLED
    _assert_still_ours(personas, owned_model)
    assert AuditEvent.objects.get(action="catalog.team_move_cancelled").actor_id == (
        getattr(personas, persona).pk
    )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["other_owner", "reviewer", "compliance"])
def test_others_cannot_cancel(personas, owned_model, move, persona):
    with pytest.raises(PermissionDenied):
        services.team_move_cancel(actor=getattr(personas, persona), move=move)
    move.refresh_from_db()
    assert move.state == State.PENDING


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            lambda p, m: services.team_move_accept(actor=p.other_owner, move=m),
            [
                "catalog.team_move_accepted",
                "catalog.access_revoked",
                "catalog.access_granted",
            ],
        ),
        (
            lambda p, m: services.team_move_decline(actor=p.other_owner, move=m, comment="No."),
            ["catalog.team_move_declined"],
        ),
        (
            lambda p, m: services.team_move_cancel(actor=p.owner, move=m),
            ["catalog.team_move_cancelled"],
        ),
    ],
)
def test_each_answer_records_exactly_its_events(personas, owned_model, move, answer, expected):
    before = AuditEvent.objects.count()
    answer(personas, move)
    assert _actions()[before:] == expected


# --- Pages ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_move_journey_through_the_pages(personas, client_for, owned_model):
    owner, fraud = client_for(personas.owner), client_for(personas.other_owner)
    detail = reverse("catalog:model-detail", args=[owned_model.pk])
    create = reverse("catalog:team-move-create", args=[owned_model.pk])
    assert create in owner.get(detail).content.decode()  # "Move to another team"
    assert owner.get(create).status_code == 200

    response = owner.post(create, {"to_team": "fraud", "reason": "Fraud runs it now."})
    move = TeamMoveRequest.objects.get()
    move_url = reverse("catalog:team-move-detail", args=[move.pk])
    assert response.status_code == 302 and response["Location"] == move_url
    _assert_still_ours(personas, owned_model)
    shown = owner.get(detail).content.decode()
    assert move_url in shown  # the pending move is shown, and is on the timeline
    assert "credit-risk → fraud: Fraud runs it now." in shown
    assert owner.get(create).context["pending_move"] == move

    # Fraud does not see the model yet, but finds the offer from the catalog page.
    assert fraud.get(detail).status_code == 404
    catalog = fraud.get(reverse("catalog:model-list"))
    assert catalog.context["offered_count"] == 1
    assert reverse("catalog:team-move-list") in catalog.content.decode()
    offered = fraud.get(reverse("catalog:team-move-list"))
    assert list(offered.context["offered"]) == [move]
    page = fraud.get(move_url)
    assert page.status_code == 200 and page.context["can_decide"]
    text = page.content.decode()
    assert owned_model.name in text and "Fraud runs it now." in text
    assert reverse("catalog:team-move-accept", args=[move.pk]) in text
    assert owned_model.purpose in text  # the model's summary
    assert detail not in text  # no link into the model they cannot open yet
    # The team that asked cannot answer for Fraud: no buttons, and a 403 if it tries.
    assert not owner.get(move_url).context["can_decide"]
    assert owner.post(reverse("catalog:team-move-accept", args=[move.pk])).status_code == 403

    response = fraud.post(reverse("catalog:team-move-accept", args=[move.pk]))
    assert response.status_code == 302 and response["Location"] == detail
    owned_model.refresh_from_db()
    assert owned_model.owner_team == personas.other_team
    assert fraud.get(detail).status_code == 200
    assert owner.get(detail).status_code == 404
    assert owner.get(move_url).status_code == 200  # who asked still sees how it ended
    assert "catalog.team_move_accepted" in _actions()


@pytest.mark.django_db
def test_move_pages_refuse_outsiders(personas, client_for, owned_model, move):
    move_url = reverse("catalog:team-move-detail", args=[move.pk])
    for action in ("accept", "decline", "cancel"):
        url = reverse(f"catalog:team-move-{action}", args=[move.pk])
        assert client_for(personas.outsider).post(url, {"comment": "x"}).status_code == 404
        assert client_for(personas.compliance).post(url, {"comment": "x"}).status_code == 403
    assert client_for(personas.outsider).get(move_url).status_code == 404
    assert client_for(personas.reviewer).get(move_url).status_code == 200  # sees the model
    create = reverse("catalog:team-move-create", args=[move.model_service_id])
    assert client_for(personas.reviewer).get(create).status_code == 403
    assert client_for(personas.other_owner).get(create).status_code == 404
    move.refresh_from_db()
    assert move.state == State.PENDING
    _assert_still_ours(personas, owned_model)


@pytest.mark.django_db
def test_decline_and_cancel_pages(personas, client_for, owned_model, move):
    fraud = client_for(personas.other_owner)
    decline = reverse("catalog:team-move-decline", args=[move.pk])
    assert fraud.post(decline, {"comment": ""}).status_code == 400  # say why
    assert fraud.post(decline, {"comment": "Not ours."}).status_code == 302
    move.refresh_from_db()
    assert move.state == State.DECLINED
    # A second request, cancelled by the team that asked.
    owner = client_for(personas.owner)
    owner.post(
        reverse("catalog:team-move-create", args=[owned_model.pk]),
        {"to_team": "fraud", "reason": "Again."},
    )
    again = TeamMoveRequest.objects.get(state=State.PENDING)
    assert owner.post(reverse("catalog:team-move-cancel", args=[again.pk])).status_code == 302
    again.refresh_from_db()
    assert again.state == State.CANCELLED
    _assert_still_ours(personas, owned_model)


@pytest.mark.django_db
def test_second_request_while_one_is_pending_is_409_on_the_page(
    personas, client_for, owned_model, move
):
    response = client_for(personas.teammate).post(
        reverse("catalog:team-move-create", args=[owned_model.pk]),
        {"to_team": "fraud", "reason": "Again."},
    )
    assert response.status_code == 409
    assert TeamMoveRequest.objects.count() == 1
