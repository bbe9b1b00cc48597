"""Scripted searches: a file of named searches in; JSON, CSV and an HTML report per search out.

    >>> for step in iter_batch("index", "weekly.toml", "digest/"):   # doctest: +SKIP
    ...     print(step.outcome.line() if step.outcome else "")
    >>> run_batch("index", "weekly.toml", "digest/").line()          # doctest: +SKIP

The searches file is JSON or TOML (chosen by extension; other names are tried as JSON, then
TOML). It holds a list of searches, or an object/tables of name -> search:

    [[search]]                          # TOML; JSON: [{"name": ..., "query": ...}, ...]
    name = "Prisoner exchanges"
    query = "prisoner exchange"
    people = ["Volodymyr Zelenskyy"]
    from = "2024-01"

Keys (those of the `query` command and the Python API): `name` (required in the list form,
unique), `query`, the facet filters `people` `places` `orgs` `event_types` `sources` `tags`
`dates` `amounts` (lists of strings), `from` `to` (YYYY[-MM[-DD]]), `amount_min`
`amount_max` (numbers), `currency`, `match` (all|any), `sort` (relevance|newest|oldest),
`limit` (hits written for this search; default `max_hits`) and `like` (an article id).
Every search is checked before any runs, and every problem found is reported at once.

Per search `out_dir` gets NAME.json (`SearchResult.to_dict()`, what `query --json` prints),
NAME.csv (a row per hit) and NAME/ (the `report` site); beside them `index.html` links them
all and `summary.json` lists each search's total, files and, if it failed, why. NAME is the
search name made safe for file names. A search that fails at run time is recorded as
failed and the others still run.
"""
from __future__ import annotations

import csv
import datetime as dt
import difflib
import html
import io
import json
import os
import re
import time
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence
from urllib.parse import quote

from .facetspec import AMOUNT_BUCKETS
from .models import SearchkitError, SearchRequest
from .report_views import FACET_LABELS

#: Hits written per search (JSON, CSV, report) unless the search sets `limit`.
DEFAULT_MAX_HITS = 1000
#: Filter keys: the facet each one filters, in the order conditions are described.
LIST_KEYS = ("people", "places", "orgs", "event_types", "sources", "tags", "dates", "amounts")
TEXT_KEYS = ("name", "query", "from", "to", "currency", "like")
NUMBER_KEYS = ("amount_min", "amount_max")
CHOICE_KEYS = {"match": ("all", "any"), "sort": ("relevance", "newest", "oldest")}
KEYS = (*TEXT_KEYS, *LIST_KEYS, *NUMBER_KEYS, *CHOICE_KEYS, "limit")
#: Names people write for a key by analogy with the command line's options.
KEY_HINTS = {"person": "people", "place": "places", "org": "orgs", "organisations": "orgs",
             "organizations": "orgs", "event": "event_types", "events": "event_types",
             "source": "sources", "tag": "tags", "month": "dates", "amount": "amounts",
             "text": "query", "q": "query", "date_from": "from", "date_to": "to",
             "max_hits": "limit"}
#: Facets whose filter values are names an article carries (checked against the index).
NAME_FACETS = ("people", "places", "orgs", "event_types", "sources", "tags")
#: The columns of NAME.csv; list values are joined with LIST_SEPARATOR.
CSV_COLUMNS = ("rank", "id", "title", "date", "source", "url", "score", "people", "places",
               "orgs", "event_types", "tags", "amounts", "snippet")
LIST_SEPARATOR = "; "
#: File stems the batch folder uses itself, or that some systems refuse as file names.
RESERVED_STEMS = {"summary", "assets", "con", "prn", "aux", "nul",
                  *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}
MAX_STEM = 80
#: The list form's key when a file wraps its list in one table/object ([[search]] in TOML).
LIST_WRAPPERS = ("search", "searches")
_DATE_BUCKET = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2]))?")
_AMOUNT_KEY = re.compile(r"[^:\s]+:(?:%s)" % "|".join(re.escape(s) for _, s, _ in AMOUNT_BUCKETS))
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


