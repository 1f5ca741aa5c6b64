"""EU AI Act risk classification: answers → tier, the rules that fired, obligations. Pure.

Decision order (reference/eu-ai-act.md): Art. 5 prohibited → Art. 6(1) Annex I product →
Art. 6(2) Annex III use unless the Art. 6(3) derogation holds (never with profiling) → Art. 50
transparency (limited) → minimal. Art. 50 duties are reported in addition for high-risk
systems; general-purpose AI is a separate flag, not a tier.

The exceptions the Act spells out (an Art. 5 practice done for an excepted purpose, an Annex III
carve-out such as fraud detection under point 5(b)) are the rule set's ``exceptions``, each
asked as a question: an item that falls under one does not fire, and when nothing later sets
the tier the exception is the deciding reason. Everything version-specific (dates, wording,
which exceptions exist, which role carries an Art. 50 duty) is data; this code has one path
for every rule-set version.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _

from risk.ruleset import RuleSet, for_assessment, matches

TIERS = ("prohibited", "high", "limited", "minimal")


@dataclass(frozen=True)
class Reason:
    rule: str
    article: str
    text: str


@dataclass(frozen=True)
class ObligationSpec:
    code: str
    article: str
    title: str
    applies_from: str


@dataclass(frozen=True)
class Classification:
    ruleset_version: str
    tier: str
    decided_by: Reason  # the rule that set the tier
    reasons: list[Reason]
    transparency_duties: list[Reason]
    obligations: list[ObligationSpec]
    internal_rating: str
    gpai: bool = False
    gpai_systemic_risk: bool = False
    derogation_applied: bool = False
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _obligation(ruleset: RuleSet, spec: dict, default_effective: str) -> ObligationSpec:
    return ObligationSpec(
        code=spec["id"],
        article=spec["article"],
        title=spec["title"],
        applies_from=ruleset.applies_from(spec.get("effective", default_effective)),
    )


def _excepted(exc: dict) -> Reason:
    """The exception as a reason: "Annex III, point 5(b): Evaluating creditworthiness for the
    purpose of detecting financial fraud is excepted." """
    text = exc["text"]
    return Reason(exc["id"], exc["article"], f"{text[:1].upper()}{text[1:]}.")


def internal_rating(ruleset: RuleSet, answers: dict) -> str:
    config = ruleset.data["internal_rating"]
    score = sum(weights.get(answers.get(qid), 0) for qid, weights in config["weights"].items())
    if score >= config["thresholds"]["high"]:
        return "high"
    if score >= config["thresholds"]["medium"]:
        return "medium"
    return "low"


def _art50(ruleset: RuleSet, answers: dict, role: str) -> tuple[list[dict], list[dict]]:
    """(triggers that apply to the system, those whose duty rests on this role)."""
    picked = answers.get("transparency_triggers") or []
    fired = [t for t in ruleset.data["art50_triggers"] if t["id"] in picked]
    return fired, [t for t in fired if _duty(t, role)]


def _duty(trigger: dict, role: str) -> str | None:
    """The duty this role carries: its entry in ``duties`` where the rule set splits them by
    role (Art. 50(1)-(2) providers, 50(3)-(4) deployers), else the ``duty`` for every role."""
    return trigger.get("duties", {}).get(role, trigger.get("duty"))


def _art50_text(trigger: dict, role: str) -> str:
    """The duty as this role reads it; a trigger whose duty rests on the other role still
    makes the system limited-risk, and says who must act."""
    own = _duty(trigger, role)
    if own:
        return own
    holders = sorted(trigger.get("duties", {}).items())
    role_names = {"provider": _("the provider"), "deployer": _("the deployer")}
    others = "; ".join(f"{role_names.get(who, who)}: {text}" for who, text in holders)
    return _("%(trigger)s; the duty rests on %(holders)s") % {
        "trigger": trigger["text"],
        "holders": others,
    }


