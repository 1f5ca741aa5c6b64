"""Permission-aware reads of a model's coverage of ISO/IEC 42001 and the NIST AI RMF, from
its current AI Act obligations and their evidence (see ``risk/frameworks/frameworks.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.http import Http404
from django.utils.translation import gettext as _

from catalog.models import ModelService
from catalog.selectors import model_service_get, model_service_visible
from risk.frameworks import frameworks
from risk.models import Obligation
from risk.selectors import obligations_current

NO_OBLIGATION_JUSTIFICATION = "no AI Act obligation maps here; assess separately"


@dataclass
class ControlRow:
    """One control or subcategory for one model: its coverage and the obligations behind it."""

    item: frameworks.Item
    status: str
    obligations: list[Obligation] = field(default_factory=list)

    @property
    def evidence(self) -> list:
        return [e for o in self.obligations for e in o.evidence.all()]

    @property
    def applicable(self) -> bool:
        """Applicable unless every mapped obligation is justified as not applicable."""
        return not self.obligations or not all(
            o.status == Obligation.Status.NOT_APPLICABLE and o.justification.strip()
            for o in self.obligations
        )

    @property
    def justification(self) -> str:
        if not self.obligations:
            return NO_OBLIGATION_JUSTIFICATION
        if not self.applicable:
            return "; ".join(f"{o.article}: {o.justification.strip()}" for o in self.obligations)
        articles = ", ".join(dict.fromkeys(o.article for o in self.obligations))
        return f"Required through EU AI Act obligations ({articles})"


@dataclass
class FrameworkCoverage:
    framework: frameworks.Framework
    rows: list[ControlRow]

    @property
    def counts(self) -> dict[str, int]:
        counts = {frameworks.COVERED: 0, frameworks.OPEN: 0, frameworks.UNMAPPED: 0}
        for row in self.rows:
            counts[row.status] += 1
        return counts


def frameworks_enabled() -> list[frameworks.Framework]:
    """The frameworks this deployment shows (``ATTEST_FRAMEWORKS``), read per request."""
    return frameworks.enabled(getattr(settings, "ATTEST_FRAMEWORKS", frameworks.KNOWN))


def framework_enabled_get(framework_id: str) -> frameworks.Framework:
    """A framework this deployment switched on, or 404."""
    for framework in frameworks_enabled():
        if framework.id == framework_id:
            return framework
    raise Http404(_("This framework is not enabled here."))


def framework_coverage(model: ModelService, framework: frameworks.Framework) -> FrameworkCoverage:
    """Every item of ``framework`` for ``model`` (already checked visible), from its current
    obligations: one evidence item counts under every item its obligation maps to."""
    current = {o.code: o for o in obligations_current(model)}
    facts = {
        code: frameworks.ObligationFacts(
            code=code,
            status=o.status,
            evidence_count=len(o.evidence.all()),
            justification=o.justification,
        )
        for code, o in current.items()
    }
    rows = [
        ControlRow(c.item, c.status, [current[code] for code in c.codes])
        for c in frameworks.coverage(framework, facts)
    ]
    return FrameworkCoverage(framework, rows)


def model_frameworks(*, user, model_id) -> tuple[ModelService, list[FrameworkCoverage]]:
    """A model ``user`` may see (else 404) with its coverage of each enabled framework."""
    model = model_service_get(user=user, model_id=model_id)
    return model, [framework_coverage(model, fw) for fw in frameworks_enabled()]


def model_framework(*, user, model_id, framework_id: str) -> tuple[ModelService, FrameworkCoverage]:
    """One enabled framework's coverage of a model ``user`` may see; 404 otherwise."""
    model = model_service_get(user=user, model_id=model_id)
    return model, framework_coverage(model, framework_enabled_get(framework_id))


# --- The portfolio ---------------------------------------------------------------------------
@dataclass
class ItemTally:
    """One control or subcategory across the portfolio: how many models cover it, of those it
    applies to."""

    item: frameworks.Item
    covering: int = 0
    applicable: int = 0


@dataclass
class PortfolioFramework:
    framework: frameworks.Framework
    items: list[ItemTally]
    # model pk → that model's summary (every visible model has one, often 0 of 0)
    summaries: dict = field(default_factory=dict)


@dataclass
class PortfolioModel:
    model: ModelService
    summaries: list[frameworks.Summary]  # one per enabled framework, in their order


@dataclass
class PortfolioCoverage:
    frameworks: list[PortfolioFramework]
    models: list[PortfolioModel]


def _facts_by_model(models) -> dict:
    """Model pk → obligation code → the facts coverage needs, for every current obligation of
    ``models`` in one query (evidence counted in the database)."""
    rows = (
        Obligation.objects.filter(is_current=True, model_service__in=models)
        .order_by()
        .values("model_service_id", "code", "status", "justification")
        .annotate(evidence_count=Count("evidence"))
    )
    facts: dict = {}
    for row in rows:
        facts.setdefault(row["model_service_id"], {})[row["code"]] = frameworks.ObligationFacts(
            code=row["code"],
            status=row["status"],
            evidence_count=row["evidence_count"],
            justification=row["justification"],
        )
    return facts


def portfolio_coverage(*, user) -> PortfolioCoverage:
    """Coverage of each enabled framework over every model ``user`` may see (the catalog's own
    scope, so a model owner never sees another team's models): per model, items covered of
    those that apply; per item, models covering it of those it applies to. Two queries,
    whatever the number of models."""
    visible = model_service_visible(user=user)
    models = list(visible.select_related("owner_team").order_by("name", "pk"))
    facts = _facts_by_model(visible.values("pk"))
    enabled = frameworks_enabled()
    result = []
    for framework in enabled:
        tallies = {item.id: ItemTally(item) for item in framework.items}
        summaries = {}
        for model in models:
            obligations = facts.get(model.pk, {})
            rows = frameworks.coverage(framework, obligations)
            summary, applicable, covered = frameworks.summarise(rows, obligations)
            summaries[model.pk] = summary
            for item_id in applicable:
                tallies[item_id].applicable += 1
            for item_id in covered:
                tallies[item_id].covering += 1
        result.append(PortfolioFramework(framework, list(tallies.values()), summaries))
    return PortfolioCoverage(
        frameworks=result,
        models=[PortfolioModel(m, [fw.summaries[m.pk] for fw in result]) for m in models],
    )
