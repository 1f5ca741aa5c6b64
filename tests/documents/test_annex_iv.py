"""EU AI Act technical documentation (Annex IV) through the real pipeline: request → Celery
task (eager) → compose → WeasyPrint → stored PDF → audit event. The PDF's text is read back
with pdftotext; each PDF is also turned into PNG pages under test-output/documents/ to look at.
"""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from documents import services
from documents.kinds import annex_iv
from documents.models import GeneratedDocument
from monitoring import services as monitoring_services
from risk import services as governance_services
from risk.models import Obligation
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "documents"
SECTION_HEADINGS = [str(title) for _, title in annex_iv.SECTIONS[:9]]


def pdf_text(document: GeneratedDocument) -> str:
    with document.file.open("rb") as handle:
        pdf = handle.read()
    result = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode()


def save_pngs(document: GeneratedDocument, name: str) -> list[Path]:
    """Pages as PNG (60 dpi) for a person to look at: test-output/documents/<name>-NN.png."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page = re.compile(rf"{re.escape(name)}-\d+\.png")
    for old in OUTPUT.glob(f"{name}-*.png"):
        if page.fullmatch(old.name):  # not "<name>-hostile-1.png"
            old.unlink()
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            os.environ.get("ATTEST_TEST_PNG_DPI", "60"),
            document.file.path,
            str(OUTPUT / name),
        ],
        check=True,
    )
    return sorted(p for p in OUTPUT.glob(f"{name}-*.png") if page.fullmatch(p.name))


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def generate(capture, actor, version) -> GeneratedDocument:
    with capture(execute=True):
        document = services.document_request(
            actor=actor, kind=GeneratedDocument.Kind.ANNEX_IV, model_version=version
        )
    document.refresh_from_db()
    assert document.status == GeneratedDocument.Status.DONE, document.error
    return document


@pytest.fixture
def credit_model(personas):
    """A high-risk credit-scoring model, version 3, partly documented: risk management and
    instructions for use have evidence; the declaration of conformity and others do not."""
    model = assessed_model(personas, "high", name="retail-credit-pd", versions=("1", "2", "3"))
    model.parameters = "Gradient-boosted trees, 400 estimators, depth 6; optimises log-loss."
    model.input_features = "Income, existing debt, repayment history (24 months), tenure."
    model.intended_users = "Retail credit officers in the EU branches."
    model.reproduction = "Train with `make train SNAPSHOT=2025-06`; holdout of 2024 applications."
    model.save()
    version = model.versions.get(version="3")
    version.metrics = {"auc": 0.8123, "ks": 0.41, "gini_age_gap": 0.02}
    version.save()
    by_code = {o.code: o for o in Obligation.objects.filter(model_service=model, is_current=True)}
    governance_services.evidence_add(
        actor=personas.compliance,
        obligation=by_code["art9_risk_management"],
        link="https://wiki.example.com/credit/risk-management-plan",
        description="Risk management plan v4, approved by the model risk committee.",
    )
    governance_services.obligation_update(
        actor=personas.compliance, obligation=by_code["art9_risk_management"], status="met"
    )
    governance_services.evidence_add(
        actor=personas.compliance,
        obligation=by_code["art13_instructions"],
        upload=SimpleUploadedFile("instructions-for-use.pdf", b"%PDF-1.4 instructions"),
        description="Instructions for use for credit officers.",
    )
    governance_services.obligation_update(
        actor=personas.compliance, obligation=by_code["art13_instructions"], status="met"
    )
    model.refresh_from_db()
    return model


def test_annex_iv_pdf_holds_the_nine_sections_and_marks_what_is_missing(
    personas, credit_model, django_capture_on_commit_callbacks
):
    version = credit_model.versions.get(version="3")
    document = generate(django_capture_on_commit_callbacks, personas.owner, version)
    pages = save_pngs(document, "annex-iv")
    text = flat(pdf_text(document))

    assert document.template_version == "annex-iv/3" and document.pages == len(pages) >= 8
    assert "retail-credit-pd" in text and "v3" in text and "Technical documentation" in text
    assert "High" in text and "Art. 6(2)" in text and "Annex III" in text  # tier and reasons
    assert "Art. 6(3), last subparagraph" in text  # profiling: no derogation
    for metric in ("auc", "0.8123", "gini_age_gap"):
        assert metric in text
    for heading in SECTION_HEADINGS:
        assert heading in text, heading
    assert "Completeness checklist" in text
    # Present items carry their evidence; absent ones are MISSING with where to fill them in.
    assert "wiki.example.com/credit/risk" in text  # (pdftotext joins hyphenated breaks)
    assert "instructions-for-use.pdf" in text
    assert "Copy of the EU declaration of conformity" in text
    assert text.count("MISSING") >= 2 * 6  # in the body and in the checklist
    data = annex_iv.compose(document)
    missing = [i["title"] for i in data["items"] if not i["present"]]
    assert "Copy of the EU declaration of conformity" in missing
    assert "Post-market monitoring plan" in missing
    assert "Instructions for use" not in missing and "Risk management system" not in missing
    assert f"{data['completeness']['percent']}%" in text
    assert 0 < data["completeness"]["percent"] < 100
    # Point 9 reads the monitoring records: none here, and the document says so.
    assert "No incidents have been recorded for this model." in text
    assert "No monitoring thresholds are defined." in text
    assert "Performance thresholds evaluated in production" in missing
    assert "does not track production incidents" not in text
    # The content hash is printed (footer and cover) and matches the row.
    assert document.content_hash in text.replace(" ", "")
    assert document.file_sha256 and document.inputs_hash


def test_missing_obligation_evidence_names_the_obligation_to_fill(personas, credit_model):
    document = GeneratedDocument(
        kind=GeneratedDocument.Kind.ANNEX_IV,
        model_service=credit_model,
        model_version=credit_model.versions.get(version="3"),
    )
    items = {i["title"]: i for i in annex_iv.compose(document)["items"]}
    declaration = items["Copy of the EU declaration of conformity"]
    assert not declaration["present"]
    assert "Art. 43, 47, 48" in declaration["fix"] and "evidence" in declaration["fix"]
    assert items["Intended purpose"]["present"]  # from the catalog's intended use


def test_met_without_evidence_is_still_missing(personas, credit_model):
    """Certified met on a justification alone: Annex IV still wants the plan itself."""
    obligation = Obligation.objects.get(
        model_service=credit_model, code="art72_post_market", is_current=True
    )
    governance_services.obligation_update(
        actor=personas.compliance,
        obligation=obligation,
        status="met",
        justification="Plan agreed in the model risk committee.",
    )
    document = GeneratedDocument(
        kind=GeneratedDocument.Kind.ANNEX_IV,
        model_service=credit_model,
        model_version=credit_model.versions.get(version="3"),
    )
    items = {i["title"]: i for i in annex_iv.compose(document)["items"]}
    plan = items["Post-market monitoring plan"]
    assert not plan["present"] and "no evidence is attached" in plan["fix"]


def test_generation_is_audited(personas, credit_model, django_capture_on_commit_callbacks):
    document = generate(
        django_capture_on_commit_callbacks, personas.owner, credit_model.versions.get(version="3")
    )
    event = AuditEvent.objects.get(
        action="governance.document_generated", target_id=str(document.pk)
    )
    assert event.actor_id == personas.owner.pk and event.subject_id == credit_model.pk
    assert event.after["kind"] == "annex_iv"
    assert event.after["content_hash"] == document.content_hash


def test_identical_inputs_give_the_same_content_hash(
    personas, credit_model, django_capture_on_commit_callbacks
):
    version = credit_model.versions.get(version="3")
    first = generate(django_capture_on_commit_callbacks, personas.owner, version)
    second = generate(django_capture_on_commit_callbacks, personas.owner, version)
    assert (first.revision, second.revision) == (1, 2)
    assert first.content_hash == second.content_hash
    assert first.inputs_hash == second.inputs_hash
    assert first.file_sha256 != second.file_sha256  # the PDFs carry id and time
    # A change to the records changes the hash.
    credit_model.limitations = "Thin-file applicants are scored less accurately; see §3."
    credit_model.save()
    third = generate(django_capture_on_commit_callbacks, personas.owner, version)
    assert third.content_hash != first.content_hash


@pytest.mark.parametrize("tier", ["minimal", "limited"])
def test_annex_iv_is_refused_for_models_that_are_not_high_risk(personas, tier):
    model = assessed_model(personas, tier)
    with pytest.raises(ValidationError, match="high-risk"):
        services.document_request(
            actor=personas.owner,
            kind=GeneratedDocument.Kind.ANNEX_IV,
            model_version=model.versions.get(),
        )
    assert not GeneratedDocument.objects.exists()


# --- Pages and API ----------------------------------------------------------------------------
def test_model_page_offers_annex_iv_only_for_high_risk_models(
    personas, credit_model, client_for, django_capture_on_commit_callbacks
):
    client = client_for(personas.owner)
    page = client.get(f"/models/{credit_model.pk}/").content.decode()
    assert "Generate technical documentation (Annex IV)" in page and "v3, the latest" in page
    minimal = assessed_model(personas, "minimal", name="demand-forecast")
    assert (
        "Generate technical documentation"
        not in client.get(f"/models/{minimal.pk}/").content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/models/{credit_model.pk}/versions/3/documents/annex_iv/")
    document = GeneratedDocument.objects.get(kind="annex_iv")
    assert response.status_code == 302 and response["Location"] == f"/documents/{document.pk}/"
    assert client.get(response["Location"]).status_code == 200


def test_api_generates_then_serves_the_technical_documentation(
    personas, credit_model, client_for, api_token, django_capture_on_commit_callbacks
):
    client = client_for(None)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token()}"}  # catalog:read, the owning team
    url = f"/api/v1/models/{credit_model.pk}/versions/3/technical-documentation"
    assert client.get(url, **auth).status_code == 404  # nothing generated yet
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, **auth)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["kind"] == "annex_iv" and body["version"] == "3"
    assert response["Location"] == f"/api/v1/documents/{body['id']}/"
    status = client.get(response["Location"], **auth).json()
    assert status["status"] == "done" and status["content_hash"]
    pdf = client.get(url, **auth)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert pdf["X-Content-SHA256"] == status["content_hash"]


def test_api_refuses_annex_iv_for_other_tiers_and_hides_foreign_models(
    personas, client_for, api_token
):
    client = client_for(None)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token()}"}
    minimal = assessed_model(personas, "minimal")
    response = client.post(
        f"/api/v1/models/{minimal.pk}/versions/1/technical-documentation", **auth
    )
    assert response.status_code == 400 and "high-risk" in str(response.json()["errors"])
    missing = client.post(f"/api/v1/models/{minimal.pk}/versions/9/technical-documentation", **auth)
    assert missing.status_code == 404
    foreign = assessed_model(
        SimpleNamespace(team=personas.other_team, admin=personas.admin), "high"
    )
    for method in ("get", "post"):
        answer = getattr(client, method)(
            f"/api/v1/models/{foreign.pk}/versions/1/technical-documentation", **auth
        )
        assert answer.status_code == 404
    assert not GeneratedDocument.objects.exists()


# --- Point 9: the monitoring plan and the incident register (Art. 72, 73) ----------------------
AWARE = datetime(2026, 2, 2, 8, 30, tzinfo=UTC)


def test_point_9_lists_the_thresholds_and_names_a_serious_incident(
    personas, credit_model, django_capture_on_commit_callbacks
):
    version = credit_model.versions.get(version="3")
    monitoring_services.threshold_create(
        actor=personas.owner,
        model_service=credit_model,
        metric="auc",
        environment="production",
        min_value=0.75,
        max_relative_drop=0.05,
        mark_for_rereview=True,
    )
    monitoring_services.threshold_create(
        actor=personas.owner, model_service=credit_model, metric="psi_income", max_value=0.2
    )
    serious = monitoring_services.incident_register(
        actor=personas.compliance,
        model_service=credit_model,
        model_version=version,
        title="Loans refused to a whole postcode",
        description="A feed outage set income to 0 for one region.",
        severity="high",
        serious=True,
        serious_category="general",
        occurred_at=AWARE.replace(hour=6),
        aware_at=AWARE,
    )
    monitoring_services.incident_update(
        actor=personas.compliance,
        incident=serious,
        changes={"report_stage": "initial", "authority_reported_at": AWARE.replace(day=10)},
    )
    monitoring_services.incident_register(
        actor=personas.owner,
        model_service=credit_model,
        title="Scoring latency above 2 s for an hour",
        description="Slow feature store.",
        severity="low",
        status="closed",
        aware_at=AWARE.replace(day=1),
    )

    document = generate(django_capture_on_commit_callbacks, personas.owner, version)
    pages = save_pngs(document, "annex-iv-monitoring")
    text = flat(pdf_text(document))

    assert "Loans refused to a whole postcode" in text
    assert "Scoring latency above 2 s for an hour" in text
    assert "2 incidents: 1 open, 1 serious." in text
    assert "report within 15 days (Art. 73(2))" in text  # its Art. 73 category
    assert "Initial (incomplete) report sent" in text and "first report 2026-02-10" in text
    assert "due by 2026-02-17 08:30 UTC" in text  # aware + 15 days
    assert "occurred 2026-02-02" in text and "aware 2026-02-02 08:30 UTC" in text
    assert "No incidents have been recorded" not in text
    assert "No monitoring thresholds are defined" not in text
    assert "psi_income" in text and "every environment" in text and "5 %" in text
    assert "re-review of the approval" in text
    assert "does not track production incidents" not in text
    data = annex_iv.compose(document)
    items = {i["title"]: i for i in data["items"]}
    assert items["Performance thresholds evaluated in production"]["present"]
    assert [i["title"] for i in data["incidents"]] == [
        "Loans refused to a whole postcode",
        "Scoring latency above 2 s for an hour",
    ]
    assert data["incidents"][0]["this_version"] and not data["incidents"][1]["serious"]
    # The register sits in chapter 9, under its heading (the page to look at in test-output).
    page = next(n for n in range(len(pages)) if "Loans refused" in _page_text(document, n))
    assert "Incident register" in _page_text(document, page), pages[page]


def test_point_9_changes_the_inputs_hash_when_an_incident_is_registered(
    personas, credit_model, django_capture_on_commit_callbacks
):
    version = credit_model.versions.get(version="3")
    before = generate(django_capture_on_commit_callbacks, personas.owner, version)
    monitoring_services.incident_register(
        actor=personas.owner,
        model_service=credit_model,
        title="Wrong currency in one branch",
        description="Amounts in SEK scored as EUR.",
        aware_at=AWARE,
    )
    after = generate(django_capture_on_commit_callbacks, personas.owner, version)
    assert after.inputs_hash != before.inputs_hash
    assert after.content_hash != before.content_hash
    assert "Wrong currency in one branch" in flat(pdf_text(after))


def _page_text(document: GeneratedDocument, index: int) -> str:
    page = str(index + 1)
    result = subprocess.run(
        ["pdftotext", "-f", page, "-l", page, document.file.path, "-"],
        capture_output=True,
        check=True,
    )
    return flat(result.stdout.decode())
