"""The one request schema: a mapping in, a SearchRequest and its problems out.

The command line, the Python API and batch files all describe a search as a mapping of
the same keys (see `SearchRequest.from_mapping`); this module checks each key once and
reports every problem by key (and line, for files), instead of failing on the first.
"""
from __future__ import annotations

import calendar
import difflib
import math
import re
from datetime import date, datetime
from typing import Any, Mapping

from . import facetspec
from .models import Problem

MATCHES = ("all", "any")
SORTS = ("relevance", "newest", "oldest")
#: Key -> the other spellings accepted for it (the Python API's keyword names).
SYNONYMS = {"query": ("text",), "from": ("date_from",), "to": ("date_to",)}
SCALAR_KEYS = ("query", "from", "to", "amount_min", "amount_max", "currency", "match", "sort",
               "limit", "page", "facets", "facet_limit", "like", "min_confidence", "collapse")
KEYS = (*SCALAR_KEYS, *facetspec.FACET_NAMES, "filters")
#: Values one facet filter may list (each is resolved against the index's values).
MAX_FILTER_VALUES = 100
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")
_MONTH = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2]))?")
_EPOCH = date(1970, 1, 1)


def parse_day(value: str, *, end: bool = False) -> int:
    """A date bound (YYYY, YYYY-MM or YYYY-MM-DD) as days since 1970-01-01; ValueError if
    it is none. An end bound covers its whole year or month.

    >>> parse_day("2024-02", end=True) - parse_day("2024-02")
    28
    """
    match = _DATE.fullmatch(str(value).strip())
    if not match:
        raise ValueError(value)
    year, month, day = int(match[1]), match[2], match[3]
    if month is None:
        when = date(year, 12, 31) if end else date(year, 1, 1)
    elif day is None:
        last = calendar.monthrange(year, int(month))[1] if 1 <= int(month) <= 12 else 0
        when = date(year, int(month), last if end else 1)
    else:
        when = date(year, int(month), int(day))
    return (when - _EPOCH).days


def parse_request(cls, data: Mapping[str, Any], *, line: int | None,
                  lines: Mapping[str, int]):
    """(request, problems) for `SearchRequest.from_mapping` (see there for the keys)."""
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        problems.append(Problem(key, message, lines.get(key, line)))

    data = _canonical_keys(data, problem)
    fields: dict[str, Any] = {}
    text = data.get("query")
    if text is not None:
        fields["text"] = _string(text, "query", problem) or ""
    fields["filters"] = _filters(data, problem)
    for key, name in (("from", "date_from"), ("to", "date_to")):
        if data.get(key) is not None:
            fields[name] = _date(data[key], key, problem, end=key == "to")
    for key in ("amount_min", "amount_max", "min_confidence"):
        if data.get(key) is not None:
            fields[key] = _number(data[key], key, problem)
    if fields.get("min_confidence") is not None and not 0 <= fields["min_confidence"] <= 1:
        problem("min_confidence", "must be between 0 and 1")
        fields["min_confidence"] = None
    if data.get("currency") is not None:
        currency = _string(data["currency"], "currency", problem)
        fields["currency"] = currency.upper() if currency else None
    for key, choices in (("match", MATCHES), ("sort", SORTS)):
        if data.get(key) is not None:
            fields[key] = _choice(data[key], key, choices, problem)
    if "limit" in data:
        fields["limit"] = _count(data["limit"], "limit", problem, minimum=0, none_ok=True)
    if data.get("page") is not None:
        fields["page"] = _count(data["page"], "page", problem, minimum=1)
    if "facet_limit" in data:
        fields["facet_limit"] = _count(data["facet_limit"], "facet_limit", problem, minimum=1,
                                       none_ok=True)
    if data.get("facets") is not None:
        fields["facets"] = _facet_names(data["facets"], problem)
    if data.get("like") is not None:
        fields["like"] = _string(data["like"], "like", problem)
    if data.get("collapse") is not None:
        if isinstance(data["collapse"], bool):
            fields["collapse"] = data["collapse"]
        else:
            problem("collapse", f"must be true or false, not {data['collapse']!r}")
    _check_range(fields, problem)
    # A value that failed its check keeps the default (None is a value for the limits).
    clean = {k: v for k, v in fields.items()
             if v is not _INVALID and (v is not None or k in ("limit", "facet_limit"))}
    return cls(**clean), problems


_INVALID = object()  # what a failed count check returns (None means "no limit")


def _canonical_keys(data: Mapping[str, Any], problem) -> dict[str, Any]:
    """Synonyms folded into their keys; unknown keys reported with the likely one."""
    if not isinstance(data, Mapping):
        problem("", f"a search must be a table of keys, not {type(data).__name__}")
        return {}
    out: dict[str, Any] = {}
    spelled = {alias: key for key, aliases in SYNONYMS.items() for alias in aliases}
    hints = {spec.flag: spec.name for spec in facetspec.FACETS}
    for key, value in data.items():
        name = spelled.get(key, key)
        if name in KEYS:
            if name in out and value is not None and out[name] is not None:
                problem(name, f"given twice (as {key!r} too)")
            out[name] = value if value is not None else out.get(name)
            continue
        guess = hints.get(key) or next(iter(difflib.get_close_matches(str(key), KEYS, n=1)), None)
        hint = f"; did you mean {guess!r}?" if guess else f" (known keys: {', '.join(KEYS)})"
        problem(str(key), f"unknown key{hint}")
    return out