# ---------------------------------------------------------------- the searches


@dataclass(frozen=True)
class NamedSearch:
    """One search of a batch file, checked: its name, file stem, request and origin."""

    name: str
    stem: str  # NAME of NAME.json, NAME.csv and NAME/: safe as a file name
    request: SearchRequest  # limit: the search's own, else DEFAULT_MAX_HITS
    origin: str  # "file:line" (or "file" where the line is unknown)
    limit: int | None = None  # as the file gave it

    def request_for(self, max_hits: int) -> SearchRequest:
        """The request to run: the search's own limit, else `max_hits`."""
        return replace(self.request, limit=self.limit or max_hits)


@dataclass(frozen=True)
class _Entry:
    """A search as read from the file, before checking."""

    key: str | None  # its name in the name -> search form
    data: Any
    line: int | None
    number: int = 0  # 1 for the file's first search


def load_searches(path: str | Path) -> list[NamedSearch]:
    """Read and check a JSON or TOML file of named searches (nothing runs).

    Raises SearchkitError listing every problem, each with the file, line and search name.

    >>> [s.name for s in load_searches("weekly.toml")]   # doctest: +SKIP
    ['Prisoner exchanges', 'Kyiv strikes']
    """
    path = Path(path)
    if not path.is_file():
        raise SearchkitError(f"searches file {str(path)!r} does not exist", exit_code=2)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SearchkitError(f"cannot read searches file {str(path)!r}: {exc}",
                             exit_code=2) from exc
    entries = _parse(text, path)
    if not entries:
        raise SearchkitError(f"{path}: holds no searches", exit_code=2)
    searches, named, problems = [], [], []
    for number, entry in enumerate(entries, 1):
        search, found = _check(replace(entry, number=number), path)
        problems += found
        named += [search] if search is not None else []  # names clash even in faulty searches
        searches += [search] if search is not None and not found else []
    problems += _clashes(named)
    problems.sort(key=lambda p: _line_number(p, path))  # in file order, clashes included
    if problems:
        raise SearchkitError(_problem_text(path, problems), exit_code=2)
    return searches


def _line_number(problem: str, path: Path) -> int:
    """The line a problem message names after the file (0 when it names none)."""
    match = re.match(r"(\d+):", problem[len(str(path)) + 1:])
    return int(match[1]) if match else 0


def _problem_text(path: Path, problems: list[str]) -> str:
    head = f"{len(problems)} problems in {path}:" if len(problems) > 1 else ""
    return "\n".join([head, *problems]) if head else problems[0]


