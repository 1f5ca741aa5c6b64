"""The ISO/IEC 42001 Statement of Applicability as PDF (issue 17 part 4): every Annex A control
once, applicable yes/no, justification and evidence links, one click from the Frameworks page.
The PDF's text is read back with pdftotext; page 1 is saved as PNG under test-output/documents/
to look at."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from risk import services as risk_services
from risk.frameworks import frameworks
from risk.models import Obligation
from tests.approvals.approval_helpers import assessed_model

pytestmark = pytest.mark.django_db
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "documents"
CONTROL_ID = re.compile(r"(?<![\w.])A\.\d+(?:\.\d+)+(?![\w.])")


def pdf_text(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode()


def save_first_page(pdf: bytes, name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    source = OUTPUT / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(source),
         str(OUTPUT / name)],
        check=True,
    )  # fmt: skip
    return OUTPUT / f"{name}.png"


def _soa(client, model, **params):
    return client.get(reverse("documents:model-soa-pdf", args=[model.pk]), params)


def test_soa_pdf_lists_every_annex_a_control_exactly_once_with_evidence(personas, client):
    model = assessed_model(personas, "high", name="credit-scoring-retail")
    logging = Obligation.objects.get(model_service=model, is_current=True, code="art12_logging")
    risk_services.evidence_add(
        actor=personas.owner, obligation=logging, link="https://logs.example/retention-policy"
    )
    risk_oblig = Obligation.objects.get(
        model_service=model, is_current=True, code="art9_risk_management"
    )
    risk_services.evidence_add(
        actor=personas.owner,
        obligation=risk_oblig,
        upload=SimpleUploadedFile("risk-plan.pdf", b"%PDF-1.4\n% plan\n", "application/pdf"),
    )
    for code in frameworks.obligations_for("iso42001")["A.8.4"]:
        for o in Obligation.objects.filter(model_service=model, is_current=True, code=code):
            risk_services.obligation_update(
                actor=personas.compliance,
                obligation=o,
                status=Obligation.Status.NOT_APPLICABLE,
                justification="Batch scoring only: no serious incident path.",
            )
    client.force_login(personas.owner)
    response = _soa(client, model)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="credit-scoring-retail-iso42001-soa.pdf"'
    )
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    found = Counter(CONTROL_ID.findall(text))
    expected = [item.id for item in frameworks.get("iso42001").items]
    assert len(expected) == 38
    assert set(found) == set(expected), set(found) ^ set(expected)
    assert all(found[c] == 1 for c in expected), {c: n for c, n in found.items() if n != 1}
    flat = re.sub(r"\s+", " ", text)
    assert "Statement of Applicability" in flat and "credit-scoring-retail" in flat
    assert "37 applicable, 1 not applicable" in flat
    assert "Batch scoring only: no serious incident path." in flat  # A.8.4's justification
    assert "https://logs.example/retention-policy" in flat.replace(" ", "")
    # an uploaded file is linked through the portal's permission-checked download
    assert "risk-plan.pdf" in flat
    assert "/evidence/" in flat.replace(" ", "")
    # the controls come in the standard's order
    positions = [text.index(c) for c in ("A.2.2", "A.5.2", "A.6.2.8", "A.10.4")]
    assert positions == sorted(positions)
    png = save_first_page(pdf, "iso42001-soa")
    assert png.stat().st_size > 10_000


def test_soa_pdf_is_one_click_from_the_frameworks_page(personas, client):
    model = assessed_model(personas, "high")
    client.force_login(personas.owner)
    page = client.get(reverse("risk:model-frameworks", args=[model.pk])).content.decode()
    assert reverse("documents:model-soa-pdf", args=[model.pk]) in page
    assert "Statement of Applicability (PDF)" in page
    inline = _soa(client, model, inline="1")
    assert inline["Content-Disposition"].startswith("inline;")


def test_soa_pdf_follows_the_models_visibility_and_the_framework_switch(personas, client, settings):
    model = assessed_model(personas, "minimal")
    client.force_login(personas.outsider)
    assert _soa(client, model).status_code == 404
    client.force_login(personas.other_owner)
    assert _soa(client, model).status_code == 404
    client.force_login(personas.auditor)
    assert _soa(client, model).status_code == 200
    settings.ATTEST_FRAMEWORKS = ["nist-ai-rmf"]
    assert _soa(client, model).status_code == 404
    client.logout()
    assert _soa(client, model).status_code == 302
