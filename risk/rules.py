"""EU AI Act risk classification: answers → tier, the rules that fired, obligations. Pure.

Decision order (reference/eu-ai-act.md): Art. 5 prohibited → Art. 6(1) Annex I product →
Art. 6(2) Annex III use unless the Art. 6(3) derogation holds (never with profiling) → Art. 50
transparency (limited) → minimal. Art. 50 duties are reported in addition for high-risk
systems; general-purpose AI is a separate flag, not a tier.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from risk.ruleset import RuleSet

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
    key = spec.get("effective", default_effective)
    return ObligationSpec(
        code=spec["id"],
        article=spec["article"],
        title=spec["title"],
        applies_from=ruleset.data["effective_from"][key],
    )


def internal_rating(ruleset: RuleSet, answers: dict) -> str:
    config = ruleset.data["internal_rating"]
    score = sum(weights.get(answers.get(qid), 0) for qid, weights in config["weights"].items())
    if score >= config["thresholds"]["high"]:
        return "high"
    if score >= config["thresholds"]["medium"]:
        return "medium"
    return "low"


def classify(ruleset: RuleSet, answers: dict) -> Classification:
    """Classify validated answers (see ``ruleset.validate``)."""
    reasons: list[Reason] = []
    obligations: list[ObligationSpec] = []
    role = answers.get("role", "provider")
    duties = [
        Reason(t["id"], t["article"], t["duty"])
        for t in ruleset.data["art50_triggers"]
        if t["id"] in (answers.get("transparency_triggers") or [])
    ]
    tier, decided_by, derogation = None, None, False

    practices = answers.get("prohibited_practices") or []
    if practices:
        for pid in practices:
            p = ruleset.item("prohibited_practices", pid)
            reasons.append(Reason(pid, p["article"], f"Prohibited practice: {p['text']}."))
        tier, decided_by = "prohibited", reasons[0]

    product = answers.get("annex_i_product")
    if tier is None and product and answers.get("annex_i_third_party_assessment"):
        p = ruleset.item("annex_i", product)
        decided_by = Reason(
            "art6_1",
            f"Art. 6(1), {p['article']}",
            f"Safety component of, or itself, a product under {p['text']} law "
            "requiring third-party conformity assessment.",
        )
        reasons.append(decided_by)
        tier = "high"

    use_id = answers.get("annex_iii_use")
    if tier is None and use_id:
        use = ruleset.item("annex_iii", use_id)
        use_reason = Reason(
            use_id,
            f"Art. 6(2), {use['article']}",
            f"Intended use in Annex III area {use['area']} ({use['area_title']}): {use['text']}.",
        )
        if answers.get("profiles_persons"):
            reasons.append(use_reason)
            decided_by = Reason(
                "art6_3_profiling",
                "Art. 6(3), last subparagraph",
                "The system profiles natural persons, so the Art. 6(3) derogation "
                "can never apply: always high-risk.",
            )
            reasons.append(decided_by)
            tier = "high"
        elif answers.get("derogation_conditions") and answers.get("derogation_no_significant_risk"):
            derogation = True
            reasons.append(use_reason)
            for cid in answers["derogation_conditions"]:
                c = ruleset.item("derogation_conditions", cid)
                reasons.append(
                    Reason(
                        cid,
                        c["article"],
                        f"Derogation: {c['text']}, with no significant risk of harm "
                        "(documented, Art. 6(4)).",
                    )
                )
            obligations += [
                _obligation(ruleset, o, "annex_iii")
                for o in ruleset.data["obligations"]["derogation"]
            ]
        else:
            decided_by = use_reason
            reasons.append(use_reason)
            tier = "high"

    if tier is None and duties:
        tier = "limited"
        decided_by = Reason(
            duties[0].rule,
            duties[0].article,
            "Transparency obligation applies: " + "; ".join(d.text for d in duties) + ".",
        )
        reasons.append(decided_by)
    if tier is None:
        tier = "minimal"
        decided_by = Reason(
            "minimal",
            "Art. 95",
            "No prohibited practice, no Annex I product, no Annex III use "
            "(or the Art. 6(3) derogation holds), no Art. 50 trigger.",
        )
        reasons.append(decided_by)
    elif duties and tier == "high":
        reasons += [
            Reason(d.rule, d.article, f"Also a transparency duty: {d.text}.") for d in duties
        ]

    obligations += _obligations_for(ruleset, tier, role, use_id, duties)
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
    notes = (
        ["The system may not be placed on the market, put into service or used."]
        if tier == "prohibited"
        else []
    )
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
    ruleset: RuleSet, tier: str, role: str, use_id: str | None, duties: list[Reason]
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
    applies = ruleset.data["effective_from"]["art50"]
    result += [ObligationSpec(d.rule, d.article, d.text, applies) for d in duties]
    return result
