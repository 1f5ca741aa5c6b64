"""The sequencer: writers insert unsealed events without a shared lock; one sequencer at a time
seals committed events in commit order, gapless, and survives being killed mid-batch."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, connections, transaction

from audit import sequencer
from audit.models import AuditCheckpoint, AuditEvent, AuditTreeNode
from audit.services import audit_record
from audit.verification import verify_chain

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_mode(settings, monkeypatch):
    """As in production: nothing seals in the writer, and no worker is woken (the test runs
    the sequencer itself)."""
    settings.ATTEST_AUDIT_SEAL_INLINE = False
    monkeypatch.setattr(sequencer, "wake_after_commit", lambda: None)


def record(label, **kwargs):
    return audit_record(actor=None, action="test.sequenced", target_label=label, **kwargs)


def labels_in_seq_order():
    return list(
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("seq")
        .values_list("target_label", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_writers_insert_unsealed_and_the_sequencer_seals_gapless(worker_mode):
    for i in range(5):
        with transaction.atomic():
            event = record(f"e{i}")
        assert event.seq is None and event.hash is None
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 5
    assert sequencer.seal_pending() == 5
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
    assert labels_in_seq_order() == [f"e{i}" for i in range(5)]
    head = AuditCheckpoint.objects.order_by("-id").first()
    assert head.seq == 5 and head.checkpoint.startswith(head.checkpoint.split("\n")[0] + "\n5\n")
    assert AuditTreeNode.objects.filter(id__lt=1 << 48).count() == 5
    assert verify_chain().intact
    assert sequencer.seal_pending() == 0  # nothing left


@pytest.mark.django_db(transaction=True)
def test_rolled_back_business_transaction_leaves_no_event(worker_mode):
    with pytest.raises(RuntimeError), transaction.atomic():
        record("never happened")
        raise RuntimeError("the business change failed")
    assert not AuditEvent.objects.exists()
    assert sequencer.seal_pending() == 0
    with transaction.atomic():
        record("happened")
    sequencer.seal_pending()
    assert list(AuditEvent.objects.values_list("seq", "target_label")) == [(1, "happened")]


@pytest.mark.django_db
def test_rolled_back_savepoint_in_eager_mode_frees_its_sequence_number():
    with transaction.atomic():
        record("kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        record("rolled back")
        raise RuntimeError
    with transaction.atomic():
        last = record("next")
    assert last.seq == 2 and labels_in_seq_order() == ["kept", "next"]
    assert verify_chain().intact


@pytest.mark.django_db(transaction=True)
def test_sequence_order_is_commit_order_not_insert_order(worker_mode):
    """A transaction that inserts first but commits last is sealed after the other."""
    inserted, release = threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                record("inserted first, committed last")
                inserted.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inserted.wait(10)
    with transaction.atomic():
        record("inserted second, committed first")
    assert sequencer.seal_pending() == 1  # the open transaction's event is not visible yet
    release.set()
    thread.join()
    assert sequencer.seal_pending() == 1
    assert labels_in_seq_order() == [
        "inserted second, committed first",
        "inserted first, committed last",
    ]
    assert verify_chain().intact


@pytest.mark.django_db(transaction=True)
def test_two_sequencers_started_at_once_never_both_seal(worker_mode):
    for i in range(300):
        with transaction.atomic():
            record(f"e{i}")
    start, results, errors = threading.Barrier(4), [], []

    def run():
        try:
            start.wait()
            results.append(sequencer.seal_pending(batch_size=40, wait_seconds=0))
        except Exception as exc:  # a double seal would be a unique violation or rowcount error
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(results) == 300 and sorted(results)[:3] == [0, 0, 0]  # one sealed, three yielded
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 301))
    assert verify_chain().intact


@pytest.mark.django_db(transaction=True)
def test_a_sequencer_waits_while_another_holds_the_lock(worker_mode):
    with transaction.atomic():
        record("waiting")
    held, release = threading.Event(), threading.Event()

    def holder():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [sequencer.LOCK_KEY])
                held.set()
                release.wait(10)
                cursor.execute("SELECT pg_advisory_unlock(%s)", [sequencer.LOCK_KEY])
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(10)
    assert sequencer.seal_pending(wait_seconds=0.2) == 0
    assert AuditEvent.objects.get().seq is None
    release.set()
    thread.join()
    assert sequencer.seal_pending() == 1


KILLED_SEQUENCER = """
import sys, time
import django
django.setup()
from audit import sequencer
real = sequencer._store_nodes
def stall(start, leaves):
    real(start, leaves)
    print("SEALED-NOT-COMMITTED", flush=True)
    time.sleep(600)
