"""Canonical names: the alias data, its validation, surname joining, and facet values.

The built-in `data/aliases.json` maps canonical names to their variants per kind; a user file
of the same shape merges over it (its mappings win). Both are validated when loaded and a bad
file raises SearchkitError naming the file. `Namer` turns a mention's text into its facet
value; `join_surnames` joins one-word names to the full names of the same article.

    >>> table = load_aliases()
    >>> table.find("Zelensky")
    ('person', 'Volodymyr Zelenskyy')
    >>> table.find("Kiev")
    ('place', 'Kyiv')
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..models import SearchkitError
from .context import AREA_WORDS
from .places import Gazetteer, Place, without_state_prefix

BUILTIN = Path(__file__).with_name("data") / "aliases.json"
#: Section name in the file -> Mention.kind.
SECTIONS = {"people": "person", "places": "place", "orgs": "org"}
_LISTS = ("titles", "not_names")
#: The section of the user's file holding entity edits (resolution reads it, extraction not).
SECTION_EDITS = "entities"
_EDIT_KINDS = {"merge": "pairs", "split": "names", "rename": "mapping", "not_a_name": "names"}
_PLACE_KEYS = {"aliases", "country", "lat", "lon"}


@dataclass(frozen=True)
class PlaceInfo:
    """What the alias data says about a place: country and coordinates (any may be None)."""

    country: str | None = None
    lat: float | None = None
    lon: float | None = None


def key(name: str) -> str:
    """The lookup key of a name: case-folded, curly apostrophes and spaces normalised."""
    name = name.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(name.split()).casefold()


@dataclass
class AliasTable:
    """Every alias -> (kind, canonical) mapping, place facts, titles and non-names."""

    names: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    places: dict[str, PlaceInfo] = field(default_factory=dict)
    titles: frozenset[str] = frozenset()
    not_names: frozenset[str] = frozenset()
    not_names_exact: frozenset[str] = frozenset()

    def find(self, text: str, kind: str | None = None) -> tuple[str, str] | None:
        """(kind, canonical) for a name, preferring `kind`; None when no entry matches.

        Names of three characters or fewer must match case exactly ("US" but not "us").
        """
        found = None
        for original, k, canonical in self.names.get(key(text), ()):
            if len(text) <= 3 and original != text:
                continue
            if kind is None or k == kind:
                return k, canonical
            found = found or (k, canonical)
        return found

    def groups(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """(kind, canonical) -> every alias of it: the alias data as entity resolution reads it."""
        out: dict[tuple[str, str], list[str]] = {}
        for entries in self.names.values():
            for original, k, canonical in entries:
                if original != canonical:
                    out.setdefault((k, canonical), []).append(original)
                else:
                    out.setdefault((k, canonical), [])
        return {k: tuple(sorted(v)) for k, v in out.items()}

    def place_aliases(self) -> dict[str, str]:
        """Every place alias (and canonical) -> its canonical name."""
        out = {}
        for entries in self.names.values():
            for original, k, canonical in entries:
                if k == "place":
                    out[original] = canonical
        return out

    def is_title(self, word: str) -> bool:
        """True for words stripped from the front of names ("President", "Mr.")."""
        return word.casefold() in self.titles

    def is_not_name(self, text: str) -> bool:
        """True for words that never become facet values (pronouns, month names, ...).

        Short words match case exactly, so "Us" is a pronoun but "US" is not.
        """
        k = key(text)
        if len(text) <= 3:
            return k in self.not_names and text in self.not_names_exact
        return k in self.not_names

    # -- building -------------------------------------------------------------------
    def add(self, alias: str, kind: str, canonical: str) -> None:
        """Map `alias` to `canonical`; a later mapping of the same alias and kind wins."""
        entries = self.names.setdefault(key(alias), [])
        entries[:] = [e for e in entries if not (e[1] == kind and e[0] == alias)]
        entries.insert(0, (alias, kind, canonical))

    def merge(self, data: Mapping[str, Any]) -> None:
        """Merge one validated alias document over this table."""
        for section, kind in SECTIONS.items():
            for canonical, entry in data.get(section, {}).items():
                aliases = entry if isinstance(entry, list) else entry.get("aliases", [])
                for alias in [canonical, *aliases]:
                    self.add(alias, kind, canonical)
                if kind == "place" and isinstance(entry, dict):
                    old = self.places.get(canonical, PlaceInfo())
                    self.places[canonical] = PlaceInfo(
                        entry.get("country", old.country), entry.get("lat", old.lat),
                        entry.get("lon", old.lon))
        self.titles = self.titles | {t.casefold() for t in data.get("titles", [])}
        words = data.get("not_names", [])
        self.not_names = self.not_names | {key(t) for t in words}
        # Sentence-initial capitals ("Us", "It") and all-caps forms ("SHE"), except of
        # two-letter words: "US", "IT" and "ME" are a country, a trade and a state.
        self.not_names_exact = self.not_names_exact | {
            v for t in words for v in (t, t.capitalize(), t.lower(),
                                       t.upper() if len(t) > 2 else t)}


def validate(data: Any, source: str) -> Mapping[str, Any]:
    """Check an alias document's shape; raise SearchkitError naming `source` if it is wrong."""
    def fail(where: str, what: str) -> None:
        raise SearchkitError(f"{source}: {where}: {what}")

    if not isinstance(data, dict):
        fail("top level", "expected a JSON object with people/places/orgs/titles/not_names")
    for name, value in data.items():
        if name.startswith("_"):
            continue  # comments
        if name == SECTION_EDITS:
            validate_entity_edits(value, source)
            continue
        if name in _LISTS:
            if not isinstance(value, list) or not all(_is_text(v) for v in value):
                fail(name, "expected a list of non-empty strings")
        elif name in SECTIONS:
            if not isinstance(value, dict):
                fail(name, "expected an object mapping canonical names to their aliases")
            for canonical, entry in value.items():
                _validate_entry(name, canonical, entry, fail)
        else:
            fail(name, "unknown section (expected one of "
                       f"{', '.join([*SECTIONS, *_LISTS, SECTION_EDITS])})")
    return data


