"""Questionnaire, obligations and evidence through pages, services and the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent
from catalog import services as catalog_services
from risk import services
from risk.models import Evidence, Obligation, RiskAssessment
from tests.risk.test_risk import BASE

CREDIT = {**BASE, "annex_iii_use": "5b_credit_scoring", "profiles_persons": True}
FORM_CREDIT = {
    "role": "provider",
    "annex_i_product": "__none__",
    "annex_iii_use": "5b_credit_scoring",
    "profiles_persons": "yes",
    "gpai": "no",
    "affected_people": "customers",
    "autonomy": "human_in_loop",
    "data_sensitivity": "personal",
}


def edit_url(model):
    return reverse("risk:assessment-edit", args=[model.pk])


@pytest.mark.django_db
def test_owner_submits_the_questionnaire_page(client_for, personas, owned_model):
    """The owner's submission is a proposal; a compliance officer confirms it on the review
    page, and only then does the tier and the checklist change."""
    client = client_for(personas.owner)
    assert client.get(edit_url(owned_model)).status_code == 200
    response = client.post(edit_url(owned_model), {**FORM_CREDIT, "action": "submit"})
    assert response.status_code == 302
    owned_model.refresh_from_db()
    assert owned_model.risk_tier == "unassessed"  # nothing in force yet
    assessment = RiskAssessment.objects.get()
    assert assessment.status == "proposed" and assessment.revision == 1
    assert assessment.result["decided_by"]["article"] == "Art. 6(3), last subparagraph"
    page = client.get(reverse("risk:assessment-detail", args=[owned_model.pk])).content.decode()
    assert "Awaiting confirmation." in page

    review = reverse("risk:assessment-review", args=[owned_model.pk, 1])
    officer = client_for(personas.compliance)
    page = officer.get(review).content.decode()
    assert "Answers side by side" in page and "Confirm and put in force" in page
    assert (
        officer.post(
            reverse("risk:assessment-confirm", args=[owned_model.pk, 1]), {"comment": "Checked."}
        ).status_code
        == 302
    )
    owned_model.refresh_from_db()
    assert owned_model.risk_tier == "high" and owned_model.obligations_completeness == 0
    assessment.refresh_from_db()
    assert assessment.status == "submitted" and assessment.confirmed_by == personas.compliance
    assert Obligation.objects.filter(model_service=owned_model, is_current=True).count() == 15
    assert {
        "risk.assessment_proposed",
        "risk.assessment_confirmed",
        "governance.risk_tier_changed",
    } <= set(AuditEvent.objects.values_list("action", flat=True))
    page = client.get(reverse("risk:assessment-detail", args=[owned_model.pk])).content.decode()
    assert "Annex III, point 5(b)" in page and "Risk management system" in page


@pytest.mark.django_db
def test_invalid_page_answers_show_inline_errors_and_save_nothing(
    client_for, personas, owned_model
):
    client = client_for(personas.owner)
    bad = {**FORM_CREDIT, "role": "emperor", "profiles_persons": "", "action": "submit"}
    response = client.post(edit_url(owned_model), bad)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Select a valid choice" in body or "Choose one of" in body
    assert not RiskAssessment.objects.exists()
    owned_model.refresh_from_db()
    assert owned_model.risk_tier == "unassessed"


@pytest.mark.django_db
def test_required_answers_are_enforced_on_submit_but_not_for_drafts(
    client_for, personas, owned_model
):
    client = client_for(personas.owner)
    partial = {"role": "provider", "annex_iii_use": "4a_recruitment"}
    response = client.post(edit_url(owned_model), {**partial, "action": "submit"})
    assert response.status_code == 400 and "needs an answer" in response.content.decode()
    assert client.post(edit_url(owned_model), {**partial, "action": "draft"}).status_code == 302
    draft = RiskAssessment.objects.get()
    assert draft.status == "draft" and draft.answers == {
        "role": "provider",
        "annex_iii_use": "4a_recruitment",
    }
    assert "4a_recruitment" in client.get(edit_url(owned_model)).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("reviewer", 403),
        ("auditor", 403),
        ("other_owner", 404),
        ("viewer", 404),
        ("compliance", 200),
        ("admin", 200),
    ],
)
def test_who_may_assess(client_for, personas, owned_model, persona, status):
    assert client_for(getattr(personas, persona)).get(edit_url(owned_model)).status_code == status


@pytest.mark.django_db
def test_revisions_are_kept_and_checklist_progress_carries_over(personas, owned_model):
    first = services.assessment_submit(
        actor=personas.compliance, model_service=owned_model, answers=CREDIT
    )
    item = Obligation.objects.get(model_service=owned_model, code="art9_risk_management")
    services.evidence_add(
        actor=personas.compliance, obligation=item, link="https://wiki.example.com/rm"
    )
    services.obligation_update(actor=personas.compliance, obligation=item, status="met")
    second = services.assessment_submit(
        actor=personas.compliance,
        model_service=owned_model,
        answers={**CREDIT, "transparency_triggers": ["50_1_interaction"]},
    )
    assert (first.revision, second.revision) == (1, 2)
    current = Obligation.objects.get(
        model_service=owned_model, code="art9_risk_management", is_current=True
    )
    assert current.status == "met" and current.evidence.count() == 1
    assert Obligation.objects.filter(
        model_service=owned_model, is_current=True, code="50_1_interaction"
    ).exists()
    assert RiskAssessment.objects.filter(model_service=owned_model, status="submitted").count() == 2


@pytest.mark.django_db
def test_only_certifiers_mark_met_and_not_applicable_needs_a_reason(personas, owned_model):
    from django.core.exceptions import PermissionDenied, ValidationError

    services.assessment_submit(actor=personas.compliance, model_service=owned_model, answers=CREDIT)
    item = Obligation.objects.get(model_service=owned_model, code="art12_logging")
    with pytest.raises(PermissionDenied):
        services.obligation_update(actor=personas.owner, obligation=item, status="met")
    services.obligation_update(actor=personas.owner, obligation=item, status="in_progress")
    with pytest.raises(ValidationError):
        services.obligation_update(
            actor=personas.compliance, obligation=item, status="not_applicable"
        )
    services.obligation_update(
        actor=personas.compliance,
        obligation=item,
        status="not_applicable",
        justification="No automated logs: batch",
    )
    owned_model.refresh_from_db()
    assert owned_model.obligations_completeness == round(100 / 15)
    changes = AuditEvent.objects.filter(action="governance.obligation_changed")
    assert [e.after.get("status") for e in changes.order_by("occurred_at")] == [
        "in_progress",
        "not_applicable",
    ]


@pytest.mark.django_db
def test_compliance_officer_marks_met_with_a_file_through_the_page(
    client_for, personas, owned_model
):
    services.assessment_submit(actor=personas.compliance, model_service=owned_model, answers=CREDIT)
    item = Obligation.objects.get(model_service=owned_model, code="art14_human_oversight")
    client = client_for(personas.compliance)
    pdf = SimpleUploadedFile(
        "oversight.pdf", b"%PDF-1.4 human oversight procedure", content_type="application/pdf"
    )
    client.post(reverse("risk:evidence-add", args=[item.pk]), {"file": pdf})
    client.post(reverse("risk:obligation-update", args=[item.pk]), {"status": "met"})
    item.refresh_from_db()
    evidence = Evidence.objects.get()
    assert item.status == "met" and evidence.sha256 and evidence.size == 34
    download = client.get(reverse("risk:evidence-download", args=[evidence.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert (
        client_for(personas.other_owner)
        .get(reverse("risk:evidence-download", args=[evidence.pk]))
        .status_code
        == 404
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.exe", b"MZ", "Accepted types"),
        ("fake.pdf", b"not a pdf at all", "not PDF"),
        ("empty.txt", b"", "empty"),
    ],
)
def test_bad_evidence_files_are_refused(personas, owned_model, settings, name, content, message):
    from django.core.exceptions import ValidationError

    services.assessment_submit(actor=personas.compliance, model_service=owned_model, answers=CREDIT)
    item = Obligation.objects.filter(model_service=owned_model).first()
    with pytest.raises(ValidationError, match=message):
        services.evidence_add(
            actor=personas.compliance, obligation=item, upload=SimpleUploadedFile(name, content)
        )
    assert not Evidence.objects.exists()


@pytest.mark.django_db
def test_oversized_evidence_is_refused(personas, owned_model, settings):
    from django.core.exceptions import ValidationError

    settings.ATTEST_EVIDENCE_MAX_BYTES = 10
    services.assessment_submit(actor=personas.compliance, model_service=owned_model, answers=CREDIT)
    item = Obligation.objects.filter(model_service=owned_model).first()
    with pytest.raises(ValidationError, match="larger than"):
        services.evidence_add(
            actor=personas.compliance,
            obligation=item,
            upload=SimpleUploadedFile("a.txt", b"x" * 11),
        )


@pytest.mark.django_db
def test_changed_intended_use_marks_the_assessment_for_review(client_for, personas, owned_model):
    from risk.selectors import assessment_latest, review_reasons

    services.assessment_submit(actor=personas.compliance, model_service=owned_model, answers=CREDIT)
    assert review_reasons(owned_model, assessment_latest(owned_model)) == []
    catalog_services.model_service_update_metadata(
        actor=personas.owner, model_service=owned_model, changes={"intended_use": "Now for SMEs"}
    )
    owned_model.refresh_from_db()
    reasons = review_reasons(owned_model, assessment_latest(owned_model))
    assert reasons and "intended use" in reasons[0]
    page = (
        client_for(personas.owner)
        .get(reverse("risk:assessment-detail", args=[owned_model.pk]))
        .content.decode()
    )
    assert "Review needed" in page


# --- API ------------------------------------------------------------------------------------
def api(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.django_db
def test_api_put_and_get_risk_assessment(api_token, personas, owned_model):
    client = api(api_token(scopes=["catalog:read", "assessments:write"], user=personas.owner))
    url = f"/api/v1/models/{owned_model.pk}/risk-assessment/"
    assert client.get(url).status_code == 404
    bad = client.put(url, {"answers": {**CREDIT, "bogus": 1, "gpai": "maybe"}}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]["answers"]) == {"bogus", "gpai"}
    assert not RiskAssessment.objects.exists()
    created = client.put(url, {"answers": CREDIT}, format="json")
    assert created.status_code == 201 and created.json()["tier"] == "high"
    assert created.json()["status"] == "proposed"  # the owner proposes; compliance confirms
    got = client.get(url).json()
    assert got["revision"] == 1 and got["status"] == "proposed"
    assert client.get(f"/api/v1/models/{owned_model.pk}/obligations/").json() == []
    services.assessment_confirm(
        actor=personas.compliance, assessment=RiskAssessment.objects.get(revision=1)
    )
    got = client.get(url).json()
    assert got["status"] == "submitted" and got["result"]["decided_by"]["article"]
    obligations = client.get(f"/api/v1/models/{owned_model.pk}/obligations/").json()
    assert len(obligations) == 15 and obligations[0]["status"] == "open"
    # A second owner submission waits beside the revision in force.
    lower = {**CREDIT, "transparency_triggers": ["50_1_interaction"]}
    assert client.put(url, {"answers": lower}, format="json").status_code == 201
    got = client.get(url).json()
    assert got["revision"] == 1 and got["pending_proposal"]["revision"] == 2


@pytest.mark.django_db
def test_api_evidence_upload_and_scopes(api_token, personas, owned_model):
    services.assessment_submit(actor=personas.compliance, model_service=owned_model, answers=CREDIT)
    item = Obligation.objects.filter(model_service=owned_model).first()
    url = f"/api/v1/obligations/{item.pk}/evidence/"
    read_only = api(api_token(scopes=["catalog:read"], user=personas.compliance))
    assert read_only.post(url, {"link": "https://x.example.com"}, format="json").status_code == 403
    writer = api(api_token(scopes=["evidence:write"], user=personas.compliance))
    upload = SimpleUploadedFile("report.csv", b"metric,value\nauc,0.81\n", content_type="text/csv")
    response = writer.post(url, {"file": upload, "description": "eval"}, format="multipart")
    assert response.status_code == 201 and response.json()["sha256"]
    assert writer.post(url, {}, format="json").status_code == 400
    outsider = api(api_token(scopes=["evidence:write"], user=personas.other_owner))
    assert outsider.post(url, {"link": "https://x.example.com"}, format="json").status_code == 404


@pytest.mark.django_db
def test_owner_and_due_date_are_set_from_the_page(client_for, personas, owned_model):
    services.assessment_submit(actor=personas.compliance, model_service=owned_model, answers=CREDIT)
    item = Obligation.objects.get(model_service=owned_model, code="art10_data_governance")
    client = client_for(personas.owner)
    url = reverse("risk:obligation-update", args=[item.pk])
    client.post(url, {"status": "in_progress", "owner": "teammate", "due_date": "2027-01-31"})
    item.refresh_from_db()
    assert (item.status, item.owner, str(item.due_date)) == (
        "in_progress",
        personas.teammate,
        "2027-01-31",
    )
    response = client.post(url, {"status": "in_progress", "owner": "other-owner"}, follow=True)
    assert "Choose an owner from the list" in response.content.decode()
    item.refresh_from_db()
    assert item.owner == personas.teammate


@pytest.mark.django_db
def test_owner_picker_lists_team_members_and_compliance_officers(client_for, personas, owned_model):
    services.assessment_submit(actor=personas.compliance, model_service=owned_model, answers=CREDIT)
    page = (
        client_for(personas.owner)
        .get(reverse("risk:assessment-detail", args=[owned_model.pk]))
        .content.decode()
    )
    assert 'value="teammate"' in page and 'value="compliance"' in page
    assert 'value="other-owner"' not in page