sequencer._store_nodes = stall
sequencer.seal_pending(batch_size=50)
"""


@pytest.mark.django_db(transaction=True)
def test_a_killed_sequencer_loses_no_event_and_the_next_continues_the_tree(worker_mode):
    for i in range(30):
        with transaction.atomic():
            record(f"before {i}")
    assert sequencer.seal_pending() == 30
    for i in range(120):
        with transaction.atomic():
            record(f"after {i}")
    name = connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "TEST_DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
    }
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", KILLED_SEQUENCER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline()
        assert line.strip() == "SEALED-NOT-COMMITTED", child.stderr.read()
        # It holds the lock with 50 events sealed in its open transaction: nobody else seals.
        assert sequencer.seal_pending(wait_seconds=0.2) == 0
    finally:
        child.kill()
        child.wait(10)
    deadline = time.monotonic() + 10
    sealed = 0
    while time.monotonic() < deadline and not sealed:  # until PostgreSQL noticed the death
        sealed = sequencer.seal_pending(wait_seconds=1)
    assert sealed == 120
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 151))
    assert labels_in_seq_order()[30:] == [f"after {i}" for i in range(120)]
    assert verify_chain().intact


@pytest.mark.django_db(transaction=True)
def test_the_trigger_permits_sealing_once_and_nothing_else(worker_mode):
    with transaction.atomic():
        record("unsealed")
    event = AuditEvent.objects.get()
    refused = [
        "UPDATE audit_auditevent SET actor_label = 'x'",  # content of an unsealed event
        "UPDATE audit_auditevent SET seq = 1, actor_label = 'x', hash = 'h', prev_hash = 'p'",
        "UPDATE audit_auditevent SET sealed_at = now()",  # no seal
        "DELETE FROM audit_auditevent",
    ]
    for sql in refused:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(sql)
    sequencer.seal_pending()
    event.refresh_from_db()
    assert event.seq == 1
    for sql in [
        "UPDATE audit_auditevent SET seq = 2, hash = 'h', prev_hash = 'p'",
        "TRUNCATE audit_auditevent",
    ]:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(sql)
    assert verify_chain().intact


@pytest.mark.django_db
def test_version_1_events_still_verify_and_join_the_tree(settings):
    """Events sealed by the old code (chain version 1, no tree nodes) stay valid, and the next
    batch builds their leaves before it adds its own."""
    from audit import chain

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        prev = chain.GENESIS
        for seq in (1, 2):
            fields = {
                "seq": seq,
                "prev_hash": prev,
                "occurred_at": f"2026-01-0{seq}T10:00:00.000000Z",
                "actor_id": None,
                "actor_label": "system",
                "source": "system",
                "action": "test.legacy",
                "target_type": "",
                "target_id": "",
                "target_label": f"legacy {seq}",
                "subject_id": None,
                "before": None,
                "after": {"n": seq},
                "request_id": "",
                "ip_address": None,
            }
            digest = chain.event_hash(fields)  # version 1: no chain_version in the bytes
            AuditEvent.objects.create(
                **{**fields, "occurred_at": f"2026-01-0{seq}T10:00:00Z"}, hash=digest
            )
            prev = digest
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
    assert set(AuditEvent.objects.values_list("chain_version", flat=True)) == {1}
    with transaction.atomic():
        new = record("new")
    assert new.seq == 3 and verify_chain().intact
    assert AuditEvent.objects.get(seq=3).chain_version == 2
    assert AuditTreeNode.objects.filter(id__lt=1 << 48).count() == 3
