"""Permission-aware reads of a model's coverage of ISO/IEC 42001 and the NIST AI RMF, from
its current AI Act obligations and their evidence (see ``risk/frameworks/frameworks.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.http import Http404

from catalog.models import ModelService
from catalog.selectors import model_service_get
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
    raise Http404("This framework is not enabled here.")


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
