"""Management-system frameworks as data, and coverage computed from AI Act obligations. Pure.

An auditor working to ISO/IEC 42001 or the NIST AI RMF asks the same question the AI Act
checklist answers: is this done, and where is the proof? Rather than a second checklist, each
framework item (an Annex A control, an AI RMF subcategory) is covered by the AI Act obligations
the crosswalk maps to it, so one piece of evidence counts wherever its obligation is mapped.

Coverage rule: an obligation is *done* when it is met with evidence, or not applicable with a
justification. An item is ``covered`` when the model has at least one obligation mapped to it
and every such obligation is done; ``open`` when one of them is not; ``unmapped`` when none of
the model's obligations maps to it (not covered by AI Act obligations: assess it separately).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
FILES = {"iso42001": "iso42001.json", "nist-ai-rmf": "nist_ai_rmf.json"}
KNOWN = tuple(FILES)

COVERED, OPEN, UNMAPPED = "covered", "open", "unmapped"
MET, NOT_APPLICABLE = "met", "not_applicable"  # risk.models.Obligation.Status values


class UnknownFramework(KeyError):
    pass


@dataclass(frozen=True)
class Item:
    """One Annex A control or AI RMF subcategory: its identifier and our short title."""

    id: str
    title: str
    group_id: str
    group_title: str


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    kind: str  # "control" or "subcategory"
    note: str
    sources: tuple[dict, ...]
    items: tuple[Item, ...]

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise UnknownFramework(item_id)


@dataclass(frozen=True)
class ObligationFacts:
    """What coverage needs to know about one of a model's obligations."""

    code: str
    status: str
    evidence_count: int = 0
    justification: str = ""

    @property
    def done(self) -> bool:
        if self.status == MET:
            return self.evidence_count > 0
        if self.status == NOT_APPLICABLE:
            return bool(self.justification.strip())
        return False


@dataclass(frozen=True)
class ItemCoverage:
    item: Item
    status: str  # COVERED, OPEN or UNMAPPED
    codes: tuple[str, ...]  # the model's obligations mapped to the item, in crosswalk order


def get(framework_id: str, language: str | None = None) -> Framework:
    """The framework with its titles in ``language`` (default: the active language), English
    where ``translations/<language>.json`` has no text. Identifiers never change."""
    return _get(framework_id, _language(language))


def _language(language: str | None) -> str:
    if language is None:
        from django.utils import translation

        language = translation.get_language() or "en"
    return language.split("-")[0].split("_")[0].lower()


@cache
def translations(language: str) -> dict[str, str]:
    """English title → title in ``language`` ({} for English or a language without a file)."""
    path = DATA_DIR / "translations" / f"{language}.json"
    if language == "en" or not path.is_file():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8"))["texts"])


@cache
def _get(framework_id: str, language: str) -> Framework:
    try:
        name = FILES[framework_id]
    except KeyError as exc:
        raise UnknownFramework(framework_id) from exc
    data = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    text = translations(language)

    def tr(english: str) -> str:
        return text.get(english, english)

    items = tuple(
        Item(item["id"], tr(item["title"]), group["id"], tr(group["title"]))
        for group in data["groups"]
        for item in group["items"]
    )
    return Framework(
        id=data["id"],
        title=tr(data["title"]),
        kind=data["kind"],
        note=tr(data.get("note", "")),
        sources=tuple(data.get("sources", ())),
        items=items,
    )


def enabled(setting: Iterable[str]) -> list[Framework]:
    """The frameworks a deployment switched on (``ATTEST_FRAMEWORKS``), in its order; names
    Attest does not ship are ignored."""
    return [get(name) for name in dict.fromkeys(setting) if name in FILES]


@cache
def crosswalk() -> dict[str, dict[str, tuple[str, ...]]]:
    """Obligation code → framework id → the item ids it maps to."""
    data = json.loads((DATA_DIR / "crosswalk.json").read_text(encoding="utf-8"))
    return {
        code: {fw: tuple(ids) for fw, ids in targets.items()}
        for code, targets in data["obligations"].items()
    }


def items_for(code: str, framework_id: str) -> tuple[str, ...]:
    """The items of a framework one obligation maps to (none for an unknown code)."""
    return crosswalk().get(code, {}).get(framework_id, ())


@cache
def obligations_for(framework_id: str) -> dict[str, tuple[str, ...]]:
    """The reverse crosswalk: item id → obligation codes mapped to it."""
    reverse: dict[str, list[str]] = {}
    for code, targets in crosswalk().items():
        for item_id in targets.get(framework_id, ()):
            reverse.setdefault(item_id, []).append(code)
    return {item_id: tuple(codes) for item_id, codes in reverse.items()}


def coverage(
    framework: Framework, obligations: Mapping[str, ObligationFacts]
) -> list[ItemCoverage]:
    """Each item of ``framework`` with its status under the coverage rule above, for a model
    whose current obligations are ``obligations`` (by code)."""
    reverse = obligations_for(framework.id)
    rows = []
    for item in framework.items:
        codes = tuple(code for code in reverse.get(item.id, ()) if code in obligations)
        if not codes:
            status = UNMAPPED
        elif all(obligations[code].done for code in codes):
            status = COVERED
        else:
            status = OPEN
        rows.append(ItemCoverage(item, status, codes))
    return rows


def applies(codes: Iterable[str], obligations: Mapping[str, ObligationFacts]) -> bool:
    """An item applies to a model through the AI Act when at least one of the model's
    obligations maps to it, unless every such obligation is justified as not applicable."""
    codes = tuple(codes)
    return bool(codes) and not all(
        obligations[code].status == NOT_APPLICABLE and obligations[code].justification.strip()
        for code in codes
    )


@dataclass(frozen=True)
class Summary:
    """How much of a framework one model covers: ``covered`` of the ``applicable`` items."""

    covered: int
    applicable: int

    @property
    def percent(self) -> int | None:
        """Rounded down, so 100 % means every applicable item is covered; None when nothing
        applies."""
        return self.covered * 100 // self.applicable if self.applicable else None


def summarise(
    rows: Iterable[ItemCoverage], obligations: Mapping[str, ObligationFacts]
) -> tuple[Summary, set[str], set[str]]:
    """A model's coverage ``rows`` (from ``coverage``) as a summary, with the ids of the items
    that apply to it and of those it covers (covered means applicable and every mapped
    obligation done: an item whose obligations are all justified away is neither)."""
    applicable = {r.item.id for r in rows if applies(r.codes, obligations)}
    covered = {r.item.id for r in rows if r.status == COVERED and r.item.id in applicable}
    return Summary(len(covered), len(applicable)), applicable, covered
