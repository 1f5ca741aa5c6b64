"""Model cards: composed from the records, rendered to PDF through the real pipeline (Celery
eager, WeasyPrint), reproducible content hash, Model Card Toolkit JSON and Hugging Face README
exports, the web page and the API."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.urls import reverse
from pypdf import PdfReader

from approvals import services as approval_services
from approvals.models import DeploymentRequest
from documents import model_card_formats as formats
from documents import services as document_services
from documents.kinds import model_card
from documents.models import GeneratedDocument
from tests.approvals.approval_helpers import assessed_model, meet_all_obligations
from tests.documents import schemas

ROOT = Path(__file__).resolve().parents[2]
# Read from the installed model-card-toolkit wheel (tests/documents/schemas.py).
SCHEMA = schemas.model_card_toolkit_schema()
OUTPUT = ROOT / "test-output" / "documents"
METRICS = {"auc": 0.8123, "accuracy": 0.914, "ks_statistic": 0.47, "brier_score": 0.1125}

pytestmark = pytest.mark.django_db


def card_model(personas, *, name="credit-scoring-retail", **fields):
    """A high-risk credit model of ``personas.team`` with metrics, obligations done, an
    approved and deployed staging request (with CI metrics) and a production request waiting."""
    model = assessed_model(personas, "high", name=name)
    model.__class__.objects.filter(pk=model.pk).update(
        purpose="Decide retail loan applications faster with consistent risk grading.",
        intended_users="Credit officers of the retail bank.",
        input_features="Income, existing debt, repayment history, employment length.",
        stakeholders="Applicants, credit officers, model risk committee.",
        parameters="Gradient-boosted trees (400 trees, depth 5), monotonic constraints.",
        results="AUC 0.81 on the 2024 hold-out; stable across regions.",
        **fields,
    )
    model.refresh_from_db()
    version = model.versions.get(version="1")
    version.metrics = METRICS
    version.tags = {"license": "proprietary", "validation": "passed"}
    version.registry_created_at = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
    version.save()
    meet_all_obligations(personas, model)
    staging = approval_services.deployment_request_create(
        actor=personas.owner,
        model_version=version,
        environment="staging",
        justification="Champion/challenger on the 2024 hold-out.",
        metrics={"auc": 0.815, "gini": 0.63},
        links=["https://ci.example.com/runs/42/report.html"],
    )
    for approver in (personas.reviewer, personas.compliance):
        staging.refresh_from_db()
        if staging.state == DeploymentRequest.State.SUBMITTED:
            staging = approval_services.deployment_request_decide(
                actor=approver, request=staging, verdict="approve", comment="ok"
            )
    assert staging.state == DeploymentRequest.State.APPROVED
    approval_services.deployment_record(
        actor=personas.ci_bot, model_version=version, environment="staging", reference="ci#42"
    )
    approval_services.deployment_request_create(
        actor=personas.owner,
        model_version=version,
        environment="production",
        justification="Go live.",
    )
    return model, version


def render(personas, version, django_capture_on_commit_callbacks, actor=None):
    with django_capture_on_commit_callbacks(execute=True):
        document = document_services.document_request(
            actor=actor or personas.owner, kind="model_card", model_version=version
        )
    document.refresh_from_db()
    assert document.status == GeneratedDocument.Status.DONE, document.error
    return document


def pdf_text(document) -> str:
    with document.file.open("rb") as handle:
        data = handle.read()
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def save_pngs(document, prefix: str) -> list[Path]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT.glob(f"{prefix}-[0-9]*.png"):
        old.unlink()
    pdf = OUTPUT / f"{prefix}.pdf"
    with document.file.open("rb") as handle:
        pdf.write_bytes(handle.read())
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(OUTPUT / prefix)], check=True)
    return sorted(OUTPUT.glob(f"{prefix}-[0-9]*.png"))


# --- The PDF ----------------------------------------------------------------------------------
def test_model_card_pdf_shows_the_records_and_its_content_hash(
    personas, django_capture_on_commit_callbacks
):
    model, version = card_model(personas)
    document = render(personas, version, django_capture_on_commit_callbacks)
    pngs = save_pngs(document, "model-card")  # test-output/documents/, to look at
    assert len(pngs) == document.pages

    text = pdf_text(document)
    flat = " ".join(text.split())
    for expected in (
        "credit-scoring-retail",
        "version 1",
        "High",
        "Annex III",
        "Art. 14",
        "Art. 72",
        "auc",
        "0.8123",
        "brier_score",
        "0.1125",
        "gini",
        "0.63",
        "Credit Risk",
        "Support credit officers deciding retail loans.",
        "Not for employment or insurance decisions.",
        "Loan book 2015-2024",
        "Thin-file applicants",
        "https://ci.example.com/runs/42/report.html",
        "staging",
        "production",
        "approved",
        document.content_hash,
        str(document.pk),
    ):
        assert expected in flat or expected in text.replace("\n", ""), expected
    reader = PdfReader(document.file.path)
    assert len(reader.pages) == document.pages >= 5
    assert document.inputs_hash == model_card.inputs_hash(model_card.card_data(version))
    assert document.template_version == model_card.TEMPLATE_VERSION


def test_same_inputs_give_the_same_content_hash_and_a_change_changes_it(
    personas, django_capture_on_commit_callbacks
):
    model, version = card_model(personas)
    first = render(personas, version, django_capture_on_commit_callbacks)
    second = render(personas, version, django_capture_on_commit_callbacks)
    assert second.revision == first.revision + 1
    assert second.content_hash == first.content_hash
    assert second.inputs_hash == first.inputs_hash

    model.intended_use = "Support credit officers deciding retail and SME loans."
    model.save(update_fields=["intended_use"])
    third = render(personas, version, django_capture_on_commit_callbacks)
    assert third.content_hash != first.content_hash
    assert third.inputs_hash != first.inputs_hash
    assert "retail and SME loans" in " ".join(pdf_text(third).split())


def test_card_data_is_json_and_deterministic(personas):
    _, version = card_model(personas)
    data = model_card.card_data(version)
    assert json.loads(json.dumps(data)) == data
    assert model_card.card_data(version) == data
    assert [s[0] for s in data["sections"]] == [s[0] for s in model_card.SECTIONS]
    eu = data["eu_ai_act"]
    assert eu["tier"] == "high" and eu["role"] == "provider"
    assert eu["annex_iii"]["article"].startswith("Annex III")
    assert eu["human_oversight"]["code"] == "art14_human_oversight"
    assert eu["post_market"]["code"] == "art72_post_market"
    assert eu["incident_contact"] == "Credit Risk" and eu["incident_clocks"] is True
    staging = next(e for e in data["approvals"] if e["environment"] == "staging")
    assert staging["requests"][0]["state"] == "approved" and staging["requests"][0]["expires"]
    assert [a["name"] for a in staging["requests"][0]["approvers"]] == ["reviewer"]
    assert staging["deployments"][0]["reference"] == "ci#42"
    assert data["evaluation"]["metrics"][0]["name"] == "auc"
    assert [b["label"] for b in data["chart"]["panels"]] == sorted(METRICS)


# --- Pure parts -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.8123, "0.8123"), (0.5, "0.5"), (12, "12"), (12345, "12,345"), (1234.5678, "1,234.57")],
)
def test_metric_values_are_shown_as_people_read_them(value, shown):
    assert model_card.format_number(value) == shown


def test_chart_geometry_is_numbers_and_labels_only():
    rows = model_card.metric_rows({"b": -0.2, "a": 0.9, "<script>": 0.5, "note": "n/a"})
    chart = model_card.bar_chart(rows, title="t")
    assert [p["label"] for p in chart["panels"]] == ["<script>", "a", "b"]  # "note" is not numeric
    assert chart["panels"][2]["negative"] is True
    for panel in chart["panels"]:
        assert all(isinstance(panel[k], int | float) for k in ("x", "zero_x", "bar_width"))
        assert all(isinstance(t["x"], int | float) for t in panel["ticks"])
    assert model_card.bar_chart(model_card.metric_rows({"x": "text"}), title="t") is None


# --- Exports ----------------------------------------------------------------------------------
def test_model_card_toolkit_json_validates_against_the_published_schema(personas):
    _, version = card_model(personas)
    exported = formats.to_model_card_toolkit(model_card.card_data(version))
    jsonschema.validate(exported, SCHEMA)
    assert exported["model_details"]["name"] == "credit-scoring-retail"
    assert exported["model_details"]["version"] == {"name": "1", "date": "2025-06-02"}
    assert exported["model_details"]["licenses"] == [{"identifier": "proprietary"}]
    assert {"type": "auc", "value": "0.8123"} in exported["quantitative_analysis"][
        "performance_metrics"
    ]
    risks = exported["considerations"]["ethical_considerations"]
    assert risks[0]["name"].startswith("EU AI Act risk tier: High")
    assert "Annex III, point 5(b)" in risks[0]["mitigation_strategy"]


def test_model_card_toolkit_json_of_an_unassessed_model_without_metrics_validates(personas):
    from tests.factories import ModelServiceFactory, ModelVersionFactory

    model = ModelServiceFactory(owner_team=None)
    version = ModelVersionFactory(model_service=model, version="3", metrics={})
    data = model_card.card_data(version)
    assert data["eu_ai_act"]["assessed"] is False and data["chart"] is None
    jsonschema.validate(formats.to_model_card_toolkit(data), SCHEMA)
    readme = formats.to_huggingface_readme(data)
    assert yaml.safe_load(readme.split("---\n")[1])["license"] == "other"


def test_huggingface_readme_has_valid_front_matter_and_the_card_sections(personas):
    _, version = card_model(personas)
    readme = formats.to_huggingface_readme(model_card.card_data(version))
    assert readme.startswith("---\n")
    front = yaml.safe_load(readme.split("---\n")[1])
    assert front["license"] == "proprietary"
    assert "eu-ai-act-high" in front["tags"]
    metrics = front["model-index"][0]["results"][0]["metrics"]
    assert {"type": "auc", "value": 0.8123, "name": "auc"} in metrics
    for heading in (
        "# credit-scoring-retail (version 1)",
        "## Model details",
        "## Uses",
        "### Out-of-scope use",
        "## Bias, risks, and limitations",
        "## Training details",
        "## Evaluation",
        "## EU AI Act",
    ):
        assert f"\n{heading}\n" in readme, heading
    assert "| auc | 0.8123 |" in readme


@pytest.mark.parametrize(
    "value",
    [
        'a "quoted" value',
        "line one\nline two\n---\nkey: injected",
        "tab\tand\\backslash",
        "emoji 🚀 and RTL مرحبا שלום",
        "control \x00\x07\x1b and \x85 \u2028 \ufeff",
        "- not a list",
        "{not: a map}",
        "&anchor *alias !!python/object:os.system",
    ],
)
def test_yaml_strings_round_trip_through_a_yaml_parser(value):
    lines = formats.yaml_lines({"license": value, "tags": [value], "nested": [{"name": value}]})
    parsed = yaml.safe_load("\n".join(lines))
    assert parsed == {"license": value, "tags": [value], "nested": [{"name": value}]}


def test_markdown_escaping_keeps_html_and_markdown_inert():
    text = formats.md(
        "<script>alert(1)</script> **bold** [x](javascript:alert(1))\n# h\n1. one\n---\n- item"
    )
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\\*\\*bold\\*\\*" in text and "\\[x\\]" in text
    assert "\n\\# h\n1\\. one\n\\---\n\\- item" in text
    # Numbers and words that only look like markers stay as they are.
    assert formats.md("0.8123") == "0.8123" and formats.md("-0.5 #tag") == "-0.5 #tag"


# --- Web page and API -------------------------------------------------------------------------
def test_card_page_shows_the_card_with_its_buttons_and_pdf_versions(
    personas, client_for, django_capture_on_commit_callbacks
):
    model, version = card_model(personas)
    document = render(personas, version, django_capture_on_commit_callbacks)
    url = reverse("documents:model-card", args=[model.pk, "1"])
    response = client_for(personas.auditor).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    for expected in (
        "credit-scoring-retail",
        "Generate PDF",
        "Download JSON (Model Card Toolkit)",
        "Download README.md (Hugging Face)",
        "<svg",
        "0.8123",
        "Annex III",
        reverse("documents:document-request", args=[model.pk, "1", "model_card"]),
        reverse("documents:document-detail", args=[document.pk]),
    ):
        assert expected in html, expected
    assert client_for(personas.other_owner).get(url).status_code == 404
    assert client_for(personas.auditor).get(url.replace("/1/", "/9/")).status_code == 404
    detail = client_for(personas.owner).get(reverse("catalog:model-detail", args=[model.pk]))
    assert url in detail.content.decode()


def test_api_answers_json_markdown_and_pdf(
    personas, client_for, api_token, django_capture_on_commit_callbacks
):
    model, version = card_model(personas)
    token = api_token()
    client = client_for(None)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    url = reverse("documents-api:model-card", args=[model.pk, "1"])

    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    jsonschema.validate(response.json(), SCHEMA)

    for params, headers in (({"format": "markdown"}, {}), ({}, {"HTTP_ACCEPT": "text/markdown"})):
        response = client.get(url, params, **headers)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/markdown")
        assert response.content.decode().startswith("---\n")

    assert client.get(url, {"format": "docx"}).status_code == 400

    # No PDF yet: one is requested and the answer says where to poll.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url, {"format": "pdf"})
    assert response.status_code == 202
    status_url = response["Location"]
    assert response.json()["kind"] == "model_card"
    assert client.get(status_url).json()["status"] == "done"
    # Now it exists and matches the records: the PDF itself.
    response = client.get(url, HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert GeneratedDocument.objects.filter(kind="model_card").count() == 1

    # A changed record makes the stored PDF outdated: a new one is requested.
    model.limitations = "Thin-file applicants and self-employed applicants."
    model.save(update_fields=["limitations"])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url, {"format": "pdf"}).status_code == 202
    assert GeneratedDocument.objects.filter(kind="model_card").count() == 2

    other = client_for(personas.other_owner)
    assert other.get(url).status_code == 404
    assert client.get(url.replace("/1/", "/9/")).status_code == 404
    assert client_for(None).get(url).status_code == 401
