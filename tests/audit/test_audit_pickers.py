"""The audit log's actor and model pickers, and a filtered export checked by the stand-alone
verifier (issue 20, point 5)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from lxml import html

from audit.models import AuditEvent
from audit.services import audit_record
from audit.subjects import subject_name, subject_named, subject_names
from tests.factories import ModelServiceFactory

pytestmark = pytest.mark.django_db
SCRIPT = Path(settings.BASE_DIR) / "docs" / "verify_audit_export.py"


@pytest.fixture
def trail(personas, owned_model):
    other = ModelServiceFactory(name="fraud-detector", owner_team=personas.other_team)
    with transaction.atomic():
        audit_record(
            actor=personas.owner,
            action="catalog.model_updated",
            target_label="by-owner-q7",
            subject_id=owned_model.pk,
        )
    with transaction.atomic():
        audit_record(
            actor=personas.other_owner,
            action="catalog.model_updated",
            target_label="by-other-owner-q7",
            subject_id=other.pk,
        )
    for i in range(3):
        with transaction.atomic():
            audit_record(
                actor=personas.owner,
                action="governance.evidence_added",
                target_label=f"evidence-{i}-q7",
                subject_id=owned_model.pk if i != 1 else other.pk,
            )
    return other


def _options(page, name):
    return [o.get("value") for o in page.xpath(f"//select[@name='{name}']/option")]


def test_the_actor_picker_lists_who_is_in_the_trail_and_picks_exactly(personas, client_for, trail):
    client = client_for(personas.auditor)
    page = html.fromstring(client.get("/audit/").content)
    actors = _options(page, "actor")
    assert {"owner", "other-owner"} <= set(actors)
    assert "teammate" not in actors  # only people who appear in the log
    listed = client.get("/audit/", {"actor": "owner"}).content.decode()
    # "owner" is a part of "other-owner": picked from the list, it means that person only
    assert "by-owner-q7" in listed and "by-other-owner-q7" not in listed
    typed = client.get("/audit/", {"actor": "wne"}).content.decode()  # old links: text search
    assert "by-owner-q7" in typed and "by-other-owner-q7" in typed


def test_the_actor_picker_is_for_readers_of_the_log_only(personas, client_for, trail):
    assert client_for(personas.owner).get("/audit/").status_code == 403


def test_the_model_picker_searches_by_name_and_shows_the_name_for_an_id(
    personas, client_for, owned_model, trail
):
    client = client_for(personas.auditor)
    page = html.fromstring(client.get("/audit/").content)
    suggestions = page.xpath("//datalist[@id='audit-models']/option/@value")
    assert {"credit-scoring", "fraud-detector"} <= set(suggestions)
    assert page.xpath("//input[@name='subject']/@list") == ["audit-models"]
    by_name = client.get("/audit/", {"subject": "Credit-Scoring"}).content.decode()
    assert "by-owner-q7" in by_name and "by-other-owner-q7" not in by_name
    by_id = client.get("/audit/", {"subject": str(owned_model.pk)})
    assert "by-owner-q7" in by_id.content.decode()
    field = html.fromstring(by_id.content).xpath("//input[@name='subject']/@value")
    assert field == ["credit-scoring"]  # the id from a link reads as the model's name
    unknown = client.get("/audit/", {"subject": "no-such-model"})
    assert unknown.status_code == 400
    assert "No model you may see is called “no-such-model”" in unknown.content.decode()


def test_the_model_lookup_names_only_models_the_reader_may_see(personas, owned_model, trail):
    assert "credit-scoring" in subject_names(personas.owner)
    assert "fraud-detector" not in subject_names(personas.owner)
    assert subject_named(personas.owner, "fraud-detector") is None
    assert subject_name(personas.owner, trail.pk) is None
    assert subject_named(personas.auditor, "fraud-detector") == trail.pk


def _run(*args):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, check=False
    )


def test_a_filtered_export_verifies_with_the_stand_alone_script(
    personas, client_for, owned_model, trail, tmp_path
):
    response = client_for(personas.auditor).get(
        "/audit/export.jsonl", {"subject": str(owned_model.pk)}
    )
    assert response.status_code == 200
    export = tmp_path / "model.jsonl"
    export.write_bytes(b"".join(response.streaming_content))
    lines = export.read_text().splitlines()
    count = AuditEvent.objects.filter(subject_id=owned_model.pk).count()
    assert len(lines) == count >= 3  # with gaps: the other model's events are left out

    plain = _run(export)
    assert plain.returncode == 1
    assert "events missing" in plain.stderr and "--filtered" in plain.stderr
    assert "proves each event, not that none is missing" in plain.stderr

    checked = _run(export, "--filtered")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith(f"OK: {count} events of a filtered export")
    assert "does not show that no event is missing" in checked.stdout

    event = json.loads(lines[-2])
    event["target_label"] = "rewritten"
    lines[-2] = json.dumps(event, ensure_ascii=False)
    export.write_text("\n".join(lines) + "\n")
    tampered = _run(export, "--filtered")
    assert tampered.returncode == 1
    assert f"#{event['seq']} does not match its hash" in tampered.stderr

    assert _run(export, "--filtered", "--head", "h", "--key", "k").returncode == 1
