"""The EU AI Act rule set as data: loading it, and validating answers against its questions.

Pure (no ORM). A rule set is a JSON file in ``risk/rulesets/``; changing a date, adding an
Annex III use or an obligation is an edit to that file, never to code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

RULESET_DIR = Path(__file__).resolve().parent / "rulesets"
CURRENT = "eu-ai-act-2024-1689.v1.json"


@dataclass(frozen=True)
class RuleSet:
    data: dict

    @property
    def version(self) -> str:
        return self.data["version"]

    @property
    def questions(self) -> list[dict]:
        return self.data["questions"]

    def question(self, qid: str) -> dict | None:
        return next((q for q in self.questions if q["id"] == qid), None)

    def annex_iii_uses(self) -> dict[str, dict]:
        return {
            u["id"]: {**u, "area": a["area"], "area_title": a["title"]}
            for a in self.data["annex_iii"]
            for u in a["uses"]
        }

    def options(self, question: dict) -> list[tuple[str, str]]:
        """(value, label) choices of a choice/multi question."""
        if "choices" in question:
            return [(c[0], c[1]) for c in question["choices"]]
        source = question["choices_from"]
        if source == "annex_iii":
            return [
                (u["id"], f"{a['area']}. {a['title']} — {u['text']}")
                for a in self.data["annex_iii"]
                for u in a["uses"]
            ]
        return [(item["id"], item["text"]) for item in self.data[source]]

    def item(self, collection: str, item_id: str) -> dict:
        if collection == "annex_iii":
            return self.annex_iii_uses()[item_id]
        return next(i for i in self.data[collection] if i["id"] == item_id)


def load(path: Path | str | None = None) -> RuleSet:
    """Read a rule set file (default: the current one)."""
    path = Path(path) if path else RULESET_DIR / CURRENT
    return RuleSet(json.loads(path.read_text(encoding="utf-8")))


@cache
def current() -> RuleSet:
    return load()


def _answered(value: Any) -> bool:
    return value not in (None, "", [], {})


def visible(question: dict, answers: dict) -> bool:
    """A question is shown only when its ``show_if`` conditions hold for the earlier answers:
    ``"*"`` means "answered with something", any other value means "equals"."""
    for qid, expected in (question.get("show_if") or {}).items():
        value = answers.get(qid)
        if expected == "*":
            if not _answered(value):
                return False
        elif value != expected:
            return False
    return True


def validate(
    ruleset: RuleSet, answers: Any, *, complete: bool
) -> tuple[dict, dict[str, list[str]]]:
    """Check answers against the questions; return (cleaned answers, errors by question id).

    Unknown question ids, wrong types and values outside the choices are errors. Answers to
    questions hidden by earlier answers are dropped. With ``complete`` (a submission, not a
    draft) every visible required question must be answered.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(answers, dict):
        return {}, {"answers": ["Give the answers as an object of question id → answer."]}
    known = {q["id"] for q in ruleset.questions}
    for qid in answers:
        if qid not in known:
            errors.setdefault(str(qid), []).append("Unknown question.")
    cleaned: dict[str, Any] = {}
    for q in ruleset.questions:  # in order, so show_if sees the cleaned earlier answers
        qid, value = q["id"], answers.get(q["id"])
        if not visible(q, cleaned):
            continue
        if not _answered(value) and value is not False:
            if complete and q.get("required"):
                errors.setdefault(qid, []).append("This question needs an answer.")
            continue
        kind = q["type"]
        allowed = {v for v, _ in ruleset.options(q)} if kind in ("choice", "multi") else set()
        if kind == "bool":
            if not isinstance(value, bool):
                errors.setdefault(qid, []).append("Answer true or false.")
                continue
        elif kind == "choice":
            if not isinstance(value, str) or value not in allowed:
                errors.setdefault(qid, []).append(f"Choose one of: {', '.join(sorted(allowed))}.")
                continue
        elif kind == "multi":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors.setdefault(qid, []).append("Give a list of choices.")
                continue
            unknown = sorted(set(value) - allowed)
            if unknown:
                errors.setdefault(qid, []).append(f"Unknown choice(s): {', '.join(unknown)}.")
                continue
            value = sorted(set(value))
        cleaned[qid] = value
    return cleaned, errors
