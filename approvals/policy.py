"""Approval policy as data: what a deployment request needs, per risk tier and environment.

Pure: no ORM. The defaults below follow the product's reading of the EU AI Act (high-risk
systems: two approvers of which at least one compliance officer, every obligation met or
justified, a current model card; limited risk: the Art. 50 transparency obligations met;
prohibited practices: never deployable). ``ATTEST_APPROVAL_POLICY`` (JSON, or
``ATTEST_APPROVAL_POLICY_FILE``) overrides any field for any tier and environment, e.g.
``{"high": {"staging": {"approvals": 2}}, "minimal": {"*": {"validity_days": 90}}}``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from datetime import timedelta
from typing import Any

from django.utils.translation import gettext, ngettext

TIERS = ("minimal", "limited", "high", "prohibited")
# A request waiting longer than this for a decision is overdue (highlighted in the inbox,
# counted apart on the dashboard).
REVIEW_SLA = timedelta(days=2)

# Which obligations must be done (met or justified not-applicable) before approval.
OBLIGATIONS_NONE = "none"
OBLIGATIONS_ART50 = "art50"  # the transparency obligations of Art. 50
OBLIGATIONS_ALL = "all"
OBLIGATION_SCOPES = (OBLIGATIONS_NONE, OBLIGATIONS_ART50, OBLIGATIONS_ALL)


class PolicyError(ValueError):
    """The configured policy is malformed (raised at start-up by the system check)."""


@dataclass(frozen=True)
class Requirement:
    """What one (tier, environment) pair demands before a request counts as approved."""

    submittable: bool = True
    approvals: int = 1  # distinct approvers, none of them the requester
    compliance_approvals: int = 0  # of which at least this many compliance officers
    obligations: str = OBLIGATIONS_NONE
    model_card: bool = False  # the model card must be complete (fields in the fingerprint)
    validity_days: int = 365  # an approval expires after this many days

    def describe(self) -> list[str]:
        """Plain-language lines for pages and API answers."""
        if not self.submittable:
            return [gettext("Deployment is prohibited: a request cannot be submitted.")]
        if self.compliance_approvals:
            approvers = ngettext(
                "%(n)s approver, at least %(compliance)s a compliance officer (never the "
                "requester)",
                "%(n)s approvers, at least %(compliance)s a compliance officer (never the "
                "requester)",
                self.approvals,
            )
        else:
            approvers = ngettext(
                "%(n)s approver (never the requester)",
                "%(n)s approvers (never the requester)",
                self.approvals,
            )
        lines = [approvers % {"n": self.approvals, "compliance": self.compliance_approvals}]
        if self.obligations == OBLIGATIONS_ART50:
            lines.append(
                gettext("Art. 50 transparency obligations met or justified not applicable")
            )
        elif self.obligations == OBLIGATIONS_ALL:
            lines.append(gettext("Every obligation met or justified not applicable"))
        if self.model_card:
            lines.append(gettext("A complete model card"))
        lines.append(
            ngettext("Valid for %(n)s day", "Valid for %(n)s days", self.validity_days)
            % {"n": self.validity_days}
        )
        return lines

    def as_dict(self) -> dict:
        return asdict(self)


# "*" is the default for any environment not named.
DEFAULTS: dict[str, dict[str, Requirement]] = {
    "minimal": {"*": Requirement(approvals=1, validity_days=730)},
    "limited": {
        "*": Requirement(approvals=1, obligations=OBLIGATIONS_ART50, validity_days=730),
        "staging": Requirement(approvals=1, validity_days=730),
    },
    "high": {
        "*": Requirement(
            approvals=2,
            compliance_approvals=1,
            obligations=OBLIGATIONS_ALL,
            model_card=True,
            validity_days=365,
        ),
        # Staging may ask less: one reviewer, nothing reaches people yet.
        "staging": Requirement(approvals=1, validity_days=90),
    },
    "prohibited": {"*": Requirement(submittable=False, approvals=0)},
}


def _merge(base: Requirement, override: dict[str, Any], where: str) -> Requirement:
    known = {f.name: f.type for f in fields(Requirement)}
    unknown = set(override) - set(known)
    if unknown:
        raise PolicyError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for key, value in override.items():
        if key in {"submittable", "model_card"} and not isinstance(value, bool):
            raise PolicyError(f"{where}.{key}: expected true or false")
        if key in {"approvals", "compliance_approvals", "validity_days"} and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise PolicyError(f"{where}.{key}: expected a whole number ≥ 0")
        if key == "obligations" and value not in OBLIGATION_SCOPES:
            raise PolicyError(f"{where}.obligations: one of {', '.join(OBLIGATION_SCOPES)}")
    merged = replace(base, **override)
    if merged.submittable and merged.approvals < 1:
        raise PolicyError(f"{where}: a submittable tier needs at least 1 approval")
    if merged.compliance_approvals > merged.approvals:
        raise PolicyError(f"{where}: compliance_approvals cannot exceed approvals")
    if merged.submittable and merged.validity_days < 1:
        raise PolicyError(f"{where}: validity_days must be at least 1")
    return merged


def parse_overrides(raw: str | dict | None) -> dict[str, dict[str, dict]]:
    """Validate the JSON overrides; ``PolicyError`` names the first bad entry."""
    if not raw:
        return {}
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise PolicyError(f"ATTEST_APPROVAL_POLICY is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PolicyError("ATTEST_APPROVAL_POLICY must be a JSON object keyed by risk tier")
    for tier, envs in data.items():
        if tier not in TIERS:
            raise PolicyError(f"unknown risk tier {tier!r} (one of {', '.join(TIERS)})")
        if not isinstance(envs, dict) or not all(isinstance(v, dict) for v in envs.values()):
            raise PolicyError(f"{tier}: expected {{environment: {{field: value}}}}")
        for env, override in envs.items():
            _merge(requirement_default(tier, env), override, f"{tier}.{env}")
    return data


def requirement_default(tier: str, environment: str) -> Requirement:
    by_env = DEFAULTS[tier]
    return by_env.get(environment, by_env["*"])


def requirement(tier: str, environment: str, overrides: dict | None = None) -> Requirement:
    """The requirement for ``tier`` in ``environment``, defaults then overrides ("*" first)."""
    if tier not in TIERS:
        raise PolicyError(f"unknown risk tier {tier!r}")
    result = requirement_default(tier, environment)
    tier_overrides = (overrides or {}).get(tier, {})
    for key in ("*", environment):
        if key in tier_overrides:
            result = _merge(result, tier_overrides[key], f"{tier}.{key}")
    return result


def is_art50(article: str) -> bool:
    """Art. 50 obligations are the transparency duties of limited-risk systems."""
    return article.replace(" ", "").startswith("Art.50")


@dataclass(frozen=True)
class ObligationState:
    code: str
    article: str
    title: str
    done: bool


def unmet_obligations(scope: str, obligations: list[ObligationState]) -> list[ObligationState]:
    if scope == OBLIGATIONS_NONE:
        return []
    relevant = (
        obligations if scope == OBLIGATIONS_ALL else [o for o in obligations if is_art50(o.article)]
    )
    return [o for o in relevant if not o.done]


@dataclass(frozen=True)
class Vote:
    approver_id: str
    approve: bool
    as_compliance: bool


def tally(req: Requirement, votes: list[Vote]) -> tuple[bool, list[str]]:
    """Whether the approvals satisfy ``req`` (ignoring obligations), and what is missing."""
    approvals = [v for v in votes if v.approve]
    distinct = {v.approver_id for v in approvals}
    compliance = {v.approver_id for v in approvals if v.as_compliance}
    missing = []
    if len(distinct) < req.approvals:
        missing.append(f"{req.approvals - len(distinct)} more approval(s) needed")
    if len(compliance) < req.compliance_approvals:
        missing.append(
            f"{req.compliance_approvals - len(compliance)} approval(s) by a compliance "
            "officer needed"
        )
    return not missing, missing
