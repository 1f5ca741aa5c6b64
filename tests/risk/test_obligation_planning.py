"""Planning obligations (issue 20, point 3): an inline save comes back at the obligation it
saved (fragment, focus, its outcome shown there), and the checklist's bulk form gives the ticked
obligations one owner and/or due date, one audited change per obligation, validated and
permission-checked like the single form, all or nothing."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from lxml import html

from audit.models import AuditEvent
from risk import services
from risk.models import Obligation
from risk.obligation_plan_services import obligations_plan
from tests.risk.test_assessments import CREDIT

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(personas, owned_model):
    services.assessment_submit(actor=personas.compliance, model_service=owned_model, answers=CREDIT)
    rows = list(Obligation.objects.filter(model_service=owned_model, is_current=True))
    assert len(rows) >= 4
    return rows


def _events():
    return AuditEvent.objects.filter(action="governance.obligation_changed")


def test_an_inline_save_comes_back_at_that_obligation_with_its_outcome(personas, items, client_for):
    client = client_for(personas.owner)
    item = items[2]
    response = client.post(
        reverse("risk:obligation-update", args=[item.pk]),
        {"status": "in_progress", "due_date": "2027-03-31"},
    )
    assert response.status_code == 302
    anchor = f"obligation-{item.pk}"
    assert response["Location"].endswith(f"?focus={anchor}#{anchor}")
    page = html.fromstring(client.get(response["Location"]).content)
    (focused,) = page.xpath("//*[@data-focus]")
    assert focused.get("id") == anchor and focused.get("tabindex") == "-1"
    assert "Updated:" in focused.xpath("string(.//*[@role='status'])")
    # the outcome is shown where the person is, not (again) at the top of the page
    assert not page.xpath("//main/div[contains(@class, 'messages')]")


def test_a_refused_inline_save_opens_that_obligation_with_the_reason(personas, items, client_for):
    client = client_for(personas.owner)
    item = items[1]
    response = client.post(
        reverse("risk:obligation-update", args=[item.pk]),
        {"status": "open", "due_date": "1900-01-01"},
        follow=True,
    )
    page = html.fromstring(response.content)
    (focused,) = page.xpath("//*[@data-focus]")
    assert focused.get("id") == f"obligation-{item.pk}"
    assert "Pick a date between" in focused.xpath("string(.//*[@role='status'])")
    assert focused.xpath(".//details[@open]")


def test_evidence_added_inline_also_comes_back_at_its_obligation(personas, items, client_for):
    item = items[0]
    response = client_for(personas.owner).post(
        reverse("risk:evidence-add", args=[item.pk]), {"link": "https://wiki.example.com/x"}
    )
    assert response["Location"].endswith(f"#obligation-{item.pk}")


def test_bulk_plan_sets_owner_and_due_date_with_one_event_per_obligation(
    personas, owned_model, items, client_for
):
    ticked, untouched = items[:3], items[3:]
    before = _events().count()
    client = client_for(personas.owner)
    response = client.post(
        reverse("risk:obligation-plan", args=[owned_model.pk]),
        {
            "obligations": [str(o.pk) for o in ticked],
            "owner": personas.teammate.username,
            "due_date": "2027-06-30",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#obligation-plan")
    for o in ticked:
        o.refresh_from_db()
        assert (o.owner, o.due_date) == (personas.teammate, date(2027, 6, 30))
    for o in untouched:
        o.refresh_from_db()
        assert (o.owner, o.due_date) == (None, None)
    events = list(_events().order_by("seq")[before:])
    assert len(events) == 3
    assert {e.target_id for e in events} == {str(o.pk) for o in ticked}
    assert all(e.after == {"owner": "teammate", "due_date": "2027-06-30"} for e in events)
    assert all(e.actor_id == personas.owner.pk for e in events)
    page = html.fromstring(client.get(response["Location"]).content)
    (focused,) = page.xpath("//*[@data-focus]")
    assert focused.get("id") == "obligation-plan"
    assert "Planned 3 obligations of 3 ticked." in focused.xpath("string(.//*[@role='status'])")


def test_bulk_plan_only_the_due_date_keeps_each_owner(personas, owned_model, items):
    services.obligation_update(actor=personas.owner, obligation=items[0], owner=personas.owner)
    obligations_plan(
        actor=personas.owner,
        model_service=owned_model,
        obligations=list(Obligation.objects.filter(pk__in=[items[0].pk, items[1].pk])),
        due_date=date(2027, 1, 31),
    )
    first, second = (Obligation.objects.get(pk=o.pk) for o in items[:2])
    assert (first.owner, second.owner) == (personas.owner, None)
    assert first.due_date == second.due_date == date(2027, 1, 31)


@pytest.mark.parametrize(
    ("post", "reason"),
    [
        ({"owner": "teammate"}, "This field is required"),  # nothing ticked
        ({"tick": 2}, "Choose an owner or a due date"),
        ({"tick": 2, "due_date": "1900-01-01"}, "Pick a date between 2000-01-01 and 2099-12-31"),
        ({"tick": 2, "owner": "other-owner"}, "Choose an owner from the list"),
    ],
)
def test_bulk_plan_is_validated_like_the_single_form_and_all_or_nothing(
    personas, owned_model, items, client_for, post, reason
):
    data = {k: v for k, v in post.items() if k != "tick"}
    data["obligations"] = [str(o.pk) for o in items[: post.get("tick", 0)]]
    before = _events().count()
    response = client_for(personas.owner).post(
        reverse("risk:obligation-plan", args=[owned_model.pk]), data, follow=True
    )
    assert reason in response.content.decode()
    assert _events().count() == before
    assert not Obligation.objects.filter(pk__in=[o.pk for o in items], owner__isnull=False)
    assert not Obligation.objects.filter(pk__in=[o.pk for o in items], due_date__isnull=False)


def test_bulk_plan_refuses_items_of_another_model(personas, owned_model, items):
    from tests.factories import ModelServiceFactory

    other = ModelServiceFactory(owner_team=personas.team)
    services.assessment_submit(actor=personas.compliance, model_service=other, answers=CREDIT)
    foreign = Obligation.objects.filter(model_service=other, is_current=True).first()
    with pytest.raises(ValidationError, match="not on this model's current checklist"):
        obligations_plan(
            actor=personas.owner,
            model_service=owned_model,
            obligations=[items[0], foreign],
            due_date=date(2027, 1, 31),
        )
    assert Obligation.objects.get(pk=items[0].pk).due_date is None


def test_bulk_plan_needs_the_right_to_update_obligations(personas, owned_model, items, client_for):
    with pytest.raises(PermissionDenied):
        obligations_plan(
            actor=personas.auditor,
            model_service=owned_model,
            obligations=items[:2],
            due_date=date(2027, 1, 31),
        )
    url = reverse("risk:obligation-plan", args=[owned_model.pk])
    data = {"obligations": [str(items[0].pk)], "due_date": "2027-01-31"}
    assert client_for(personas.auditor).post(url, data).status_code == 403
    assert client_for(personas.other_owner).post(url, data).status_code == 404
    assert Obligation.objects.get(pk=items[0].pk).due_date is None