def _art50_applies_from(ruleset: RuleSet, trigger: dict, answers: dict) -> str:
    """A trigger's date: the first ``effective_if`` whose conditions hold (a transition, e.g.
    Art. 50(2) for systems already on the market), else its ``effective`` key."""
    for rule in trigger.get("effective_if", []):
        if matches(rule["when"], answers):
            return ruleset.applies_from(rule["effective"])
    return ruleset.applies_from(trigger.get("effective", "art50"))


def classify(ruleset: RuleSet, answers: dict) -> Classification:
    """Classify validated answers (see ``ruleset.validate``), worded in the rule set's language:
    English for a rule set as loaded (what is recorded), German for ``ruleset.localized("de")``
    (what a German reader is shown), whatever language is active."""
    with translation.override(ruleset.language):
        return _classify(ruleset, answers)


def _classify(ruleset: RuleSet, answers: dict) -> Classification:
    reasons: list[Reason] = []
    obligations: list[ObligationSpec] = []
    notes: list[str] = []
    # The exception that decides when nothing later fires: the first one of the latest
    # decision stage (Art. 5, Annex I, Annex III, Art. 6(3)) in which one held.
    deciding: Reason | None = None
    stages: set[str] = set()
    role = answers.get("role", "provider")
    fired, own = _art50(ruleset, answers, role)
    duties = [Reason(t["id"], t["article"], _duty(t, role)) for t in own]
    tier, decided_by, derogation = None, None, False

    def except_(reason: Reason, stage: str, note: str | None = None) -> None:
        nonlocal deciding
        if stage not in stages:
            stages.add(stage)
            deciding = reason
        reasons.append(reason)
        if note:
            notes.append(note)

    prohibited: list[dict] = []
    for pid in answers.get("prohibited_practices") or []:
        p = ruleset.item("prohibited_practices", pid)
        exc = ruleset.exception_for("prohibited_practices", pid, answers)
        if exc:
            except_(_excepted(exc), "art5", exc.get("note"))
            continue
        prohibited.append(p)
        reasons.append(
            Reason(pid, p["article"], _("Prohibited practice: %(text)s.") % {"text": p["text"]})
        )
    if prohibited:
        tier = "prohibited"
        decided_by = next(r for r in reasons if r.rule == prohibited[0]["id"])

    product = answers.get("annex_i_product")
    if tier is None and product and answers.get("annex_i_third_party_assessment"):
        p = ruleset.item("annex_i", product)
        exc = ruleset.exception_for("annex_i", product, answers)
        if exc:
            except_(_excepted(exc), "annex_i", exc.get("note"))
        else:
            decided_by = Reason(
                "art6_1",
                _("Art. 6(1), %(article)s") % {"article": p["article"]},
                _(
                    "Safety component of, or itself, a product under %(law)s law requiring "
                    "third-party conformity assessment."
                )
                % {"law": p["text"]},
            )
            reasons.append(decided_by)
            tier = "high"

    use_id = answers.get("annex_iii_use")
    if tier is None and use_id:
        use = ruleset.item("annex_iii", use_id)
        exc = ruleset.exception_for("annex_iii", use_id, answers)
        use_reason = Reason(
            use_id,
            _("Art. 6(2), %(article)s") % {"article": use["article"]},
            _("Intended use in Annex III area %(area)s (%(title)s): %(use)s.")
            % {"area": use["area"], "title": use["area_title"], "use": use["text"]},
        )
        if exc:
            # A carve-out takes the system out of Annex III altogether, so neither the
            # profiling rule nor the Art. 6(3) derogation (both about Annex III systems) apply.
            except_(_excepted(exc), "annex_iii", exc.get("note"))
            use_id = None
        elif answers.get("profiles_persons"):
            reasons.append(use_reason)
            decided_by = Reason(
                "art6_3_profiling",
                _("Art. 6(3), last subparagraph"),
                _(
                    "The system profiles natural persons, so the Art. 6(3) derogation can "
                    "never apply: always high-risk."
                ),
            )
            reasons.append(decided_by)
            tier = "high"
        elif answers.get("derogation_conditions") and answers.get("derogation_no_significant_risk"):
            derogation = True
            reasons.append(use_reason)
            for cid in answers["derogation_conditions"]:
                c = ruleset.item("derogation_conditions", cid)
                except_(
                    Reason(
                        cid,
                        c["article"],
                        _(
                            "Derogation: %(condition)s, with no significant risk of harm "
                            "(documented, Art. 6(4))."
                        )
                        % {"condition": c["text"]},
                    ),
                    "art6_3",
                )
            obligations += [
                _obligation(ruleset, o, "annex_iii")
                for o in ruleset.data["obligations"]["derogation"]
            ]
        else:
            decided_by = use_reason
            reasons.append(use_reason)
            tier = "high"

    if tier is None and fired:
        tier = "limited"
        decided_by = Reason(
            fired[0]["id"],
            fired[0]["article"],
            _("Transparency obligation applies: %(duties)s.")
            % {"duties": "; ".join(_art50_text(t, role) for t in fired)},
        )
        reasons.append(decided_by)
    if tier is None:
        tier = "minimal"
        if deciding is not None:
            decided_by = deciding  # the exception that left nothing else to fire
        else:
            decided_by = Reason(
                "minimal",
                "Art. 95",
                _(
                    "No prohibited practice, no Annex I product, no Annex III use (or the "
                    "Art. 6(3) derogation holds), no Art. 50 trigger."
                ),
            )
            reasons.append(decided_by)
    elif duties and tier == "high":
        reasons += [
            Reason(d.rule, d.article, _("Also a transparency duty: %(duty)s.") % {"duty": d.text})
            for d in duties
        ]

    obligations += _obligations_for(ruleset, tier, role, use_id, own, answers)
    gpai = bool(answers.get("gpai"))
    systemic = gpai and bool(answers.get("gpai_systemic_risk"))
    if gpai:
        obligations += [
            _obligation(ruleset, o, "gpai") for o in ruleset.data["obligations"]["gpai"]
        ]
    if systemic:
        obligations += [
            _obligation(ruleset, o, "gpai") for o in ruleset.data["obligations"]["gpai_systemic"]
        ]
    if tier == "prohibited":
        notes = [
            _("The system may not be placed on the market, put into service or used."),
            *(
                _("%(article)s applies from %(date)s.")
                % {
                    "article": p["article"],
                    "date": ruleset.applies_from(p.get("effective", "prohibitions")),
                }
                for p in prohibited
            ),
            *notes,
        ]
    return Classification(
        ruleset_version=ruleset.version,
        tier=tier,
        decided_by=decided_by,
        reasons=reasons,
        transparency_duties=duties,
        obligations=obligations,
        internal_rating=internal_rating(ruleset, answers),
        gpai=gpai,
        gpai_systemic_risk=systemic,
        derogation_applied=derogation,
        notes=notes,
    )


