"""Organisations named with or without their country: "US Congress", "U.S. Congress",
"American Congress" and "Congress"; "Armed Forces of Ukraine" and "Ukrainian Armed Forces";
likewise with a body the alias data names by its acronym ("UN World Food Programme").

`national_form(value, alias_of)` reads a country at the start of an organisation's name (a
country the gazetteer knows, a place of the alias data that is one: "US", "U.K.", a
demonym built on a country's name: "Ukrainian", "Israeli", "American", or one the rules
list: "British", "Dutch") or after a final
"of" ("Ministry of Foreign Affairs of Ukraine"), and gives the country's code and the rest
of the name. `blocks.py` joins the names of one country with the same rest, and the rest
written alone when every country it is written with is that one ("Ministry of Defense" is
Latvia's, Ukraine's and Britain's in one corpus: it stays alone).

    >>> tuple(national_form("US Congress", {"us": ("place", "United States")}))
    ('US', 'congress', True)
    >>> tuple(national_form("Armed Forces of Ukraine", {})), national_form("Kyiv Post", {})
    (('UA', 'armed forces', True), None)
"""
from __future__ import annotations

from functools import lru_cache
from typing import Mapping, NamedTuple

from .names import fold, inverted

#: The most words a country's name takes at the start of an organisation's name.
_MAX_COUNTRY_WORDS = 3


class NationalForm(NamedTuple):
    country: str  # ISO code
    rest: str  # the name without its country, folded
    stands_alone: bool  # whether the rest written alone may be this country's body


def national_form(value: str, alias_of: Mapping[str, tuple[str, str]]) -> NationalForm | None:
    """The country and the rest of an organisation named with its country, or None.

    A rest of one word stands for the body written alone only after a country's acronym
    ("US Congress": "Congress"), not after a demonym ("American Express" is no "Express"),
    a country's name ("Pakistan Taliban" is no "Taliban"); a name ending "of <country>"
    has two words or more before it ("Bank of America" is a bank's name).
    """
    from .names import is_acronym

    words = value.split()
    for n in range(min(_MAX_COUNTRY_WORDS, len(words) - 1), 0, -1):
        code, demonym = _country(" ".join(words[:n]), alias_of)
        rest = words[n:]
        if code and rest[0][:1].isupper():
            acronym = n == 1 and is_acronym(words[0]) and not code.startswith("org:")
            return NationalForm(code, inverted(fold(" ".join(rest))), len(rest) > 1 or acronym)
    lowered = [w.casefold() for w in words]
    if "of" in lowered:
        at = len(lowered) - 1 - lowered[::-1].index("of")
        country = [w for w in words[at + 1:] if w.casefold() != "the"]
        rest = words[:at]
        code, demonym = _country(" ".join(country), alias_of) if country else (None, False)
        # "Bank of America" and "Bank of Russia" are banks' names, "Bank of American" a typo.
        if code and len(rest) > 1 and not demonym:
            return NationalForm(code, inverted(fold(" ".join(rest))), True)
    return None


def _country(name: str, alias_of: Mapping[str, tuple[str, str]]) -> tuple[str | None, bool]:
    """(the country code `name` names, whether as a demonym); (None, False) if none."""
    from .names import is_acronym

    name = name.removesuffix("'s").removesuffix("\u2019s")
    alias = alias_of.get(fold(name))
    if alias is not None and alias[0] == "place":
        name = alias[1]
    elif alias is not None and alias[0] == "org" and is_acronym(name):
        # A body the alias data names by its acronym qualifies a name as a country does
        # ("UN World Food Programme", "BBC Radio 4")
        return f"org:{alias[1]}", False
    code = _country_code(fold(name))
    if code:
        return code, False
    if " " not in name and name[:1].isupper():
        code = _irregular_demonyms().get(name.casefold()) or _demonym_country(name.casefold())
    return code, bool(code)


@lru_cache(maxsize=1)
def _irregular_demonyms() -> dict[str, str]:
    """Nationality words not built on their country's name ("British", "Dutch", "French":
    the rules' `demonyms`) -> the country's code."""
    from .rules import load_rules

    return {word: code for word, country in load_rules().demonyms
            if (code := _country_code(fold(country)))}


def _country_code(folded: str) -> str | None:
    return _countries().get(folded)


@lru_cache(maxsize=50_000)
def _demonym_country(word: str) -> str | None:
    from ..extraction.places import looks_like_demonym

    found = {code for name, code in _countries_by_head().get(word[:4], ())
             if looks_like_demonym(word, frozenset({name}))}
    return found.pop() if len(found) == 1 else None


@lru_cache(maxsize=1)
def _countries_by_head() -> dict[str, list[tuple[str, str]]]:
    """Country names by the first four letters of their stem: a demonym starts with its
    country's stem of four letters or more (`looks_like_demonym`), so only these need
    trying (trying all ~250 for each capitalised word was most of a writer's start-up)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for name, code in _countries().items():
        stem = name[:-1] if name[-1:] in tuple("aeiouy") else name
        if len(stem) >= 4:
            out.setdefault(stem[:4], []).append((name, code))
    return out


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    """Folded country name -> its code: the gazetteer's countries and the alias data's
    places that are one ("America", "Britain")."""
    from ..extraction.canonical import load_aliases
    from ..extraction.places import get_gazetteer

    gazetteer = get_gazetteer()
    out: dict[str, str] = {}
    for name in gazetteer.country_names():
        place = gazetteer.lookup(name)
        if place is not None and place.kind == "country" and place.country:
            out[fold(name)] = place.country
    for alias, canonical in load_aliases().place_aliases().items():
        code = out.get(fold(canonical))  # only a country's aliases ("Kiev" is no country)
        if code:
            out.setdefault(fold(alias), code)
    return out