def _parse(text: str, path: Path) -> list[_Entry]:
    """The searches of the file, in file order, with the line each starts on."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _json_entries(text, path)
    if suffix == ".toml":
        return _toml_entries(text, path)
    try:
        return _json_entries(text, path)
    except SearchkitError as json_error:
        try:
            return _toml_entries(text, path)
        except SearchkitError:
            raise SearchkitError(f"{json_error} (nor is it TOML; name the file .json or "
                                 ".toml to be told what is wrong with it)",
                                 exit_code=2) from None


class _Keys(dict):
    """A JSON object that remembers keys it held twice (json itself keeps the last silently)."""

    duplicates: tuple[str, ...] = ()


def _pairs(pairs: list[tuple[str, Any]]) -> _Keys:
    obj = _Keys(pairs)
    if len(obj) < len(pairs):
        seen: set[str] = set()
        obj.duplicates = tuple(k for k, _ in pairs if k in seen or seen.add(k))
    return obj


def _json_entries(text: str, path: Path) -> list[_Entry]:
    """The searches of a JSON file; its top level is walked by hand so each knows its line."""
    decoder = json.JSONDecoder(object_pairs_hook=_pairs)
    try:
        doc = decoder.decode(text)  # the whole file first: errors then point at their place
    except json.JSONDecodeError as exc:
        raise SearchkitError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}",
                             exit_code=2) from None
    if not isinstance(doc, (list, dict)):
        raise SearchkitError(f"{path}: must hold a list of searches or an object of "
                             "name -> search", exit_code=2)
    walker = _JsonWalker(text, decoder)
    entries = walker.items(walker.skip(0))
    if len(entries) == 1 and entries[0][0] in LIST_WRAPPERS and isinstance(entries[0][1], list):
        entries = walker.items(entries[0][3])  # {"searches": [...]}, TOML's [[search]]
    return [_Entry(key, value, walker.line(start)) for key, value, start, _ in entries]


class _JsonWalker:
    """Steps over the items of one JSON array or object, noting where each value starts."""

    def __init__(self, text: str, decoder: json.JSONDecoder):
        self.text, self.decoder = text, decoder

    def line(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    def skip(self, pos: int) -> int:
        return _JSON_SPACE.match(self.text, pos).end()

    def items(self, pos: int) -> list[tuple[str | None, Any, int, int]]:
        """(key or None, value, start of the item, start of the value) of the array or
        object at `pos`."""
        text, is_object = self.text, self.text[pos] == "{"
        closing = "}" if is_object else "]"
        items, pos = [], self.skip(pos + 1)
        while text[pos] != closing:
            key, start = None, pos
            if is_object:
                key, end = self.decoder.raw_decode(text, pos)
                pos = self.skip(self.skip(end) + 1)  # past the ':'
            value, end = self.decoder.raw_decode(text, pos)
            items.append((key, value, start, pos))
            pos = self.skip(end)
            pos = self.skip(pos + 1) if text[pos] == "," else pos
        return items


def _toml_entries(text: str, path: Path) -> list[_Entry]:
    """The searches of a TOML file: [[search]] tables, or one [NAME] table a search."""
    tomllib = _toml_module()
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SearchkitError(f"{path}: not valid TOML: {exc}", exit_code=2) from None
    wrapper = next((k for k in LIST_WRAPPERS if isinstance(doc.get(k), list)), None)
    if wrapper is not None:
        if len(doc) > 1:
            others = ", ".join(repr(k) for k in doc if k != wrapper)
            raise SearchkitError(f"{path}: besides [[{wrapper}]] tables it holds {others}; "
                                 f"write every search as a [[{wrapper}]] table", exit_code=2)
        lines = _toml_array_lines(text, wrapper)
        return [_Entry(None, item, lines[n] if n < len(lines) else None)
                for n, item in enumerate(doc[wrapper])]
    lines = _toml_table_lines(text, tomllib)
    return [_Entry(key, value, lines.get(key)) for key, value in doc.items()]


def _toml_module():
    """tomllib (Python 3.11+), else the tomli package it came from."""
    try:
        import tomllib
    except ImportError:
        try:
            import tomli as tomllib
        except ImportError:
            raise SearchkitError("reading TOML needs Python 3.11 or the tomli package "
                                 "(pip install tomli); JSON searches files work everywhere",
                                 exit_code=2) from None
    return tomllib


def _toml_array_lines(text: str, wrapper: str) -> list[int]:
    header = re.compile(r"\s*\[\[\s*(%s|\"%s\")\s*\]\]" % (wrapper, wrapper))
    return [n for n, line in enumerate(text.splitlines(), 1) if header.match(line)]


def _toml_table_lines(text: str, tomllib) -> dict[str, int]:
    """The line of each top-level table header ([name], ["a name"], [name.sub])."""
    lines: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("[") or stripped.startswith("[["):
            continue
        try:  # a header line alone is a TOML document: let TOML read its key
            key = next(iter(tomllib.loads(stripped)))
        except (tomllib.TOMLDecodeError, StopIteration):
            continue
        lines.setdefault(key, n)
    return lines


# ---------------------------------------------------------------- checking one search


def _check(entry: _Entry, path: Path) -> tuple[NamedSearch | None, list[str]]:
    """A NamedSearch from one entry and the problems it has (none when it may run).

    The search comes back whenever its name is usable, so names can be compared even
    while other keys still need fixing.
    """
    where = f"{path}:{entry.line}" if entry.line else str(path)
    data = entry.data
    label = f"search {entry.key!r}" if entry.key is not None else f"search #{entry.number}"
    if not isinstance(data, Mapping):
        return None, [f"{where}: {label} must be an object (a table in TOML), "
                      f"not {_type_name(data)}"]
    name, problems = _name(entry, data)
    label = f"search {name!r}" if name else label
    problems += [f"duplicate key {k!r}" for k in getattr(data, "duplicates", ())]
    problems += [_unknown_key(k) for k in data if k not in KEYS]
    values, found = _values(data)
    problems += found
    stem = file_stem(name) if name else ""
    if name and not stem:
        problems.append("the name has no letter or digit to name its files with")
    search = None
    if stem:
        request = SearchRequest() if problems else _request(values)
        search = NamedSearch(name=name, stem=stem, request=request, origin=where,
                             limit=values.get("limit"))
    return search, [f"{where}: {label}: {p}" for p in problems]


def _name(entry: _Entry, data: Mapping) -> tuple[str, list[str]]:
    name = data.get("name", entry.key)
    if entry.key is not None and "name" in data and data["name"] != entry.key:
        return "", [f"its name {data['name']!r} differs from its key {entry.key!r}"]
    if name is None:
        return "", ["has no name (every search needs a unique name)"]
    if not isinstance(name, str) or not name.strip():
        return "", [f"name must be non-empty text, not {name!r}"]
    return name.strip(), []


def _unknown_key(key: str) -> str:
    hint = KEY_HINTS.get(str(key).lower()) or next(
        iter(difflib.get_close_matches(str(key).lower(), KEYS, n=1)), None)
    return f"unknown key {key!r}" + (f" (did you mean {hint!r}?)" if hint else
                                     f"; keys are {', '.join(KEYS)}")


def _type_name(value: Any) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", str: "text",
             list: "a list", type(None): "null"}
    return names.get(type(value), "an object" if isinstance(value, Mapping) else
                     type(value).__name__)


def _values(data: Mapping) -> tuple[dict[str, Any], list[str]]:
    """The checked values of a search's keys and the problems found."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key in KEYS:
        if key == "name" or key not in data:
            continue
        try:
            values[key] = _value(key, data[key])
        except ValueError as exc:
            problems.append(f"{key}: {exc}")
    problems += _ranges(values)
    return values, problems


