"""What moving to another rule set would change, per model: read-only (a selector).

Each model's assessment in force is re-classified, with the same answers, under the target rule
set (normally the current one) and compared with what it says today: tier, deciding provision,
obligations added or removed, and obligations whose application date moves. Nothing is written
here; ``risk.ruleset_change_services.assessments_move`` re-assesses from this report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Max

from catalog.models import ModelService
from catalog.selectors import model_service_visible
from risk import rules as risk
from risk import ruleset as rulesets
from risk.models import Obligation, RiskAssessment
from risk.selectors import subject_changes


@dataclass(frozen=True)
class DateMove:
    """An obligation that stays but applies from another date; ``due_date`` is the date its
    owner planned for (shown beside both, so plans made on the old date are seen)."""

    code: str
    article: str
    title: str
    old: str
    new: str
    due_date: str | None = None


@dataclass(frozen=True)
class ObligationItem:
    code: str
    article: str
    title: str
    applies_from: str


@dataclass
class ModelChange:
    """One model's assessment in force against the target rule set."""

    model: ModelService
    assessment: RiskAssessment
    target_version: str
    old_tier: str
    new_tier: str | None = None
    old_decided_by: dict = field(default_factory=dict)
    new_decided_by: dict = field(default_factory=dict)
    # The same deciding rule as the reader's language words it (the comparison above stays on
    # the English the rule set wrote; only the page shows this).
    worded_decided_by: dict = field(default_factory=dict)
    added: list[ObligationItem] = field(default_factory=list)
    removed: list[ObligationItem] = field(default_factory=list)
    moved: list[DateMove] = field(default_factory=list)
    # Answers the target rule set does not accept (question id -> messages): answer again.
    problems: dict[str, list[str]] = field(default_factory=dict)
    # What the target asks that the answers were never asked (new questions shown for these
    # answers, new choices of a question answered): a bulk move answers them "no", so the
    # person moving confirms each system was checked against them.
    unasked: list[str] = field(default_factory=list)
    # Why a bulk move must not touch this model now (a draft or proposal in progress, or the
    # model changed since it was assessed: then its answers need a person, not a bulk move).
    blocked_by: str = ""

    @property
    def tier_changes(self) -> bool:
        return self.new_tier is not None and self.new_tier != self.old_tier

    @property
    def provision_changes(self) -> bool:
        """Another provision decides (a reworded reason under the same one is no change)."""
        new = self.new_decided_by
        return bool(new) and self.old_decided_by.get("article") != new.get("article")

    @property
    def changes(self) -> bool:
        """Anything the result would change: tier, deciding provision, obligations, dates, or
        answers the target refuses. (New questions alone change no result: ``unasked``.)"""
        return bool(
            self.tier_changes
            or self.provision_changes
            or self.added
            or self.removed
            or self.moved
            or self.problems
        )

    @property
    def moved_groups(self) -> list[tuple[str, str, list[DateMove]]]:
        """The date moves grouped by (old, new) date: most move together."""
        groups: dict[tuple[str, str], list[DateMove]] = {}
        for move in self.moved:
            groups.setdefault((move.old, move.new), []).append(move)
        return [(old, new, moves) for (old, new), moves in groups.items()]

    @property
    def can_move(self) -> bool:
        """Re-assessable in bulk: same answers, accepted by the target, nothing in progress."""
        return not self.problems and not self.blocked_by


@dataclass
class ChangeReport:
    target_version: str
    changed: list[ModelChange]
    unchanged: list[ModelChange]  # assessed under another version, but nothing would change

    @property
    def movable(self) -> list[ModelChange]:
        return [row for row in self.changed + self.unchanged if row.can_move]

    @property
    def unasked(self) -> list[str]:
        """Every new question or choice any listed model was never asked, once each."""
        seen: dict[str, None] = {}
        for row in self.changed + self.unchanged:
            seen.update(dict.fromkeys(row.unasked))
        return list(seen)


