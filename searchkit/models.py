"""The data that flows through searchkit: frozen dataclasses and the one error type.

Article --(extract)--> Extraction --(schema)--> index --(search)--> SearchResult.
Only the standard library (and the facet table, which is data) is imported here so every
module can share these shapes.
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, asdict, replace
import os
from typing import Any, Iterable, Iterator, Mapping

from .facetspec import FACET_NAMES as ALL_FACETS, RECORD_FIELDS as GIVEN_FACETS  # data only

__all__ = ["ALL_FACETS", "GIVEN_FACETS", "Amount", "Article", "Event", "Extraction", "FacetValue",
           "Hit", "Mention", "Problem", "SearchRequest", "SearchResult", "SearchkitError"]


class SearchkitError(Exception):
    """A problem the user can fix: bad input, a missing index, an invalid query.

    `exit_code` is what the command line exits with (2 for usage errors, 1 otherwise).
    """

    def __init__(self, message: str, *, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Article:
    """One news article as read from a source.

    `given` holds facet values the record carried itself (people, places, orgs,
    event_types, tags); `meta` holds every other field of the record.
    `origin` is "path:line" (or "path") so messages can point at the input.
    """

    id: str
    text: str
    title: str = ""
    date: str | None = None  # ISO 8601, "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS"
    source: str = ""
    url: str = ""
    origin: str = ""
    given: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Mention:
    """A person, place or organisation named in the text (offsets into the text)."""

    kind: str  # "person" | "place" | "org"
    text: str
    canonical: str
    start: int
    end: int
    country: str | None = None  # ISO 3166 alpha-2 for places that resolved
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Amount:
    """A sum of money, a count, a duration or a percentage, normalised."""

    text: str
    value: float
    unit: str  # currency code (EUR), counted noun (people), "years", "percent"
    kind: str  # "money" | "count" | "duration" | "percent"
    start: int
    end: int
    sentence: str = ""


@dataclass(frozen=True)
class Event:
    """An event type detected in the text, with the sentence that triggered it."""

    type: str  # human label, e.g. "Prisoner exchange"
    code: str | None  # ACLED / CASE-2021 code where one exists, e.g. "AIR_STRIKE"
    confidence: float
    evidence: str
    start: int
    end: int
    # Whether the article is tagged with this type: its confidence reached the attach
    # threshold (extraction/data/event_calibration.json). Detections below it are kept with
    # their confidence so an index can filter by --min-confidence instead.
    attached: bool = True


@dataclass(frozen=True)
class Extraction:
    """Everything extraction found in one text.

    `main_event` is the attached event type the title and lead are about (None when they
    report none); it comes first in `facets()["event_types"]`.
    """

    mentions: tuple[Mention, ...] = ()
    amounts: tuple[Amount, ...] = ()
    events: tuple[Event, ...] = ()
    main_event: str | None = None
    #: (short, long) acronyms the text defines: ("ICC", "International Criminal Court").
    acronyms: tuple[tuple[str, str], ...] = ()

    def facets(self) -> dict[str, list[str]]:
        """Facet values of this text: unique canonical names per kind, first seen first;
        event types, most confident first; sums of money as the amounts facet's range keys.

        >>> Extraction(mentions=(Mention("place", "Kiev", "Kyiv", 0, 4),)).facets()["places"]
        ['Kyiv']
        """
        from .facetspec import EVENTS, NAME_FACETS, amount_key, spec

        kinds = {s.entity_kind: s.name for s in NAME_FACETS}
        events, amounts = EVENTS.name, spec("amounts").name
        out: dict[str, list[str]] = {name: [] for name in (*kinds.values(), events, amounts)}
        for m in self.mentions:
            values = out[kinds[m.kind]]
            if m.canonical not in values:
                values.append(m.canonical)
        if self.main_event is not None:
            out[events].append(self.main_event)
        for e in sorted(self.events, key=lambda e: -e.confidence):
            if e.attached and e.type not in out[events]:
                out[events].append(e.type)
        for a in self.amounts:
            key = amount_key(a.unit, a.value)
            if a.kind == "money" and key not in out[amounts]:
                out[amounts].append(key)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The `extract --json` shape of DESIGN.md (without id and title)."""
        facets = self.facets()
        del facets["amounts"]  # the shape lists the sums themselves below
        return {
            **facets,
            "amounts": [
                {k: a[k] for k in ("text", "value", "unit", "kind", "start", "end")}
                for a in map(_fields_of, self.amounts)
            ],
            "mentions": [
                {k: v for k, v in vars(m).items() if v is not None} for m in self.mentions
            ],
            "events": list(map(_fields_of, self.events)),
            "main_event": self.main_event,
        }