def _value(key: str, value: Any) -> Any:
    """One key's value, checked; ValueError says what is wrong with it."""
    if key in LIST_KEYS:
        return _names(key, value)
    if key in ("from", "to"):
        return _date_bound(value)
    if key in NUMBER_KEYS:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"must be a number, not {_type_name(value)}")
        return float(value)
    if key == "limit":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"must be a whole number of 1 or more, not {value!r}")
        return value
    if not isinstance(value, str):
        raise ValueError(f"must be text, not {_type_name(value)}")
    if key in CHOICE_KEYS and value not in CHOICE_KEYS[key]:
        raise ValueError(f"must be one of {', '.join(CHOICE_KEYS[key])}, not {value!r}")
    if key in ("currency", "like") and not value.strip():
        raise ValueError("must not be empty")
    return value.strip().upper() if key == "currency" else value


def _names(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"must be a list of text, not {_type_name(value)}"
                         + (f' (write [{json.dumps(value)}])' if isinstance(value, str) else ""))
    bad = [v for v in value if not isinstance(v, str) or not v.strip()]
    if bad:
        raise ValueError(f"must hold non-empty text only, not {bad[0]!r}")
    if key == "dates":
        wrong = [v for v in value if not _DATE_BUCKET.fullmatch(v)]
        if wrong:
            raise ValueError(f"{wrong[0]!r} is not YYYY or YYYY-MM")
    if key == "amounts":
        wrong = [v for v in value if not _AMOUNT_KEY.fullmatch(v)]
        if wrong:
            buckets = ", ".join(f"CUR:{s}" for _, s, _ in AMOUNT_BUCKETS)
            raise ValueError(f"{wrong[0]!r} is not a range key ({buckets}, e.g. EUR:1B+)")
    return tuple(dict.fromkeys(v.strip() for v in value))


