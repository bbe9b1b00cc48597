"""THE facet table: every facet's name, kind, store column, query prefixes, CLI flag, label.

The click options, the request schema's keys, the query parser's prefixes, the store's
columns, the labels of the terminal and the report, and the fields of a Hit are all read
from `FACETS`. Adding a facet is one row here (and a class in facets.py for a new kind).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FacetSpec:
    """One facet.

    `name` is its key everywhere (request filters, JSON, batch files); `kind` names its
    class in facets.py; `column` the store's list column it reads (None for dates and
    amounts, which have columns of their own); `flag` the repeatable CLI option
    (`--person`); `prefixes` what the query language accepts before a colon
    (`person:zelenskyy`); `record_field` the field an input record may carry itself (None
    when records cannot); `hit_field` the Hit attribute listing an article's values;
    `singular` the word messages use ("no person 'X'"); `entity_kind` the kind of name a
    names facet counts (extraction's and the entities table's word for it).
    """

    name: str
    label: str
    kind: str
    column: str | None
    flag: str
    prefixes: tuple[str, ...]
    record_field: str | None
    hit_field: str
    singular: str
    help: str
    entity_kind: str | None = None


FACETS: tuple[FacetSpec, ...] = (
    FacetSpec("people", "People", "names", "names.person", "person", ("person", "people", "who"),
              "people", "people", "person", "Only articles naming this person.", "person"),
    FacetSpec("places", "Places", "names", "names.place", "place", ("place", "places", "where"),
              "places", "places", "place", "Only articles naming this place.", "place"),
    FacetSpec("orgs", "Organisations", "names", "names.org", "org",
              ("org", "orgs", "organisation", "organization"), "orgs", "orgs", "organisation",
              "Only articles naming this organisation.", "org"),
    FacetSpec("event_types", "Event types", "events", "events", "event",
              ("event", "events", "event_type"), "event_types", "event_types", "event type",
              "Only articles reporting this type of event."),
    FacetSpec("amounts", "Amounts", "amounts", None, "amount", ("amount",), None, "amounts",
              "amount range", "Only articles naming a sum in this range (e.g. EUR:1B+)."),
    FacetSpec("dates", "Dates", "dates", None, "month", ("month",), None, "date", "month",
              "Only articles of this YYYY or YYYY-MM."),
    FacetSpec("sources", "Sources", "values", "sources", "source", ("source", "src"), None,
              "source", "source", "Only articles from this source."),
    FacetSpec("tags", "Tags", "values", "tags", "tag", ("tag", "tags", "topic"), "tags", "tags",
              "tag", "Only articles with this tag."),
)

BY_NAME = {spec.name: spec for spec in FACETS}
#: The facets of names (people, places, orgs), and the one of event types.
NAME_FACETS = tuple(spec for spec in FACETS if spec.kind == "names")
EVENTS = next(spec for spec in FACETS if spec.kind == "events")
TAGS = BY_NAME["tags"]
#: Facet names in display order.
FACET_NAMES = tuple(BY_NAME)
#: Facet fields an input record may carry (indexed as given with --no-extract).
RECORD_FIELDS = tuple(s.record_field for s in FACETS if s.record_field)
#: Query-language prefix -> facet name.
PREFIXES = {prefix: spec.name for spec in FACETS for prefix in spec.prefixes}

#: Money magnitude buckets of the amounts facet: upper bound, key suffix, words.
AMOUNT_BUCKETS = ((1e6, "<1M", "under 1 million"), (1e9, "1M-1B", "1 million to 1 billion"),
                  (float("inf"), "1B+", "1 billion and over"))


def spec(name: str) -> FacetSpec:
    return BY_NAME[name]


def amount_key(currency: str, value: float) -> str:
    """The bucket key of a sum: amount_key("EUR", 1.5e11) == "EUR:1B+"."""
    for bound, suffix, _ in AMOUNT_BUCKETS:
        if value < bound:
            return f"{currency}:{suffix}"
    return f"{currency}:{AMOUNT_BUCKETS[-1][1]}"  # NaN sums land in the top bucket


def amount_label(key: str) -> str:
    """Display text of a bucket key: "EUR:1B+" -> "EUR 1 billion and over"."""
    currency, _, suffix = key.partition(":")
    for _, bucket, words in AMOUNT_BUCKETS:
        if bucket == suffix:
            return f"{currency} {words}"
    return key


def is_amount_key(key: str) -> bool:
    currency, sep, suffix = key.partition(":")
    return bool(sep and currency.strip() and not any(c.isspace() for c in currency)
                and suffix in {b for _, b, _ in AMOUNT_BUCKETS})