def one_or_many(values: "str | os.PathLike | Iterable | None") -> list:
    """A list of the values given; one path, id or name where a list of them is expected is
    a list of one (a string is never read letter by letter).

    >>> one_or_many("seeds/"), one_or_many(["a", "b"]), one_or_many(None)
    (['seeds/'], ['a', 'b'], [])
    """
    if values is None:
        return []
    if isinstance(values, (str, bytes, os.PathLike)):
        return [values]
    return list(values)


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """ "1 article", "2 articles", "1,024 problems" for messages.

    >>> counted(1, "article"), counted(2, "problem"), counted(3, "entity", "entities")
    ('1 article', '2 problems', '3 entities')
    """
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def _fields_of(flat) -> dict[str, Any]:
    """`asdict` of a dataclass whose fields are all plain values, at a tenth of its cost
    (asdict deep-copies every field: `Index.get` of an article with 50 mentions spent most
    of its time there)."""
    return dict(vars(flat))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: the key it concerns and what is wrong."""

    key: str
    message: str
    line: int | None = None  # the line of the file it was read from, when known

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.key}: {self.message}" if self.key else f"{where}{self.message}"


@dataclass(frozen=True)
class SearchRequest:
    """What a reader asks: query text, facet filters, ranges, sort and page.

    Build one from a mapping with `from_mapping` (what the CLI, the Python API and batch
    files all do), which checks every key once.
    """

    text: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    date_from: str | None = None
    date_to: str | None = None
    amount_min: float | None = None
    amount_max: float | None = None
    currency: str | None = None
    match: str = "all"  # "all" | "any"
    sort: str = "relevance"  # "relevance" | "newest" | "oldest"
    limit: int | None = 10  # None: every hit
    page: int = 1
    facets: tuple[str, ...] = ALL_FACETS
    facet_limit: int | None = 10
    like: str | None = None  # id of an article to find similar ones to
    min_confidence: float | None = None  # event types below this confidence do not count
    collapse: bool = True  # fold near-identical articles under the best-ranked one

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, line: int | None = None,
                     lines: Mapping[str, int] | None = None) -> tuple["SearchRequest", list[Problem]]:
        """A request from a mapping of the documented keys, and every problem found.

        Keys: query (or text), one per facet (people, places, orgs, event_types, amounts,
        dates, sources, tags; a string or a list of strings) or a `filters` mapping of
        them, from, to (YYYY[-MM[-DD]]), amount_min, amount_max, currency, match,
        sort, limit (None for all), page, facets, facet_limit, like, min_confidence,
        collapse. Invalid values are left at their defaults and reported.

        >>> req, problems = SearchRequest.from_mapping({"query": "drone", "places": "Kyiv"})
        >>> req.filters, problems
        ({'places': ('Kyiv',)}, [])
        """
        from .request_schema import parse_request

        return parse_request(cls, data, line=line, lines=lines or {})

    def with_(self, **changes) -> "SearchRequest":
        """A copy with some fields changed."""
        return replace(self, **changes)


class _Deferred:
    """A Hit field that may be filled on first read (see `Hit.deferred`).

    A data descriptor used as a dataclass field: the generated __init__ stores through
    __set__, and reading a value still marked PENDING asks the hit to fill its deferred
    fields. With `required`, the field has no default (the descriptor's class-level get
    raises AttributeError, which dataclasses read as "no default")."""

    def __init__(self, default: Any = None, *, required: bool = False):
        self.default, self.required = default, required

    def __set_name__(self, owner, name: str) -> None:
        self.key = f"_{name}"

    def __get__(self, hit, owner=None):
        if hit is None:
            if self.required:
                raise AttributeError(self.key[1:])
            return self.default
        value = hit.__dict__[self.key]
        if value is PENDING:
            hit._fill_deferred()
            value = hit.__dict__[self.key]
        return value

    def __set__(self, hit, value) -> None:
        hit.__dict__[self.key] = value


#: The mark of a deferred Hit field not computed yet.
PENDING = type("Pending", (), {"__repr__": lambda self: "PENDING"})()


@dataclass(frozen=True)
class Hit:
    """One matching article.

    A search fills the fields that cost little (id, title, date, source, url, score,
    duplicates) at once and the rest (snippet, facet values, amounts) when one of them is
    first read, as whoosh's highlights and Lucene's stored fields are: a script that reads
    ids and titles does not pay for snippets it never shows. Values are the same either way.
    """

    id: str
    title: str
    date: str | None
    source: str
    url: str
    score: float
    snippet: str = _Deferred(required=True)  # HTML-escaped text, matched words in <mark>…</mark>
    people: tuple[str, ...] = _Deferred(())
    places: tuple[str, ...] = _Deferred(())
    orgs: tuple[str, ...] = _Deferred(())
    event_types: tuple[str, ...] = _Deferred(())
    tags: tuple[str, ...] = _Deferred(())
    amounts: tuple[Mapping[str, Any], ...] = _Deferred(())  # {"text", "value", "unit", "kind"}
    main_event: str | None = _Deferred(None)  # the headline event type, first in event_types
    duplicates: tuple[str, ...] = ()  # ids of near-identical articles folded under this one
    duplicate_titles: tuple[str, ...] = ()

    @classmethod
    def deferred(cls, fill, **eager) -> "Hit":
        """A hit whose deferred fields come from `fill()` (a dict of them) when first read."""
        if not _REQUIRED <= eager.keys() <= _EAGER_DEFAULTS.keys():
            raise TypeError(f"Hit.deferred: expected the fields {', '.join(_EAGER_DEFAULTS)} "
                            f"(required: {', '.join(sorted(_REQUIRED))}), got {', '.join(eager)}")
        hit = object.__new__(cls)  # the fields set directly: __init__ per hit cost ~5 us
        values = hit.__dict__
        values.update(_PENDING_FIELDS)
        values.update(_OPTIONAL_DEFAULTS)
        values.update(eager)
        values["_fill"] = fill
        return hit

    def _fill_deferred(self) -> None:
        fill = self.__dict__.pop("_fill", None)
        if fill is not None:
            for name, value in fill().items():
                self.__dict__[f"_{name}"] = value

    def __getstate__(self) -> dict[str, Any]:
        self._fill_deferred()  # a pickled hit (worker processes, dask) carries its values
        return dict(self.__dict__)

    def to_dict(self) -> dict[str, Any]:
        """The hit as `query --json` prints it."""
        d = asdict(self)
        for key, value in d.items():
            if isinstance(value, tuple):  # lists of facet values, duplicates, amounts
                d[key] = list(value)
        d["amounts"] = [dict(a) for a in self.amounts]
        del d["duplicate_titles"]
        return d

    def to_row(self) -> dict[str, Any]:
        """A flat dict (lists joined with "; "), one row of a CSV file or a DataFrame.

        >>> Hit("a", "T", None, "", "", 1.0, "", people=("A", "B")).to_row()["people"]
        'A; B'
        >>> Hit("a", "T", None, "", "", 1.0, "", amounts=({"text": "4,790,000\\nunits"},)).to_row()["amounts"]
        '4,790,000 units'
        """
        row = self.to_dict()
        # an amount's text is the article's own, line breaks and all: one line in a cell
        row["amounts"] = [" ".join((a.get("text") or "").split()) for a in self.amounts]
        row["snippet"] = _plain(self.snippet)
        return {k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()}


#: The Hit fields a search may fill on first read.
DEFERRED_HIT_FIELDS = ("snippet", "people", "places", "orgs", "event_types", "tags", "amounts",
                       "main_event")
#: The other Hit fields, with their defaults (MISSING: required).
_EAGER_DEFAULTS = {f.name: f.default for f in fields(Hit) if f.name not in DEFERRED_HIT_FIELDS}
_REQUIRED = frozenset(name for name, default in _EAGER_DEFAULTS.items() if default is MISSING)
_OPTIONAL_DEFAULTS = {n: d for n, d in _EAGER_DEFAULTS.items() if d is not MISSING}
_PENDING_FIELDS = {f"_{name}": PENDING for name in DEFERRED_HIT_FIELDS}


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet with the number of matching articles that carry it."""

    value: str
    count: int
    selected: bool = False
    label: str = ""  # display text where it differs from value (ranges, months)

    def to_dict(self) -> dict[str, Any]:
        d = {"value": self.value, "count": self.count, "selected": self.selected}
        if self.label and self.label != self.value:
            d["label"] = self.label
        return d


@dataclass(frozen=True)
class SearchResult:
    """The answer to a SearchRequest: exact total, one page of hits, facet counts."""

    request: SearchRequest
    total: int
    hits: tuple[Hit, ...]
    facets: Mapping[str, tuple[FacetValue, ...]]
    suggestion: str | None = None
    query: str = ""  # the parsed query, as --explain prints it
    warnings: tuple[str, ...] = ()  # e.g. a filter value that matches nothing, with hints

    @property
    def page(self) -> int:
        return self.request.page

    def __len__(self) -> int:
        """The number of hits on this page (`total` counts every match)."""
        return len(self.hits)

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def to_dict(self) -> dict[str, Any]:
        """The `query --json` shape of DESIGN.md."""
        return {
            "query": self.request.text,
            "total": self.total,
            "page": self.page,
            "suggestion": self.suggestion,
            "hits": [h.to_dict() for h in self.hits],
            "warnings": list(self.warnings),
            "facets": {k: [v.to_dict() for v in vs] for k, vs in self.facets.items()},
        }


def _plain(snippet: str) -> str:
    """A snippet's text without its <mark> tags and HTML escapes."""
    import html
    import re

    return html.unescape(re.sub(r"</?mark[^>]*>", "", snippet))
