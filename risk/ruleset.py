"""The EU AI Act rule set as data: loading it, and validating answers against its questions.

Pure (no ORM). A rule set is a JSON file in ``risk/rulesets/``; changing a date, adding an
Annex III use, an exception or an obligation is an edit to that file, never to code. Every
version stays in the directory, so an assessment is always read with the rule set it was
answered under (``get(assessment.ruleset_version)``); ``current()`` is the one new assessments
use: the ``ATTEST_RULESET`` setting if set, otherwise the newest file (highest ``.vN``).

Languages: a rule set file is English and stays byte-for-byte what it was (its version names it;
assessments and classifications are recorded against it, in English). The German text lives in
``rulesets/translations/de.json``, a catalogue from the English wording to the German one, shared
by every version. ``ruleset.localized()`` (or ``localized_text``) returns the questions, help,
choices, reasons' sources, obligation titles and article references in the active language
(``django.utils.translation.get_language()``), English where a text has no translation. Only
what people read is replaced: ids, values, conditions and dates are untouched, so classifying with
a localized rule set gives the same tier, rules and obligations, worded in that language.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

RULESET_DIR = Path(__file__).resolve().parent / "rulesets"
TRANSLATIONS_DIR = RULESET_DIR / "translations"
SOURCE_LANGUAGE = "en"
_ORDINAL = re.compile(r"\.v(\d+)$")


class UnknownRuleSet(LookupError):
    """No rule set file in ``RULESET_DIR`` has that version."""


@dataclass(frozen=True)
class RuleSet:
    data: dict
    language: str = "en"  # the language of its text (SOURCE_LANGUAGE unless localized)

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

    def localized(self, language: str | None = None) -> RuleSet:
        """This rule set with its human-readable text in ``language`` (default: the active
        language), English where the catalogue has no translation. See the module docstring."""
        language = _base(language)
        catalogue = translations(language)
        if not catalogue or self.language != SOURCE_LANGUAGE:
            return self
        return RuleSet(_translate_data(self.data, catalogue), language=language)

    def applies_from(self, key: str) -> str:
        return self.data["effective_from"][key]

    def exception_for(self, collection: str, item_id: str, answers: dict) -> dict | None:
        """The first exception the Act spells out for this item (an Art. 5 practice, an Annex I
        product, an Annex III use) whose ``when`` conditions hold for the answers, or None."""
        for exc in self.data.get("exceptions", []):
            target, _, ids = exc["applies_to"].partition(":")
            if target == collection and ids in ("*", item_id) and matches(exc["when"], answers):
                return exc
        return None


def available() -> dict[str, Path]:
    """Every rule set file, by version."""
    return dict(_index())


@cache
def _index() -> tuple[tuple[str, Path], ...]:
    found = []
    for path in sorted(RULESET_DIR.glob("*.json")):
        found.append((json.loads(path.read_text(encoding="utf-8"))["version"], path))
    return tuple(found)


def _ordinal(version: str) -> int:
    match = _ORDINAL.search(version)
    if not match:
        raise ValueError(f"Rule set version {version!r} does not end in .v<number>.")
    return int(match.group(1))


def path_for(version: str) -> Path:
    try:
        return available()[version]
    except KeyError:
        known = ", ".join(sorted(available()))
        raise UnknownRuleSet(f"No rule set {version!r} (known: {known}).") from None


@cache
def get(version: str) -> RuleSet:
    """The rule set with this version, e.g. the one an old assessment was answered under."""
    return load(path_for(version))


def for_assessment(version: str | None) -> RuleSet:
    """The rule set to read an assessment with: the one it was answered under, or the current
    one when that version is not on disk (rows from before versioned files, test data)."""
    return get(version) if version in available() else current()


def newest_version() -> str:
    return max(available(), key=_ordinal)


def current_version() -> str:
    """The ``ATTEST_RULESET`` setting (a version) if set, otherwise the newest file's."""
    from django.conf import settings

    chosen = getattr(settings, "ATTEST_RULESET", "") if settings.configured else ""
    return chosen or newest_version()


def current() -> RuleSet:
    """The rule set new assessments are answered and classified under."""
    return get(current_version())


def load(path: Path | str | None = None) -> RuleSet:
    """Read a rule set file (default: the current one)."""
    path = Path(path) if path else path_for(current_version())
    return RuleSet(json.loads(path.read_text(encoding="utf-8")))


# -- languages -----------------------------------------------------------------------------------


def _base(language: str | None) -> str:
    """The base language code ("de" for "de-at"); the active language by default."""
    if language is None:
        from django.utils import translation

        language = translation.get_language() or SOURCE_LANGUAGE
    return language.split("-")[0].split("_")[0].lower()


@cache
def translations(language: str) -> dict[str, str]:
    """The catalogue English text → ``language`` text ({} for English or an unknown language)."""
    if language == SOURCE_LANGUAGE:
        return {}
    path = TRANSLATIONS_DIR / f"{language}.json"
    if not path.is_file():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8"))["texts"])