def model_change(
    model: ModelService, assessment: RiskAssessment, target: rulesets.RuleSet
) -> ModelChange:
    """``assessment`` (in force for ``model``) re-read under ``target``."""
    result = assessment.result or {}
    row = ModelChange(
        model=model,
        assessment=assessment,
        target_version=target.version,
        old_tier=assessment.tier,
        old_decided_by=result.get("decided_by") or {},
    )
    cleaned, errors = rulesets.validate(target, assessment.answers, complete=True)
    if errors:
        row.problems = {key: list(value) for key, value in errors.items()}
        return row
    row.unasked = unasked(rulesets.for_assessment(assessment.ruleset_version), target, cleaned)
    new = risk.classify(target, cleaned)
    row.new_tier = new.tier
    row.new_decided_by = {"article": new.decided_by.article, "text": new.decided_by.text}
    localized = target.localized()
    worded = new if localized is target else risk.classify(localized, cleaned)
    row.worded_decided_by = {"article": worded.decided_by.article, "text": worded.decided_by.text}
    before = {o["code"]: o for o in result.get("obligations", [])}
    after = {o.code: o for o in new.obligations}
    due = dict(
        Obligation.objects.filter(assessment=assessment, is_current=True).values_list(
            "code", "due_date"
        )
    )
    for code in sorted(after.keys() - before.keys()):
        spec = after[code]
        row.added.append(ObligationItem(code, spec.article, spec.title, spec.applies_from))
    for code in sorted(before.keys() - after.keys()):
        old = before[code]
        row.removed.append(ObligationItem(code, old["article"], old["title"], old["applies_from"]))
    for spec in new.obligations:  # in the checklist's order (Art. 9 before Art. 10)
        code, old = spec.code, before.get(spec.code)
        if old is None:
            continue
        if old["applies_from"] != spec.applies_from:
            planned = due.get(code)
            row.moved.append(
                DateMove(
                    code=code,
                    article=spec.article,
                    title=spec.title,
                    old=old["applies_from"],
                    new=spec.applies_from,
                    due_date=planned.isoformat() if planned else None,
                )
            )
    return row


def unasked(old: rulesets.RuleSet, target: rulesets.RuleSet, answers: dict) -> list[str]:
    """Questions and choices of ``target`` that ``old`` did not have, as far as they concern
    these answers: a new question now shown for them, a new choice of a question they answer
    (e.g. a new Art. 5 practice). Worded "<article>: <text>" for the report."""
    if old.version == target.version:
        return []
    found = []
    old_questions = {q["id"]: q for q in old.questions}
    for q in target.questions:
        if not rulesets.visible(q, answers):
            continue
        before = old_questions.get(q["id"])
        if before is None:
            found.append(f"{q.get('article', '')}: {q['text']}".strip(": "))
        elif q["type"] in ("choice", "multi"):
            known = {value for value, _ in old.options(before)}
            for value, label in target.options(q):
                if value not in known:
                    article = _choice_article(target, q, value)
                    found.append(f"{article}: {label}" if article else label)
    return found


def _choice_article(ruleset: rulesets.RuleSet, question: dict, value: str) -> str:
    """The provision a choice drawn from a rule-set collection cites (an Art. 5 practice, an
    Annex III use), or ""."""
    source = question.get("choices_from")
    return ruleset.item(source, value).get("article", "") if source else ""


def ruleset_change_report(*, user=None, target: rulesets.RuleSet | None = None) -> ChangeReport:
    """Every model (visible to ``user``; all models for the command line) whose assessment in
    force was answered under another rule set than ``target`` (default: the current one)."""
    target = target or rulesets.current()
    models = ModelService.objects.all() if user is None else model_service_visible(user=user)
    in_force = (
        RiskAssessment.objects.filter(
            model_service__in=models, status=RiskAssessment.Status.SUBMITTED
        )
        .exclude(ruleset_version=target.version)
        .select_related("model_service")
        .order_by("model_service__name", "-revision")
    )
    busy = dict(
        RiskAssessment.objects.filter(
            model_service__in=models,
            status__in=(RiskAssessment.Status.DRAFT, RiskAssessment.Status.PROPOSED),
        ).values_list("model_service_id", "status")
    )
    latest = _latest_revisions(models)
    changed, unchanged = [], []
    seen = set()
    for assessment in in_force:
        model = assessment.model_service
        if model.pk in seen or latest.get(model.pk) != assessment.revision:
            continue  # only the newest revision in force counts
        seen.add(model.pk)
        row = model_change(model, assessment, target)
        if model.pk in busy:
            row.blocked_by = (
                "A draft is in progress: finish it in the questionnaire."
                if busy[model.pk] == RiskAssessment.Status.DRAFT
                else "A proposed revision awaits confirmation: confirm or return it first."
            )
        elif changed_since := subject_changes(model, assessment):
            row.blocked_by = " ".join(changed_since) + " Answer the questionnaire again."
        (changed if row.changes else unchanged).append(row)
    return ChangeReport(target_version=target.version, changed=changed, unchanged=unchanged)


def _latest_revisions(models) -> dict:
    """Model id -> its newest revision in force (older revisions in force stay readable)."""
    return dict(
        RiskAssessment.objects.filter(
            model_service__in=models, status=RiskAssessment.Status.SUBMITTED
        )
        .values("model_service_id")
        .annotate(n=Max("revision"))
        .values_list("model_service_id", "n")
    )


def earlier_ruleset_change(model: ModelService, assessment: RiskAssessment | None):
    """For the assessment page: what the current rule set would change, when ``assessment``
    (in force) was answered under an earlier one; None otherwise."""
    if assessment is None or assessment.status != RiskAssessment.Status.SUBMITTED:
        return None
    target = rulesets.current()
    if assessment.ruleset_version == target.version:
        return None
    return model_change(model, assessment, target)
