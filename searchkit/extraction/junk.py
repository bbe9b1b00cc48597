"""Values that name nothing, by rules over the value alone (no parse needed).

Used by extraction (a mention whose value is junk is dropped) and by entity resolution
(values already in an index, or given by a record, are flagged). The rules:
- a photo or image credit: names joined by "/" ("Jane Doe/Agency/Getty Images"), or a
  value ending in a credit word ("... Courtesy");
- a time zone ("UTC", "GMT");
- site boilerplate: a value holding a legal or sign-up phrase ("Terms of Service",
  "Privacy Policy", "Newsletters");
- debris: brackets, "?", "!", "@", "#", "|", "=" or a digit-only word inside a person's
  name;
- an abbreviation written like a name: a one-word "person" of three or more Latin
  consonants and no vowel ("Gprs").

    >>> junk_reason("Jane Doe/Bloomberg/Getty Images", "person")
    'photo credit'
    >>> junk_reason("UTC", "org"), junk_reason("Kyiv", "place")
    ('time zone', None)
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from ..models import SearchkitError

DATA = Path(__file__).with_name("data") / "junk.json"
_DEBRIS = re.compile(r"[\[\]{}()?!@#|=<>\u2026]")
_SLASHED = re.compile(r"[^\W\d_]\s*/\s*[^\W\d_]")
#: One word of Latin consonants only: no one's name (Welsh "Wyn" has its "y").
_NO_VOWEL = re.compile(r"[b-df-hj-np-tv-xz]{3,}")


@lru_cache(maxsize=1)
def _rules() -> dict[str, frozenset[str]]:
    try:
        data = json.loads(DATA.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SearchkitError(f"{DATA}: cannot read junk rules: {exc}") from exc
    out = {}
    for name in ("time_zones", "legal_phrases", "credit_words"):
        words = data.get(name)
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise SearchkitError(f"{DATA}: {name}: expected a list of non-empty strings")
        out[name] = frozenset(w.casefold() for w in words)
    return out


def _words(value: str) -> str:
    return " ".join(re.sub(r"[^\w&]+", " ", value.casefold()).split())


@lru_cache(maxsize=100_000)
def junk_reason(value: str, kind: str | None = None) -> str | None:
    """Why `value` (of `kind`) is no name, or None when it may be one."""
    rules = _rules()
    words = _words(value)
    if not words:
        return "no letters"
    if _SLASHED.search(value) and not (value.isupper() and len(value) <= 6):
        return "photo credit"  # "AC/DC" is a name; "Jane Doe/AFP" is a credit
    if value.strip() in rules["time_zones"] or words in rules["time_zones"] and value.isupper():
        return "time zone"
    padded = f" {words} "
    if any(f" {p} " in padded for p in rules["legal_phrases"]):
        return "site notice"
    last = words.split()[-1]
    if len(words.split()) > 1 and last in rules["credit_words"] and kind == "person":
        return "photo credit"
    if _DEBRIS.search(value):
        return "debris"
    if kind == "person" and any(ch.isdigit() or ch == "&" for ch in value):
        return "debris"  # "Matt Lucas & David Walliams": two people, no one name
    if kind == "person" and _NO_VOWEL.fullmatch(words):
        return "abbreviation"  # "Gprs", "Hmrc": a Latin-letter name has a vowel
    return None