def localized_text(text: str, language: str | None = None) -> str:
    """One rule-set text (e.g. an obligation title or article stored on a row) in ``language``
    (default: the active one), unchanged when the catalogue has no translation for it."""
    if not text:
        return text
    return translations(_base(language)).get(text, text)


# Where a rule set keeps text people read: per item, the keys holding one text; per question,
# also its choice labels; per Art. 50 trigger, its per-role duties.
_TEXT_KEYS = ("title", "help", "text", "article", "duty", "note")


def _translated_item(item: dict, catalogue: dict[str, str]) -> dict:
    out = dict(item)
    for key in _TEXT_KEYS:
        if isinstance(out.get(key), str):
            out[key] = catalogue.get(out[key], out[key])
    if isinstance(out.get("choices"), list):
        out["choices"] = [[c[0], catalogue.get(c[1], c[1]), *c[2:]] for c in out["choices"]]
    if isinstance(out.get("duties"), dict):
        out["duties"] = {role: catalogue.get(t, t) for role, t in out["duties"].items()}
    return out


def _translate_data(data: dict, catalogue: dict[str, str]) -> dict:
    out = dict(data)
    out["title"] = catalogue.get(data["title"], data["title"])
    for name in ("steps", "questions", "exceptions", *_COLLECTIONS):
        if name in data:
            out[name] = [_translated_item(i, catalogue) for i in data[name]]
    out["annex_iii"] = [
        {
            **_translated_item(area, catalogue),
            "uses": [_translated_item(u, catalogue) for u in area["uses"]],
        }
        for area in data["annex_iii"]
    ]
    out["obligations"] = _translated_obligations(data["obligations"], catalogue)
    return out


def _translated_obligations(node: Any, catalogue: dict[str, str]) -> Any:
    if isinstance(node, list):
        return [_translated_obligations(n, catalogue) for n in node]
    if isinstance(node, dict):
        if "title" in node:
            return _translated_item(node, catalogue)
        return {k: _translated_obligations(v, catalogue) for k, v in node.items()}
    return node


def translatable_texts(ruleset: RuleSet) -> list[str]:
    """Every text of the rule set that people read (what the catalogue must translate)."""
    found: list[str] = []
    _translate_data(ruleset.data, _Recorder(found))
    return list(dict.fromkeys(t for t in found if t))


class _Recorder(dict):
    """A catalogue that translates nothing and remembers what it was asked for."""

    def __init__(self, sink: list[str]):
        super().__init__()
        self._sink = sink

    def get(self, key, default=None):
        self._sink.append(key)
        return default


def _answered(value: Any) -> bool:
    return value not in (None, "", [], {})


def matches(conditions: dict | None, answers: dict) -> bool:
    """Whether every condition holds: ``"*"`` means "answered with something",
    ``{"contains": x}`` means "a multi answer that includes x", any other value "equals"."""
    for qid, expected in (conditions or {}).items():
        value = answers.get(qid)
        if expected == "*":
            if not _answered(value):
                return False
        elif isinstance(expected, dict):
            if not (isinstance(value, list) and expected["contains"] in value):
                return False
        elif value != expected:
            return False
    return True


def visible(question: dict, answers: dict) -> bool:
    """A question is shown only when its ``show_if`` conditions hold for the earlier answers."""
    return matches(question.get("show_if"), answers)


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


# -- structure ---------------------------------------------------------------------------------

_TOP = (
    "id", "version", "title", "effective_from", "steps", "questions", "prohibited_practices",
    "annex_i", "annex_iii", "derogation_conditions", "art50_triggers", "internal_rating",
    "obligations",
)  # fmt: skip
_COLLECTIONS = ("prohibited_practices", "annex_i", "derogation_conditions", "art50_triggers")
_ROLES = ("provider", "deployer")