def _date_bound(value: Any) -> str:
    from .request_schema import parse_day

    if isinstance(value, dt.datetime):  # TOML reads 2024-05-01T00:00 as a datetime
        value = value.date()
    if isinstance(value, dt.date):  # ... and 2024-05-01 as a date
        value = value.isoformat()
    if not isinstance(value, str):
        raise ValueError(f'must be a date as text ("2024", "2024-05" or "2024-05-01"), '
                         f"not {_type_name(value)}")
    try:
        parse_day(value)
    except ValueError:
        raise ValueError(f"invalid date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD") from None
    return value.strip()


def _ranges(values: Mapping[str, Any]) -> list[str]:
    from .request_schema import parse_day

    problems = []
    if "from" in values and "to" in values and (
            parse_day(values["from"]) > parse_day(values["to"], end=True)):
        problems.append(f"from {values['from']!r} is after to {values['to']!r}")
    if values.get("amount_min", 0) > values.get("amount_max", float("inf")):
        problems.append("amount_min is larger than amount_max")
    return problems


def _request(values: Mapping[str, Any]) -> SearchRequest:
    return SearchRequest(
        text=values.get("query", ""),
        filters={k: values[k] for k in LIST_KEYS if values.get(k)},
        date_from=values.get("from"), date_to=values.get("to"),
        amount_min=values.get("amount_min"), amount_max=values.get("amount_max"),
        currency=values.get("currency"), match=values.get("match", "all"),
        sort=values.get("sort", "relevance"), like=values.get("like"),
        limit=values.get("limit", DEFAULT_MAX_HITS))


def file_stem(name: str) -> str:
    """A search name made safe as a file name: letters, digits, '_', '.', '-' only.

    Path separators and other punctuation become '-', leading dots go (no hidden files, no
    '..'), names the batch folder uses itself get '-search' appended.

    >>> file_stem("../Kyiv / Odesa <strikes>")
    'Kyiv-Odesa-strikes'
    >>> file_stem("summary")
    'summary-search'
    """
    stem = re.sub(r"[^\w.-]+", "-", unicodedata.normalize("NFKC", name))
    stem = re.sub(r"-{2,}", "-", stem).strip("-._")[:MAX_STEM].rstrip("-._")
    if stem.split(".")[0].casefold() in RESERVED_STEMS:
        stem += "-search"
    return stem


def _clashes(searches: list[NamedSearch]) -> list[str]:
    """Names used twice, and names whose files would be the same (on any file system)."""
    problems, by_name, by_stem = [], {}, {}
    for s in searches:
        if s.name in by_name:
            problems.append(f"{s.origin}: search {s.name!r}: the name is used before, at "
                            f"{by_name[s.name].origin}; names must be unique")
            continue
        by_name[s.name] = s
        other = by_stem.setdefault(s.stem.casefold(), s)
        if other is not s:
            problems.append(f"{s.origin}: search {s.name!r}: its files ({s.stem}.json, ...) "
                            f"would overwrite those of {other.name!r} ({other.origin}), at "
                            "least where file names ignore case; rename one")
    return problems


# ---------------------------------------------------------------- running


@dataclass(frozen=True)
class SearchOutcome:
    """What one search of a batch did: its total, the files written, and any failure."""

    name: str
    stem: str
    query: str
    total: int | None  # matching articles (None when the search failed before counting)
    hits: int  # hits in NAME.json and NAME.csv
    files: Mapping[str, str]  # "json" | "csv" | "report" -> path relative to the batch folder
    conditions: tuple[tuple[str, str], ...] = ()  # (label, value) of every filter and range
    warnings: tuple[str, ...] = ()  # filter values no indexed article carries
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def line(self) -> str:
        """One line for the run's log."""
        if self.error:
            return f"{self.name}: FAILED: {self.error}"
        return f"{self.name}: {_articles(self.total)} -> {self.stem}.*"

    def to_dict(self) -> dict[str, Any]:
        """This search's entry in summary.json."""
        return {"name": self.name, "query": self.query,
                "status": "ok" if self.ok else "failed", "total": self.total,
                "hits": self.hits, "files": dict(self.files),
                "conditions": [{"label": k, "value": v} for k, v in self.conditions],
                "warnings": list(self.warnings), "error": self.error}