def validate_entity_edits(data: Any, source: str) -> None:
    """Check the `entities` section (the user's merges, splits, renames, not-names)."""
    def fail(what: str) -> None:
        raise SearchkitError(f"{source}: {SECTION_EDITS}: {what}")

    if not isinstance(data, dict):
        fail("expected an object with " + "/".join(_EDIT_KINDS))
    for name, value in data.items():
        shape = _EDIT_KINDS.get(name)
        if shape is None:
            fail(f"unknown edit {name!r} (expected one of {', '.join(_EDIT_KINDS)})")
        if shape == "pairs":
            ok = isinstance(value, list) and all(
                isinstance(p, list) and len(p) == 2 and all(_is_text(n) for n in p)
                for p in value)
        elif shape == "names":
            ok = isinstance(value, list) and all(_is_text(n) for n in value)
        else:
            ok = isinstance(value, dict) and all(
                _is_text(k) and _is_text(v) for k, v in value.items())
        if not ok:
            fail(f"{name}: expected " + {"pairs": "a list of [name, name] pairs",
                                        "names": "a list of non-empty strings",
                                        "mapping": "an object of name -> new name"}[shape])


def _validate_entry(section: str, canonical: str, entry: Any, fail) -> None:
    where = f"{section}[{canonical!r}]"
    if not _is_text(canonical):
        fail(where, "canonical name must be a non-empty string")
    if isinstance(entry, list):
        if not all(_is_text(a) for a in entry):
            fail(where, "expected a list of non-empty strings")
        return
    if section != "places" or not isinstance(entry, dict):
        fail(where, "expected a list of alias strings" +
             (" or an object with aliases/country/lat/lon" if section == "places" else ""))
    unknown = set(entry) - _PLACE_KEYS
    if unknown:
        fail(where, f"unknown keys {sorted(unknown)} (allowed: {sorted(_PLACE_KEYS)})")
    if not all(_is_text(a) for a in entry.get("aliases", [])) or \
            not isinstance(entry.get("aliases", []), list):
        fail(where, "aliases must be a list of non-empty strings")
    country = entry.get("country")
    if country is not None and not (isinstance(country, str) and len(country) == 2
                                    and country.isalpha() and country.isupper()):
        fail(where, f"country must be an ISO 3166 alpha-2 code like 'UA', not {country!r}")
    for coord, limit in (("lat", 90), ("lon", 180)):
        value = entry.get(coord)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not -limit <= value <= limit):
            fail(where, f"{coord} must be a number between -{limit} and {limit}")


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def read_alias_file(path: str | Path) -> Mapping[str, Any]:
    """Read and validate one alias file; SearchkitError (naming the file) on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SearchkitError(f"{path}: cannot read alias file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise SearchkitError(f"{path}: alias file is not UTF-8 text") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SearchkitError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    return validate(data, str(path))


@lru_cache(maxsize=16)
def _load(path: str | None, _mtime: float | None) -> AliasTable:
    table = AliasTable()
    table.merge(read_alias_file(BUILTIN))
    if path is not None:
        table.merge(read_alias_file(path))
    return table


def load_aliases(path: str | Path | None = None) -> AliasTable:
    """The built-in alias table, with the user file at `path` merged over it (cached).

    >>> load_aliases().find("U.S.")
    ('place', 'United States')
    """
    if path is None:
        return _load(None, None)
    p = Path(path)
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise SearchkitError(f"{p}: cannot read alias file: {exc.strerror or exc}") from exc
    return _load(str(p.resolve()), mtime)


_QUOTES = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb"


class Namer:
    """Facet values: the alias data first, then (places) the gazetteer, then the text itself."""

    def __init__(self, aliases: AliasTable, gazetteer: Gazetteer):
        self.aliases, self.gaz = aliases, gazetteer

    def name(self, kind: str, text: str) -> str:
        """The canonical name of a person or organisation ("Zelensky" -> "Volodymyr Zelenskyy")."""
        text = " ".join(text.split()).strip(_QUOTES)
        found = self.aliases.find(text, kind)  # the alias data as written first ("JQP")
        if not (found and found[0] == kind) and kind == "person" and len(text) > 1 \
                and (text.isupper() or text.islower()):
            text = text.title()  # "XI" -> "Xi" (the alias data may say "Xi Jinping")
            found = self.aliases.find(text, kind)
        return found[1] if found and found[0] == kind else text

    def place(self, text: str) -> tuple[str, Place | None]:
        """(canonical name, Place or None) of a place mention ("Kiev" -> "Kyiv", UA, ...)."""
        name = self.name("place", text)
        place = self.gaz.lookup(name)
        if place is None:
            bare = without_state_prefix(name)  # "Republic of Poland" -> "Poland"
            place = self.gaz.lookup(bare) if bare else None
        if place is not None:
            # The alias data names the value even when geonames spells it otherwise.
            return self.name("place", place.name), place
        # "Lipetsk region": keep the area as the value, take country and position from the city.
        words = name.split()
        if len(words) > 1 and words[-1].lower() in AREA_WORDS:
            base = self.gaz.lookup(" ".join(words[:-1]))
            if base is not None:
                return name, base
        return name, None


def join_surnames(names: Iterable[str]) -> dict[str, str]:
    """Map each one-word name to the full name in the same article that ends with it.

    When several full names share the surname, the most frequent one wins (then the first).
    A one-word name that is no surname joins the one full name starting with it, if only one
    does ("Vladimir" -> "Vladimir Putin", unless a "Vladimir Zelensky" is there too).

    >>> join_surnames(["Valerii Zaluzhnyi", "Zaluzhnyi", "Trump"])
    {'Zaluzhnyi': 'Valerii Zaluzhnyi'}
    """
    names = list(names)
    counts: dict[str, int] = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    by_surname: dict[str, str] = {}
    by_given: dict[str, set[str]] = {}
    for n in sorted(counts, key=lambda n: (-counts[n], names.index(n))):
        parts = n.split()
        if len(parts) > 1:
            by_surname.setdefault(key(parts[-1]), n)
            by_given.setdefault(key(parts[0]), set()).add(n)
    out = {}
    for n in counts:
        if len(n.split()) != 1:
            continue
        if key(n) in by_surname:
            out[n] = by_surname[key(n)]
        elif len(by_given.get(key(n), ())) == 1:
            out[n] = next(iter(by_given[key(n)]))
    return out