def _obligations_for(
    ruleset: RuleSet, tier: str, role: str, use_id: str | None, own: list[dict], answers: dict
) -> list[ObligationSpec]:
    book = ruleset.data["obligations"]
    result = [_obligation(ruleset, o, "ai_literacy") for o in book["all"]]
    if tier == "prohibited":
        return result
    if tier == "high":
        effective = "annex_i" if use_id is None else "annex_iii"
        for spec in book["high"][role]:
            if "only_for_uses" in spec and use_id not in spec["only_for_uses"]:
                continue
            result.append(_obligation(ruleset, spec, effective))
    if tier == "minimal":
        result += [_obligation(ruleset, o, "general") for o in book["minimal"]]
    result += [
        ObligationSpec(
            t["id"], t["article"], _duty(t, role), _art50_applies_from(ruleset, t, answers)
        )
        for t in own
    ]
    return result


def localized_result(ruleset_version: str, answers: dict, result: dict) -> dict:
    """A recorded classification (``result``, English) as the active language words it. In
    another language the stored answers are classified again with the rule set they were given
    under, localized: the same tier, rules and obligations (the words come from the rule set's
    translation and the catalogue, nothing else changes). English, or answers the rule set can
    no longer read: the record as it is."""
    ruleset = for_assessment(ruleset_version)
    localized = ruleset.localized()
    if localized is ruleset or not answers:
        return result
    try:
        return classify(localized, answers).as_dict()
    except (KeyError, StopIteration, TypeError, ValueError):
        return result