@dataclass
class BatchSummary:
    """What a batch run wrote: one SearchOutcome a search, and the pages beside them."""

    searches_file: Path
    out_dir: Path
    outcomes: list[SearchOutcome] = field(default_factory=list)
    index_page: Path | None = None  # out_dir / "index.html" (None with html=False)
    summary_file: Path | None = None  # out_dir / "summary.json", once written
    seconds: float = 0.0

    @property
    def failed(self) -> list[SearchOutcome]:
        return [o for o in self.outcomes if not o.ok]

    def line(self) -> str:
        """One line for the end of a run."""
        failed = f", {len(self.failed)} failed" if self.failed else ""
        target = self.index_page or self.summary_file or self.out_dir
        count = len(self.outcomes)
        return (f"{count} search{'' if count == 1 else 'es'}{failed} in {self.seconds:.1f} s"
                f" -> {target}")

    def to_dict(self) -> dict[str, Any]:
        """summary.json."""
        return {"searches_file": str(self.searches_file),
                "generated": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "searches": len(self.outcomes), "failed": len(self.failed),
                "results": [o.to_dict() for o in self.outcomes]}


@dataclass(frozen=True)
class BatchProgress:
    """Emitted before the first search (done=0), after each, and once the pages are written."""

    done: int
    total: int
    outcome: SearchOutcome | None  # the search just run (None for the first and last)
    summary: BatchSummary


def iter_batch(index, searches_file: str | Path, out_dir: str | Path, *,
               templates_dir: str | Path | None = None, max_hits: int = DEFAULT_MAX_HITS,
               html: bool = True) -> Iterator[BatchProgress]:
    """Run every search of `searches_file` on `index`, writing into `out_dir` as it goes.

    `index` is an open `search.Index` or an index folder. Every search is checked before
    any runs (the file, and `like` ids against the index): a problem raises SearchkitError
    and writes nothing. `max_hits` is the hits per search unless it sets `limit`;
    `html=False` writes only JSON, CSV and summary.json.

    >>> for step in iter_batch("index", "weekly.json", "out"):   # doctest: +SKIP
    ...     pass
    >>> step.summary.index_page                                  # doctest: +SKIP
    PosixPath('out/index.html')
    """
    started = time.perf_counter()
    if isinstance(max_hits, bool) or not isinstance(max_hits, int) or max_hits < 1:
        raise SearchkitError("max_hits must be 1 or more", exit_code=2)
    searches = load_searches(searches_file)
    env = _environment(templates_dir) if html else None
    ix, opened = _open(index)
    try:
        _check_likes(ix, searches, Path(searches_file))
        out = _prepare(Path(out_dir))
        summary = BatchSummary(searches_file=Path(searches_file), out_dir=out)
        yield BatchProgress(0, len(searches), None, summary)
        known = _Vocabulary(ix)
        for n, search in enumerate(searches, 1):
            outcome = _run_one(ix, search, out, known, templates_dir=templates_dir,
                               max_hits=max_hits, html=html)
            summary.outcomes.append(outcome)
            yield BatchProgress(n, len(searches), outcome, summary)
        _write_pages(env, summary, Path(searches_file).name)
        summary.seconds = time.perf_counter() - started
        yield BatchProgress(len(searches), len(searches), None, summary)
    finally:
        if opened:
            ix.close()