def check(ruleset: RuleSet) -> list[str]:
    """What is wrong with a rule set's structure (empty when it is sound).

    One structure for every version: optional parts (``exceptions``, per-role Art. 50
    ``duties``, ``effective`` / ``effective_if`` keys, question ``help``) have the same shape
    wherever they appear, and every reference (a step, a question, a choice, an effective-date
    key, an exception target) must resolve.
    """
    d, problems = ruleset.data, []
    missing = [k for k in _TOP if k not in d]
    if missing:
        return [f"Missing top-level key(s): {', '.join(missing)}."]
    if not isinstance(d["version"], str) or not _ORDINAL.search(d["version"]):
        problems.append("version must end in .v<number>.")
    dates = d["effective_from"]
    for key, value in dates.items():
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            problems.append(f"effective_from.{key} is not an ISO date: {value!r}.")

    def effective(where: str, key: str | None) -> None:
        if key is not None and key not in dates:
            problems.append(f"{where}: unknown effective_from key {key!r}.")

    items: dict[str, set[str]] = {}
    for name in _COLLECTIONS:
        ids = [i.get("id") for i in d[name]]
        items[name] = set(ids)
        if len(ids) != len(items[name]):
            problems.append(f"{name}: duplicate ids.")
        for i in d[name]:
            for key in ("id", "article", "text"):
                if not isinstance(i.get(key), str) or not i.get(key):
                    problems.append(f"{name}.{i.get('id')}: {key} must be a non-empty string.")
            effective(f"{name}.{i.get('id')}", i.get("effective"))
    uses = [u.get("id") for a in d["annex_iii"] for u in a["uses"]]
    items["annex_iii"] = set(uses)
    if len(uses) != len(items["annex_iii"]):
        problems.append("annex_iii: duplicate use ids.")
    for a in d["annex_iii"]:
        for u in a["uses"]:
            if not all(isinstance(u.get(k), str) and u.get(k) for k in ("id", "article", "text")):
                problems.append(f"annex_iii.{u.get('id')}: id, article and text are needed.")

    steps = {s["id"] for s in d["steps"]}
    questions: dict[str, dict] = {}
    for q in d["questions"]:
        qid = q.get("id")
        where = f"question {qid}"
        if qid in questions:
            problems.append(f"{where}: duplicate id.")
        if q.get("step") not in steps:
            problems.append(f"{where}: unknown step {q.get('step')!r}.")
        if q.get("type") not in ("bool", "choice", "multi"):
            problems.append(f"{where}: type must be bool, choice or multi.")
        if not q.get("text"):
            problems.append(f"{where}: text is needed.")
        if q.get("type") in ("choice", "multi"):
            source = q.get("choices_from")
            if "choices" not in q and source not in (*_COLLECTIONS, "annex_iii"):
                problems.append(f"{where}: needs choices or a known choices_from.")
        for ref, expected in (q.get("show_if") or {}).items():
            problems += _condition_problems(where, ref, expected, questions, ruleset)
        for key in ("help", "article"):
            if key in q and not (isinstance(q[key], str) and q[key]):
                problems.append(f"{where}: {key} must be a non-empty string.")
        questions[qid] = q

    for trigger in d["art50_triggers"]:
        where = f"art50_triggers.{trigger.get('id')}"
        duties = trigger.get("duties")
        if duties is None and not trigger.get("duty"):
            problems.append(f"{where}: needs a duty or per-role duties.")
        if duties is not None and (not duties or set(duties) - set(_ROLES)):
            problems.append(f"{where}: duties must be keyed by {' / '.join(_ROLES)}.")
        for rule in trigger.get("effective_if", []):
            effective(where, rule.get("effective"))
            for ref, expected in rule.get("when", {}).items():
                problems += _condition_problems(where, ref, expected, questions, ruleset)

    for exc in d.get("exceptions", []):
        where = f"exception {exc.get('id')}"
        target, _, ids = str(exc.get("applies_to", "")).partition(":")
        if target not in ("prohibited_practices", "annex_i", "annex_iii"):
            problems.append(f"{where}: applies_to must name prohibited_practices, annex_i or "
                            "annex_iii.")  # fmt: skip
        elif ids != "*" and ids not in items[target]:
            problems.append(f"{where}: applies to unknown {target} item {ids!r}.")
        if not exc.get("article") or not exc.get("text") or not exc.get("when"):
            problems.append(f"{where}: article, text and when are needed.")
        for ref, expected in (exc.get("when") or {}).items():
            problems += _condition_problems(where, ref, expected, questions, ruleset)

    book = d["obligations"]
    for group in ("all", "derogation", "minimal", "gpai", "gpai_systemic"):
        for spec in book.get(group, []):
            effective(f"obligations.{group}.{spec.get('id')}", spec.get("effective"))
    for role in _ROLES:
        for spec in book.get("high", {}).get(role, []):
            effective(f"obligations.high.{role}.{spec.get('id')}", spec.get("effective"))
            for use in spec.get("only_for_uses", []):
                if use not in items["annex_iii"]:
                    problems.append(f"obligations.high.{role}.{spec.get('id')}: unknown use {use}.")
    for key in ("ai_literacy", "annex_i", "annex_iii", "art50", "general", "gpai"):
        effective("defaults", key)
    for qid in d["internal_rating"]["weights"]:
        if qid not in questions:
            problems.append(f"internal_rating: unknown question {qid}.")
    return problems


def _condition_problems(
    where: str, ref: str, expected: Any, earlier: dict[str, dict], ruleset: RuleSet
) -> list[str]:
    """A condition must name an earlier question and a value that question can take."""
    question = earlier.get(ref)
    if question is None:
        return [f"{where}: condition on unknown or later question {ref!r}."]
    if expected == "*":
        return []
    if isinstance(expected, dict):
        if set(expected) != {"contains"} or question["type"] != "multi":
            return [f"{where}: 'contains' needs a multi question ({ref})."]
        expected = expected["contains"]
    elif question["type"] == "bool":
        return [] if isinstance(expected, bool) else [f"{where}: {ref} is a yes/no question."]
    if expected not in {v for v, _ in ruleset.options(question)}:
        return [f"{where}: {ref} has no choice {expected!r}."]
    return []
