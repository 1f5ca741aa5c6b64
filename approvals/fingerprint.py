"""What an approval binds: a SHA-256 over exactly what the reviewers saw. Pure: no ORM.

If any input changes (a new artefact behind the version, another run, a registry tag that
matters, a new risk-assessment revision, evidence added or removed, the model card edited),
the fingerprint changes and the approval is stale. The canonical form is JSON with sorted keys
and no whitespace, so the digest is reproducible from the stored inputs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

# Registry tags that do not change what was reviewed: our own write-back tags, and MLflow's
# bookkeeping. Every other tag on the version is bound by the approval.
IGNORED_TAG_PREFIXES = ("attest.", "mlflow.")

# The model card: the catalog fields an auditor reads as the card (Model Card Toolkit sections).
MODEL_CARD_FIELDS = (
    "description",
    "purpose",
    "intended_use",
    "intended_users",
    "out_of_scope_use",
    "training_data",
    "input_features",
    "limitations",
    "results",
)
# Of those, the ones a high-risk card cannot be without.
MODEL_CARD_REQUIRED = (
    "description",
    "intended_use",
    "out_of_scope_use",
    "training_data",
    "limitations",
)


@dataclass(frozen=True)
class FingerprintInputs:
    source_uri: str
    run_id: str
    tags: dict[str, str]
    assessment_revision: int | None
    evidence: list[str]  # sorted sha256 (files) or "link:<url>" entries
    model_card_hash: str
    extra: dict = field(default_factory=dict)

    def canonical(self) -> bytes:
        return json.dumps(
            asdict(self), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()

    def digest(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    def as_dict(self) -> dict:
        return asdict(self)


def relevant_tags(tags: dict) -> dict[str, str]:
    return {
        str(k): str(v)
        for k, v in sorted((tags or {}).items())
        if not str(k).startswith(IGNORED_TAG_PREFIXES)
    }


def model_card_hash(card: dict[str, str]) -> str:
    payload = {name: (card.get(name) or "").strip() for name in MODEL_CARD_FIELDS}
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()


def model_card_missing(card: dict[str, str]) -> list[str]:
    return [name for name in MODEL_CARD_REQUIRED if not (card.get(name) or "").strip()]


def changed_inputs(before: dict, after: dict) -> list[str]:
    """Names of the inputs that differ, for the stale reason shown to people."""
    labels = {
        "source_uri": "the version's source URI",
        "run_id": "the training run",
        "tags": "the version's registry tags",
        "assessment_revision": "the risk assessment",
        "evidence": "the evidence",
        "model_card_hash": "the model card",
    }
    return [label for key, label in labels.items() if before.get(key) != after.get(key)]