def run_batch(index, searches_file: str | Path, out_dir: str | Path, *,
              templates_dir: str | Path | None = None, max_hits: int = DEFAULT_MAX_HITS,
              html: bool = True) -> BatchSummary:
    """Run `iter_batch` to the end and return its summary.

    >>> run_batch("index", "weekly.toml", "digest").line()   # doctest: +SKIP
    '3 searches in 0.8 s -> digest/index.html'
    """
    step = None
    for step in iter_batch(index, searches_file, out_dir, templates_dir=templates_dir,
                           max_hits=max_hits, html=html):
        pass
    return step.summary


def _environment(templates_dir):
    from .report import make_environment

    return make_environment(templates_dir)


def _open(index):
    """(Index, whether it was opened here) for an Index or an index folder."""
    if isinstance(index, (str, os.PathLike)):
        from .search import open_index

        return open_index(index), True
    return index, False


def _check_likes(ix, searches: Sequence[NamedSearch], path: Path) -> None:
    """Every `like` id names an indexed article (else nothing runs)."""
    problems = [f"{s.origin}: search {s.name!r}: like: no article with id "
                f"{s.request.like!r} in the index"
                for s in searches if s.request.like and ix.get(s.request.like) is None]
    if problems:
        raise SearchkitError(_problem_text(path, problems), exit_code=2)


