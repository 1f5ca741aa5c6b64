"""The hash chain: A4 tampering is named, A5 concurrent writers never fork, exports re-verify."""

import json
import subprocess
import sys
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from rest_framework.test import APIClient

from audit.models import AuditEvent
from audit.services import audit_record
from audit.verification import verify_chain

ROOT = Path(__file__).resolve().parents[2]


def write_events(n, actor=None):
    for i in range(n):
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="test.happened",
                target_label=f"thing {i}",
                after={"i": i, "when": "2026-11-22", "name": "é ✓"},
            )


@pytest.mark.django_db
def test_chain_links_every_event_and_verifies(personas):
    write_events(20, personas.owner)
    events = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    assert verify_chain().intact
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "Audit trail intact" in out.getvalue()
    call_command("verify_audit", "--since", "5", stdout=out)


def _raw(sql, params=()):
    """Tamper as the table owner would: with the append-only triggers switched off."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


@pytest.mark.django_db
@pytest.mark.parametrize("tampering", ["edit", "delete", "swap"])
def test_a4_tampering_is_found_and_the_first_bad_event_named(tampering):
    write_events(10)
    target = AuditEvent.objects.get(seq=5)
    if tampering == "edit":
        _raw("UPDATE audit_auditevent SET after = %s WHERE seq = 5", [json.dumps({"i": 999})])
        expected = (5, "edited")
    elif tampering == "delete":
        _raw("DELETE FROM audit_auditevent WHERE seq = 5")
        expected = (6, "missing")
    else:  # swap the positions of events 5 and 6
        _raw("UPDATE audit_auditevent SET seq = 1000 WHERE seq = 5")
        _raw("UPDATE audit_auditevent SET seq = 5 WHERE seq = 6")
        _raw("UPDATE audit_auditevent SET seq = 6 WHERE seq = 1000")
        expected = (5, "does not link")
    verdict = verify_chain()
    assert not verdict.intact
    assert verdict.broken_seq == expected[0] and expected[1] in verdict.problem
    with pytest.raises(CommandError, match=f"broken at event #{expected[0]} "):
        call_command("verify_audit")
    assert target.seq == 5


@pytest.mark.django_db(transaction=True)
def test_a5_eight_writers_with_rollbacks_never_fork_the_chain():
    errors = []

    def writer(w):
        try:
            for i in range(250):
                try:
                    with transaction.atomic():
                        audit_record(actor=None, action="test.concurrent", target_label=f"w{w}-{i}")
                        if i % 10 == 9:
                            raise RuntimeError("rolled back on purpose")
                except RuntimeError:
                    pass
        except Exception as exc:  # an IntegrityError here would be a fork
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    events = AuditEvent.objects.filter(action="test.concurrent")
    assert events.count() == 8 * 225  # only committed transactions
    assert not events.filter(target_label__regex=r"-(9|19|29)$").exists()
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))  # contiguous, no gaps
    assert verify_chain().intact  # 0 forks


@pytest.mark.django_db
def test_a_thousand_event_export_re_verifies_with_the_documented_script(
    client_for, personas, tmp_path
):
    write_events(1000)
    response = client_for(personas.auditor).get("/audit/export.jsonl")
    assert response.status_code == 200
    export = tmp_path / "audit.jsonl"
    export.write_bytes(b"".join(response.streaming_content))
    assert len(export.read_text().splitlines()) == AuditEvent.objects.count() >= 1000
    script = [sys.executable, str(ROOT / "docs" / "verify_audit_export.py"), str(export)]
    ok = subprocess.run(script, capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and ok.stdout.startswith("OK:"), ok.stderr
    lines = export.read_text().splitlines()
    event = json.loads(lines[500])
    event["actor_label"] = "someone else"
    lines[500] = json.dumps(event, ensure_ascii=False)
    export.write_text("\n".join(lines) + "\n")
    bad = subprocess.run(script, capture_output=True, text=True, check=False)
    assert bad.returncode != 0 and f"#{event['seq']} does not match its hash" in bad.stderr


@pytest.mark.django_db
def test_csv_export_and_permissions(client_for, personas):
    write_events(3)
    response = client_for(personas.compliance).get("/audit/export.csv", {"action": "test"})
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0].startswith("id,hash,seq,")
    assert len(body.strip().splitlines()) == 4
    assert client_for(personas.owner).get("/audit/export.csv").status_code == 403


@pytest.mark.django_db
def test_audit_api_with_keyset_pagination(client_for, personas, api_token):
    write_events(5)
    api = APIClient()
    api.force_login(personas.auditor)
    page = api.get("/api/v1/audit-events/", {"page_size": 2, "action": "test"}).json()
    assert [e["seq"] for e in page["results"]] == sorted(
        [e["seq"] for e in page["results"]], reverse=True
    )
    assert len(page["results"]) == 2 and page["next"] and "cursor=" in page["next"]
    assert set(page["results"][0]) >= {"seq", "prev_hash", "hash"}
    owner = APIClient()
    owner.force_login(personas.owner)
    assert owner.get("/api/v1/audit-events/").status_code == 403
    no_scope = APIClient()
    no_scope.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(user=personas.auditor)}")
    assert no_scope.get("/api/v1/audit-events/").status_code == 403
    scoped = APIClient()
    scoped.credentials(
        HTTP_AUTHORIZATION="Bearer " + api_token(scopes=["audit:read"], user=personas.auditor)
    )
    assert scoped.get("/api/v1/audit-events/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET actor_label = 'x'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
    ],
)
def test_a3_the_database_refuses_to_change_or_remove_events(statement):
    from django.db import DatabaseError

    write_events(3)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.count() >= 3
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()


def test_a3_sqlite_embedded_mode_refuses_update_and_delete(tmp_path):
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL"}
    }
    env.update({"DEBUG": "true", "ATTEST_VAR_DIR": str(tmp_path)})
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT, timeout=300)
    script = (
        "from django.db import connection, transaction\n"
        "from audit.services import audit_record\n"
        "with transaction.atomic(): audit_record(actor=None, action='t.x')\n"
        "for sql in ('UPDATE audit_auditevent SET action=1', 'DELETE FROM audit_auditevent'):\n"
        "    try:\n"
        "        connection.cursor().execute(sql); print('ALLOWED', sql)\n"
        "    except Exception as exc: print('REFUSED', exc)\n"
    )
    result = subprocess.run(
        [*manage, "shell", "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.count("REFUSED") == 2 and "ALLOWED" not in result.stdout


@pytest.mark.django_db
def test_a6_truncated_tail_is_caught_by_the_signed_checkpoint():
    from audit.checkpoints import checkpoint_create

    write_events(10)
    checkpoint_create()
    head = AuditEvent.objects.order_by("-seq").first().seq
    _raw("DELETE FROM audit_auditevent WHERE seq > %s", [head - 3])
    verdict = verify_chain()
    assert not verdict.intact and "truncated" in verdict.problem
    assert verdict.broken_seq == head
    with pytest.raises(CommandError, match=f"event #{head}: .*truncated"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_a6_fully_recomputed_chain_is_caught_by_the_signed_checkpoint():
    from audit import chain
    from audit.checkpoints import checkpoint_create

    write_events(8)
    checkpoint_create()
    # A database owner edits event 2 and recomputes every later hash so the chain links again.
    rows = list(AuditEvent.objects.order_by("seq").values("id", "hash", *chain.ALL_FIELDS))
    prev = rows[0]["hash"]
    for row in rows[1:]:
        fields = chain.chain_fields(row)
        if row["seq"] == 2:
            fields["actor_label"] = "nobody"
        fields["prev_hash"] = prev
        new_hash = chain.event_hash(fields)
        _raw(
            "UPDATE audit_auditevent SET actor_label = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [fields["actor_label"], "tmp-" + str(row["seq"]), "tmp-h" + str(row["seq"]), row["id"]],
        )
        row["new"] = (fields["actor_label"], prev, new_hash)
        prev = new_hash
    for row in rows[1:]:
        _raw(
            "UPDATE audit_auditevent SET actor_label = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [*row["new"], row["id"]],
        )
    assert (
        chain.first_break(
            AuditEvent.objects.order_by("seq").values("id", "hash", *chain.ALL_FIELDS)
        )
        is None
    )
    verdict = verify_chain()
    assert not verdict.intact and "rewritten" in verdict.problem


@pytest.mark.django_db
def test_checkpoints_are_signed_even_when_nothing_happened_and_forgery_is_caught(settings):
    from audit.checkpoints import checkpoint_create, checkpoint_file

    write_events(2)
    first, second = checkpoint_create(), checkpoint_create()
    assert first.seq == second.seq and first.signature != "" and verify_chain().intact
    lines = checkpoint_file().read_text().splitlines()
    assert len(lines) == 2
    forged = json.loads(lines[-1])
    forged["seq"], forged["head_hash"] = 1, AuditEvent.objects.get(seq=1).hash
    checkpoint_file().write_text("\n".join([*lines, json.dumps(forged)]) + "\n")
    assert "signature is not valid" in verify_chain().problem


@pytest.mark.django_db
def test_public_key_is_downloadable_by_auditors(client_for, personas):
    response = client_for(personas.auditor).get("/audit/public-key.pem")
    assert response.status_code == 200 and b"BEGIN PUBLIC KEY" in response.content
    assert client_for(personas.owner).get("/audit/public-key.pem").status_code == 403


@pytest.mark.django_db
def test_failed_nightly_verification_shows_a_banner_to_auditors_only(client_for, personas):
    from django.core.cache import cache

    from audit.tasks import verify

    write_events(4)
    assert verify() is True
    assert (
        "failed verification" not in client_for(personas.auditor).get("/models/").content.decode()
    )
    _raw("UPDATE audit_auditevent SET actor_label = 'x' WHERE seq = 3")
    try:
        assert verify() is False
        assert (
            "failed verification" in client_for(personas.auditor).get("/models/").content.decode()
        )
        assert (
            "failed verification" not in client_for(personas.owner).get("/models/").content.decode()
        )
    finally:
        cache.clear()


@pytest.mark.django_db
def test_event_detail_keyset_pages_and_model_filter(client_for, personas, owned_model):
    from catalog import services as catalog_services

    catalog_services.model_service_update_metadata(
        actor=personas.owner, model_service=owned_model, changes={"purpose": "new purpose"}
    )
    write_events(120)
    client = client_for(personas.auditor)
    event = AuditEvent.objects.get(action="catalog.model_updated")
    detail = client.get(f"/audit/events/{event.seq}/").content.decode()
    assert "new purpose" in detail and event.hash in detail
    first = client.get("/audit/")
    page = first.context["page"]
    assert len(page.object_list) == 50 and page.next_before
    older = client.get("/audit/", {"before": page.next_before}).context["page"]
    assert older.object_list[0].seq == page.object_list[-1].seq - 1
    only_model = client.get("/audit/", {"subject": str(owned_model.pk)}).context["page"]
    assert [e.action for e in only_model.object_list] == ["catalog.model_updated"]
    assert client_for(personas.owner).get(f"/audit/events/{event.seq}/").status_code == 403
    assert client.get("/audit/events/999999/").status_code == 404