def _filters(data: Mapping[str, Any], problem) -> dict[str, tuple[str, ...]]:
    given = dict(data.get("filters") or {}) if isinstance(data.get("filters") or {}, Mapping) else {}
    if data.get("filters") is not None and not isinstance(data["filters"], Mapping):
        problem("filters", "must map facet names to values")
    for name in facetspec.FACET_NAMES:
        if data.get(name) is not None:
            given[name] = data[name]
    out = {}
    for name, values in given.items():
        if name not in facetspec.BY_NAME:
            problem(name, f"unknown facet; choose from {', '.join(facetspec.FACET_NAMES)}")
            continue
        cleaned = _strings(values, name, problem)
        if len(cleaned) > MAX_FILTER_VALUES:
            problem(name, f"lists {len(cleaned)} values; the limit is {MAX_FILTER_VALUES}")
            continue
        checked = [v for v in cleaned if _facet_value_ok(name, v, problem)]
        if checked:
            out[name] = tuple(dict.fromkeys(checked))
    return out


def _facet_value_ok(name: str, value: str, problem) -> bool:
    if name == "dates" and not _MONTH.fullmatch(value):
        problem(name, f"invalid month {value!r}: use YYYY or YYYY-MM")
        return False
    if name == "amounts" and not facetspec.is_amount_key(value):
        buckets = ", ".join(b for _, b, _ in facetspec.AMOUNT_BUCKETS)
        problem(name, f"invalid amount range {value!r}: use CURRENCY:RANGE with RANGE one of {buckets}")
        return False
    return True


def _strings(values: Any, key: str, problem) -> list[str]:
    """A string or a list of strings, stripped, empties dropped."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple, set, frozenset)):
        problem(key, f"must be a string or a list of strings, not {type(values).__name__}")
        return []
    out = []
    for value in values:
        if not isinstance(value, str):
            problem(key, f"values must be strings, not {type(value).__name__} ({value!r})")
        elif _encodable(value, key, problem) and value.strip():
            out.append(" ".join(value.split()))
    return out


def _string(value: Any, key: str, problem) -> str | None:
    if not isinstance(value, str):
        problem(key, f"must be a string, not {type(value).__name__}")
        return None
    return value if _encodable(value, key, problem) else None


def _encodable(value: str, key: str, problem) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        problem(key, "holds characters that are not valid text (lone surrogates)")
        return False
    return True


def _date(value: Any, key: str, problem, *, end: bool) -> str | None:
    if isinstance(value, datetime):  # TOML reads 2024-05-01T00:00:00 as a datetime
        value = value.date()
    text = _string(value, key, problem) if not isinstance(value, date) else value.isoformat()
    if text is None:
        return None
    try:
        parse_day(text, end=end)
    except ValueError:
        problem(key, f"invalid date {text!r}: use YYYY, YYYY-MM or YYYY-MM-DD")
        return None
    return text.strip()


def _number(value: Any, key: str, problem) -> float | None:
    if isinstance(value, bool):
        problem(key, f"must be a number, not {value!r}")
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        problem(key, f"must be a number, not {value!r}")
        return None
    if math.isnan(number):
        problem(key, "must be a number, not NaN")
        return None
    return number


def _count(value: Any, key: str, problem, *, minimum: int, none_ok: bool = False):
    if value is None or (none_ok and isinstance(value, str) and value.lower() == "all"):
        if none_ok:
            return None
        problem(key, "must be given")
        return _INVALID
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            if isinstance(value, bool) or float(value) != int(float(value)):
                raise ValueError
            value = int(float(value))
        except (TypeError, ValueError, OverflowError):
            problem(key, f"must be a whole number, not {value!r}")
            return _INVALID
    if value < minimum:
        problem(key, f"must be {minimum} or more, not {value}")
        return _INVALID
    return value


def _choice(value: Any, key: str, choices: tuple[str, ...], problem) -> str | None:
    if value not in choices:
        problem(key, f"must be one of {', '.join(choices)}, not {value!r}")
        return None
    return value


def _facet_names(value: Any, problem) -> tuple[str, ...] | None:
    names = _strings(value, "facets", problem)
    unknown = [n for n in names if n not in facetspec.BY_NAME]
    for name in unknown:
        problem("facets", f"unknown facet {name!r}; choose from {', '.join(facetspec.FACET_NAMES)}")
    return tuple(n for n in names if n in facetspec.BY_NAME)


def _check_range(fields: dict[str, Any], problem) -> None:
    low, high = fields.get("date_from"), fields.get("date_to")
    if low and high and parse_day(low) > parse_day(high, end=True):
        problem("to", f"the date range is empty ({low} is after {high})")
    low, high = fields.get("amount_min"), fields.get("amount_max")
    if low is not None and high is not None and low > high:
        problem("amount_max", f"the amount range is empty ({low:g} is above {high:g})")