def _prepare(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise SearchkitError(f"{str(out)!r} exists and is not a folder", exit_code=2)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SearchkitError(f"cannot create {str(out)!r}: {exc}") from exc
    return out


def _run_one(ix, search: NamedSearch, out: Path, known: "_Vocabulary", *,
             templates_dir, max_hits: int, html: bool) -> SearchOutcome:
    """Run one search and write its files; a failure is recorded, not raised."""
    from .report import write_report

    request = search.request_for(max_hits)
    files: dict[str, str] = {}
    total, hits = None, 0
    # Files of an earlier run must not pass for this run's when this one fails.
    for suffix in (".json", ".csv"):
        (out / f"{search.stem}{suffix}").unlink(missing_ok=True)
    try:
        warnings = known.unknown(request)
        result = ix.run(request)
        total, hits = result.total, len(result.hits)
        _write_atomic(out / f"{search.stem}.json",
                      json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
        files["json"] = f"{search.stem}.json"
        _write_atomic(out / f"{search.stem}.csv", hits_csv(result))
        files["csv"] = f"{search.stem}.csv"
        if html:
            write_report(ix, request, out / search.stem, templates_dir=templates_dir,
                         max_hits=request.limit)
            files["report"] = f"{search.stem}/index.html"
    except Exception as exc:  # noqa: BLE001 - one search's failure must not stop the batch
        reason = str(exc) if isinstance(exc, SearchkitError) else f"{type(exc).__name__}: {exc}"
        return SearchOutcome(search.name, search.stem, request.text, total, hits, files,
                             describe(request), (), reason)
    return SearchOutcome(search.name, search.stem, request.text, total, hits, files,
                         describe(request), tuple(warnings))


def _articles(count: int) -> str:
    return f"{count:,} matching article{'' if count == 1 else 's'}"


def _write_atomic(path: Path, text: str) -> None:
    """Write a file whole or not at all (a reader never sees half of it)."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    os.replace(tmp, path)


class _Vocabulary:
    """The names each facet has in the index, read once, to warn about filters none carries."""

    def __init__(self, ix):
        self.ix = ix
        self.names: dict[str, list[str]] = {}
        self.known: dict[str, set[str]] = {}

    def unknown(self, request: SearchRequest) -> list[str]:
        """A warning for each name filter value that no indexed article carries."""
        warnings = []
        for facet in NAME_FACETS:
            for value in request.filters.get(facet, ()):
                if value not in self._known(facet):
                    warnings.append(self._warning(facet, value))
        return warnings

    def _known(self, facet: str) -> set[str]:
        if facet not in self.known:
            self.names[facet] = [v.value for v in self.ix.facet_values(facet, limit=None)]
            self.known[facet] = set(self.names[facet])
        return self.known[facet]

    def _warning(self, facet: str, value: str) -> str:
        names = self.names[facet]
        folded = value.casefold()
        close = [n for n in names if folded in n.casefold()][:3]
        close += [n for n in difflib.get_close_matches(value, names, n=3) if n not in close]
        hint = f" (in the index: {', '.join(close[:3])})" if close else ""
        return f"{facet}: no indexed article carries {value!r}{hint}"


# ---------------------------------------------------------------- output formats


def hits_csv(result) -> str:
    """The hits of a SearchResult as CSV text: a header, then one row per hit, by rank.

    Lists are joined with "; ", amounts are their text, the snippet is plain text (marks
    removed, entities decoded).
    """
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    first = (result.request.page - 1) * result.request.limit + 1
    for rank, hit in enumerate(result.hits, first):
        writer.writerow([
            rank, hit.id, hit.title, hit.date or "", hit.source, hit.url, hit.score,
            *(LIST_SEPARATOR.join(getattr(hit, k)) for k in
              ("people", "places", "orgs", "event_types", "tags")),
            LIST_SEPARATOR.join(a.get("text", "") for a in hit.amounts),
            plain_snippet(hit.snippet),
        ])
    return buf.getvalue()


def plain_snippet(snippet: str) -> str:
    """A hit's HTML snippet as plain text: "a <mark>b</mark> &amp; c" -> "a b & c"."""
    return html.unescape(re.sub(r"</?mark\b[^>]*>", "", snippet))


def describe(request: SearchRequest) -> tuple[tuple[str, str], ...]:
    """The filters and ranges of a request as (label, value) pairs for people to read."""
    pairs = [(FACET_LABELS.get(k, k), " or ".join(v)) for k, v in request.filters.items()]
    for label, value in (("From", request.date_from), ("To", request.date_to),
                         ("Amount at least", request.amount_min),
                         ("Amount at most", request.amount_max),
                         ("Currency", request.currency), ("Similar to", request.like)):
        if value is not None:
            pairs.append((label, f"{value:g}" if isinstance(value, float) else str(value)))
    if request.match == "any":
        pairs.append(("Match", "any word"))
    if request.sort != "relevance":
        pairs.append(("Sort", f"{request.sort} first"))
    return tuple(pairs)


def _write_pages(env, summary: BatchSummary, searches_name: str) -> None:
    """summary.json, and with HTML the index.html linking every search's files."""
    out = summary.out_dir
    try:
        summary.summary_file = out / "summary.json"
        _write_atomic(summary.summary_file,
                      json.dumps(summary.to_dict(), ensure_ascii=False, indent=2) + "\n")
        if env is None:
            return
        (out / "assets").mkdir(exist_ok=True)
        _write_atomic(out / "assets" / "report.css", env.loader.get_source(env, "report.css")[0])
        page = env.get_template("batch.html").render(_index_context(summary, searches_name))
        _write_atomic(out / "index.html", page)
        summary.index_page = out / "index.html"
    except OSError as exc:
        raise SearchkitError(f"cannot write into {str(out)!r}: {exc}") from exc


def _index_context(summary: BatchSummary, searches_name: str) -> dict[str, Any]:
    """The view data of the batch's index.html: finished labels and links."""
    labels = {"report": "Report", "json": "JSON", "csv": "CSV"}
    searches = []
    for o in summary.outcomes:
        links = [{"label": labels[k], "href": quote(o.files[k])} for k in labels if k in o.files]
        searches.append({
            "name": o.name, "query": o.query, "conditions": o.conditions,
            "total_label": "failed" if o.total is None else _articles(o.total),
            "href": quote(o.files["report"]) if "report" in o.files else None,
            "links": links, "warnings": o.warnings, "error": o.error,
        })
    failed = len(summary.failed)
    return {"title": f"Searches of {searches_name}", "searches": searches, "root": "",
            "query": "",
            "count_line": f"{len(searches)} search{'es' if len(searches) != 1 else ''}"
                          + (f", {failed} failed" if failed else ""),
            "generated": dt.datetime.now().strftime("%Y-%m-%d %H:%M")}
