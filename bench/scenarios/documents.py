"""Document generation as production does it, against WeasyPrint alone on the same HTML.

For a model card PDF, an Annex IV technical documentation PDF (a high-risk credit model) and a
portfolio compliance report over 1,000 models (100 in quick mode), the median over 3 runs
(2 in quick mode) of **request → ready**: ``document_request`` (the service the pages and the
API call) records the row and queues the Celery task after commit; the real Celery worker
composes the data, renders the template twice (content hash without, then with the volatile
fields), runs WeasyPrint, stores the PDF and records the audit event; this process polls the
row until it is ``done``. From the row itself it also records the worker's render-and-store
phase (``generated_at`` → final save) and the queue-and-compose phase before it.

The peer is WeasyPrint alone: the exact HTML the worker fed it (re-rendered here through the
same ``services._html`` from the finished row; its content hash is checked against the stored
one), rendered in this process by ``HTML(string=..., base_url=STATIC_ORIGIN,
url_fetcher=LockedFetcher(finders.find)).write_pdf()`` - the renderer and locked fetcher of
``documents/print/rendering.py``. The ratio (ours / WeasyPrint alone) is Attest's overhead
over the PDF engine: queueing, queries, templates, hashing, storage, audit, signing.

Signing's own cost per document (issue 24, item 1) is measured apart, next to the unsigned
render of the same final HTML: PAdES-B-B, and PAdES-B-T against a loopback TSA
(``scenarios/_signing.py``). Ratio = signing / unsigned render: the fraction signing adds.
"""

from __future__ import annotations

import logging
import statistics
import time

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML

from bench import results
from bench.scenarios import _documents_data as data
from bench.scenarios._signing import Signing
from documents import rendering
from documents import services as documents
from documents.kinds import portfolio
from documents.models import GeneratedDocument
from documents.registry import builder_for

Kind, Status = GeneratedDocument.Kind, GeneratedDocument.Status
PEER = "WeasyPrint alone, same HTML"
UNSIGNED = "unsigned render, same HTML (PDF/A-3b, embedded data)"
POLL = 0.02  # seconds between looks at the row


def _wait_done(pk, timeout: float = 600) -> GeneratedDocument:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = GeneratedDocument.objects.filter(pk=pk).values_list("status", flat=True).get()
        if status == Status.DONE:
            return GeneratedDocument.objects.get(pk=pk)
        if status == Status.FAILED:
            error = GeneratedDocument.objects.filter(pk=pk).values_list("error", flat=True).get()
            raise RuntimeError(f"document {pk} failed: {error}")
        time.sleep(POLL)
    raise TimeoutError(f"document {pk} was not ready within {timeout:.0f} s")


def _request(actor, kind, version=None, parameters=None) -> GeneratedDocument:
    return documents.document_request(
        actor=actor, kind=kind, model_version=version, parameters=parameters
    )


def weasyprint_alone(html: str) -> float:
    """Seconds for WeasyPrint to turn ``html`` into PDF bytes with the locked fetcher."""
    start = time.perf_counter()
    fetcher = rendering.LockedFetcher(finders.find)
    HTML(string=html, base_url=rendering.STATIC_ORIGIN, url_fetcher=fetcher).write_pdf()
    return time.perf_counter() - start


def final_html(document: GeneratedDocument) -> tuple[str, bool]:
    """The HTML the worker rendered for ``document``, and whether its content hash matches."""
    builder = builder_for(document.kind)
    composed = builder.compose(document)
    without = documents._html(builder, document, composed, volatile=False)
    same = rendering.content_hash(without) == document.content_hash
    return documents._html(builder, document, composed, volatile=True), same


def signing_rows(signing: Signing, label: str, document, html: str, runs: int) -> list[dict]:
    builder = builder_for(document.kind)
    embedded = documents._embedded(builder, builder.compose(document))
    figures = signing.measure(html, embedded, runs)
    unsigned = figures["unsigned_median_s"]
    return [
        results.row(
            "documents",
            f"{label}: {level} signing (median of {runs})",
            "s",
            figures[key],
            peer=unsigned,
            peer_name=UNSIGNED,
            detail=figures,
        )
        for level, key in (
            ("PAdES-B-B", "b_b_median_s"),
            ("PAdES-B-T, loopback TSA", "b_t_median_s"),
        )
    ]


def measure(label: str, runs: int, actor, kind, version=None, parameters=None, signing=None):
    totals, phases, queued = [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        document = _wait_done(_request(actor, kind, version, parameters).pk)
        totals.append(time.perf_counter() - start)
        phases.append((document.updated_at - document.generated_at).total_seconds())
        queued.append((document.generated_at - document.created_at).total_seconds())
    html, same = final_html(document)
    alone = [weasyprint_alone(html) for _ in range(runs)]
    total, engine = statistics.median(totals), statistics.median(alone)
    row = results.row(
        "documents",
        f"{label}: request → PDF ready (median of {runs})",
        "s",
        total,
        peer=engine,
        peer_name=PEER,
        detail={
            "runs_s": [round(t, 3) for t in totals],
            "weasyprint_alone_s": [round(t, 3) for t in alone],
            "worker_render_and_store_median_s": round(statistics.median(phases), 3),
            "queue_and_compose_median_s": round(statistics.median(queued), 3),
            "pages": document.pages,
            "pdf_bytes": document.size,
            "html_bytes": len(html.encode()),
            "html_identical_to_worker": same,
        },
    )
    return [row, *signing_rows(signing, label, document, html, runs)]


def run(stack) -> list[dict]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        raise RuntimeError("Celery runs eagerly here; the scenario needs the real worker")
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    quick = stack.quick
    runs, size = (2, 100) if quick else (3, 1_000)
    team, admin, compliance = data.people()
    version = data.high_risk_version(team, admin)
    missing = size - data.portfolio_size(team)
    if missing > 0:
        data.bulk_portfolio(team, admin, compliance, missing)
    size = data.portfolio_size(team)

    # Warm-up, untimed: both worker children and this process load WeasyPrint and the fonts.
    warm = [_request(admin, Kind.MODEL_CARD, version).pk for _ in range(2)]
    first = [_wait_done(pk) for pk in warm][-1]
    weasyprint_alone(final_html(first)[0])

    report = portfolio.clean_parameters({"team": data.TEAM_SLUG, "since": ""})
    signing = Signing()
    try:
        rows = [
            *measure("model card PDF", runs, admin, Kind.MODEL_CARD, version, signing=signing),
            *measure(
                "Annex IV technical documentation PDF",
                runs,
                admin,
                Kind.ANNEX_IV,
                version,
                signing=signing,
            ),
            *measure(
                f"portfolio report, {size:,} models",
                runs,
                compliance,
                Kind.PORTFOLIO,
                None,
                report,
                signing=signing,
            ),
        ]
    finally:
        signing.stop()
    stack.check_alive()
    return rows
