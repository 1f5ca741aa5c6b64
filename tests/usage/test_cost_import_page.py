"""The browser upload of a FOCUS export on /usage/ (issue 22, point 2): the same import as the
API, the summary shown after, errors named on the form and nothing written."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db.models import Sum

from audit.models import AuditEvent
from tests.usage.focus_files import COLUMNS, csv_bytes, parquet_bytes, row
from usage import services
from usage.models import CostImport, CostRow

URL = "/usage/imports/"
pytestmark = pytest.mark.django_db


def rows():
    return [
        row(effective="12.50", tags={"attest-model": "credit-scoring"}),
        row(effective="7.25", start="2026-11-02T00:00:00Z", end="2026-11-03T00:00:00Z",
            tags={"attest-model": "credit-scoring"}),
        row(effective="4.40", tags={"team": "data"}),  # unmatched
    ]  # fmt: skip


def upload(client, content: bytes, name="focus.csv", **extra):
    return client.post(URL, {"file": SimpleUploadedFile(name, content), **extra})


def test_the_report_offers_the_form_to_the_second_line_only(personas, client_for, owned_model):
    page = client_for(personas.compliance).get("/usage/").content.decode()
    assert 'action="/usage/imports/"' in page and 'enctype="multipart/form-data"' in page
    assert (
        'action="/usage/imports/"' not in client_for(personas.owner).get("/usage/").content.decode()
    )


def test_compliance_uploads_a_csv_and_reads_the_summary(personas, client_for, owned_model):
    response = upload(client_for(personas.compliance), csv_bytes(rows()))
    assert response.status_code == 200, response.content.decode()[:2000]
    page = response.content.decode()
    imported = CostImport.objects.get()
    assert (imported.rows_read, imported.rows_matched, imported.rows_unmatched) == (3, 2, 1)
    assert "Imported focus.csv" in page and imported.file_sha256 in page
    assert "2026-10" in page and "2026-11" in page  # the periods replaced, linked to the report
    total = CostRow.objects.filter(model_service=owned_model).aggregate(t=Sum("amount"))["t"]
    assert total == Decimal("19.75")
    event = AuditEvent.objects.get(action="usage.costs_imported")
    assert event.actor_id == personas.compliance.pk and event.after["rows_read"] == 3


def test_parquet_with_billed_cost_through_the_form(personas, client_for, owned_model):
    content = parquet_bytes(
        [row(effective="1.00", billed="2.00", tags={"attest-model": "credit-scoring"})]
    )
    response = upload(
        client_for(personas.admin), content, name="focus.parquet", cost_column="BilledCost"
    )
    assert response.status_code == 200
    imported = CostImport.objects.get()
    assert (imported.file_format, imported.cost_column) == ("parquet", "BilledCost")
    assert CostRow.objects.get().amount == Decimal("2.00")


def test_uploading_the_same_file_again_changes_no_total(personas, client_for, owned_model):
    client = client_for(personas.compliance)
    assert upload(client, csv_bytes(rows())).status_code == 200
    response = upload(client, csv_bytes(rows()))
    assert response.status_code == 200
    assert CostRow.objects.count() == 3
    assert CostImport.objects.first().rows_replaced == 3


def test_a_file_missing_focus_columns_shows_them_and_imports_nothing(personas, client_for):
    columns = [c for c in COLUMNS if c not in {"ChargePeriodStart", "BillingCurrency"}]
    response = upload(client_for(personas.compliance), csv_bytes(rows(), columns))
    assert response.status_code == 400
    page = response.content.decode()
    assert "ChargePeriodStart" in page and "BillingCurrency" in page
    assert "Nothing was imported." in page or 'class="field__error"' in page
    assert not CostImport.objects.exists() and not CostRow.objects.exists()


def test_a_bad_row_is_named_on_the_page(personas, client_for, owned_model):
    response = upload(client_for(personas.compliance), csv_bytes([*rows(), row(currency="euro")]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "row 4" in page and "BillingCurrency" in page and "Nothing was imported." in page
    assert not CostRow.objects.exists()


def test_no_file_is_a_400_on_the_form(personas, client_for):
    response = client_for(personas.compliance).post(URL, {"cost_column": "EffectiveCost"})
    assert response.status_code == 400
    assert 'class="field__error"' in response.content.decode()


def test_a_file_over_the_limit_is_refused(personas, client_for, settings):
    settings.ATTEST_COST_IMPORT_MAX_BYTES = 100
    response = upload(client_for(personas.compliance), csv_bytes(rows()))
    assert response.status_code == 413
    assert "larger than 100 bytes" in response.content.decode()
    assert not CostImport.objects.exists()


def test_a_large_upload_reaches_the_importer_as_a_file_on_disk(
    personas, client_for, owned_model, settings
):
    """Above FILE_UPLOAD_MAX_MEMORY_SIZE the upload is written to a temporary file as it
    arrives and the importer reads it from there (the spy only records what it was given)."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    content = csv_bytes(rows() * 20)
    assert len(content) > 1024
    seen = []
    real = services.cost_import_create

    def spy(**kwargs):
        seen.append(type(kwargs["upload"]))
        return real(**kwargs)

    with mock.patch("usage.import_views.services.cost_import_create", side_effect=spy):
        response = upload(client_for(personas.compliance), content)
    assert response.status_code == 200
    assert seen == [TemporaryUploadedFile]
    assert CostImport.objects.get().rows_read == 60


@pytest.mark.parametrize("who", ["owner", "auditor", "reviewer", "viewer"])
def test_others_may_not_import(personas, client_for, who):
    response = upload(client_for(getattr(personas, who)), csv_bytes(rows()))
    assert response.status_code == 403
    assert not CostImport.objects.exists()


def test_signed_out_is_sent_to_sign_in(client_for):
    response = upload(client_for(None), b"x")
    assert response.status_code == 302 and "sign-in" in response["Location"]
