"""Finding English left on a page rendered in German: the visible text and the attributes a
person reads (aria-label, title, placeholder, alt, data-confirm), minus code, scripts and the
data the page shows (model names, usernames, rule-set text), compared with common English
words that German never uses."""

from __future__ import annotations

import html as html_lib
import re

# Function words and the product's own vocabulary. Words German shares or uses as loanwords
# (an, in, was, will, so, die, Team, Status, Name, Token, Tags, Version, Link, Export,
# Dashboard, Monitoring, Review as in "Code-Review") are left out on purpose.
ENGLISH = {
    "the",
    "and",
    "of",
    "to",
    "is",
    "are",
    "for",
    "with",
    "not",
    "this",
    "that",
    "these",
    "your",
    "you",
    "has",
    "have",
    "been",
    "were",
    "from",
    "by",
    "on",
    "or",
    "at",
    "yet",
    "no",
    "none",
    "any",
    "may",
    "must",
    "can",
    "cannot",
    "should",
    "here",
    "there",
    "what",
    "when",
    "who",
    "which",
    "back",
    "nothing",
    "every",
    "only",
    "once",
    "until",
    "since",
    "approve",
    "approved",
    "approval",
    "approvals",
    "reject",
    "rejected",
    "request",
    "requested",
    "requests",
    "reviews",
    "reviewer",
    "reviewers",
    "submit",
    "submitted",
    "draft",
    "withdraw",
    "revoke",
    "revoked",
    "sign",
    "signed",
    "waiting",
    "open",
    "save",
    "cancel",
    "next",
    "previous",
    "page",
    "evidence",
    "obligation",
    "obligations",
    "decision",
    "decisions",
    "justification",
    "environment",
    "risk",
    "tier",
    "catalog",
    "audit",
    "log",
    "trail",
    "deployment",
    "deployments",
    "language",
    "search",
    "apply",
    "clear",
    "verify",
    "newest",
    "older",
    "change",
    "changed",
    "before",
    "after",
    "field",
    "object",
    "record",
    "model",
    "models",
    "metrics",
    "created",
    "expires",
    "never",
    "copy",
    "reports",
    "coverage",
    "registries",
    "skip",
    "content",
    "home",
    "main",
    "out",
    "pending",
    "alerts",
    "latest",
    "recent",
    "activity",
    "overdue",
    "incidents",
    "drift",
    "found",
    "allowed",
    "error",
    "attempts",
    "slow",
    "down",
    "again",
    "password",
    "username",
    "continue",
}

# Words on the list that are still right in a German page: product and standard names.
ALLOWED = {"Attest", "API", "CI", "MLflow", "SageMaker", "OIDC", "SSO", "UTC", "CSV", "JSON"}

_HIDDEN = re.compile(r"<(script|style|code|pre|svg|textarea)\b.*?</\1\s*>", re.S | re.I)
_ATTRS = re.compile(
    r"\s(?:aria-label|title|placeholder|alt|data-confirm|data-copied-label)=\"([^\"]*)\"", re.I
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def readable_text(page: str) -> str:
    """What a person reads on ``page``: text nodes and the attributes read aloud or shown."""
    page = _HIDDEN.sub(" ", page)
    attributes = " ".join(_ATTRS.findall(page))
    text = re.sub(r"<[^>]+>", " ", page)
    return html_lib.unescape(f"{text} {attributes}")


def english_words(page: str, data: list[str] = ()) -> list[str]:
    """The English words of ``page``, after removing each string of ``data`` (what the page
    shows from the database or the rule set, which is not UI text)."""
    text = readable_text(page)
    for item in sorted({d for d in data if d}, key=len, reverse=True):
        text = text.replace(item, " ")
    found = {
        w for w in _WORD.findall(text) if w.lower().strip("'’-") in ENGLISH and w not in ALLOWED
    }
    return sorted(found)


def context_of(page: str, word: str, width: int = 60) -> str:
    text = " ".join(readable_text(page).split())
    i = re.search(rf"\b{re.escape(word)}\b", text)
    return text[max(0, i.start() - width) : i.end() + width] if i else ""
