"""Batch files: a JSON or TOML file of named searches, read and checked before any runs.

The file holds a list of searches, or an object/tables of name -> search:

    [[search]]                          # TOML; JSON: [{"name": ..., "query": ...}, ...]
    name = "Prisoner exchanges"
    query = "prisoner exchange"
    people = ["Volodymyr Zelenskyy"]

A search is its `name` (required in the list form, unique) plus the keys of the one request
schema, `SearchRequest.from_mapping`, which checks them; each search and key knows its line,
so every problem of every search is reported at once as `file:line: search 'NAME': key:
message`. Each search writes files named from its name (`file_stem`, `outputs`).
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from .models import SearchkitError, SearchRequest

#: What a batch folder holds besides the searches' own files (with HTML).
DIGEST_FILES = ("index.html", "summary.json", "assets/report.css")
#: File stems the batch folder uses itself, or that some systems refuse as file names.
RESERVED_STEMS = {"summary", "assets", "con", "prn", "aux", "nul",
                  *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}
MAX_STEM = 80
#: The list form's key when a file wraps its list in one table/object ([[search]] in TOML).
LIST_WRAPPERS = ("search", "searches")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_TOML_KEY = re.compile(r'\s*([A-Za-z0-9_-]+|"[^"\\]*")\s*=')


@dataclass(frozen=True)
class NamedSearch:
    """One search of a batch file, checked: its name, file stem, request and origin."""

    name: str
    stem: str  # NAME of NAME.json, NAME.csv and NAME/: safe as a file name
    request: SearchRequest
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
    lines: Mapping[str, int] = field(default_factory=dict)  # key -> its line


def load_searches(path: str | Path) -> list[NamedSearch]:
    """Read and check a JSON or TOML file of named searches (nothing runs).

    Raises SearchkitError (exit code 2) listing every problem in file order, each as
    `file:line: search 'NAME': key: message`.

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
    searches, problems = [], []
    for number, entry in enumerate(entries, 1):
        search, found = _check(entry, number, path)
        problems += found
        searches += [search] if search is not None else []  # names clash even in faulty ones
    problems += _clashes(searches, path)
    if problems:
        problems.sort(key=lambda p: p[0])  # file order, clashes included
        head = [f"{len(problems)} problems in {path}:"] if len(problems) > 1 else []
        raise SearchkitError("\n".join(head + [text for _, text in problems]), exit_code=2)
    return searches


def _parse(text: str, path: Path) -> list[_Entry]:
    """The searches of the file, in file order, with the line each starts on."""
    suffix = path.suffix.lower()
    if suffix in (".json", ".toml"):
        return (_json_entries if suffix == ".json" else _toml_entries)(text, path)
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
    items = walker.items(walker.skip(0))
    if len(items) == 1 and items[0][0] in LIST_WRAPPERS and isinstance(items[0][1], list):
        items = walker.items(items[0][3])  # {"searches": [...]}, TOML's [[search]]
    return [_Entry(key, value, walker.line(start), walker.key_lines(value, at))
            for key, value, start, at in items]


class _JsonWalker:
    """Steps over the items of one JSON array or object, noting where each value starts."""

    def __init__(self, text: str, decoder: json.JSONDecoder):
        self.text, self.decoder = text, decoder

    def line(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    def skip(self, pos: int) -> int:
        return _JSON_SPACE.match(self.text, pos).end()

    def key_lines(self, value: Any, pos: int) -> dict[str, int]:
        """The line of each key of the object at `pos` (the last of a repeated key)."""
        if not isinstance(value, dict):
            return {}
        return {key: self.line(start) for key, _, start, _ in self.items(pos)}

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
    lines = text.splitlines()
    wrapper = next((k for k in LIST_WRAPPERS if isinstance(doc.get(k), list)), None)
    if wrapper is not None:
        if len(doc) > 1:
            others = ", ".join(repr(k) for k in doc if k != wrapper)
            raise SearchkitError(f"{path}: besides [[{wrapper}]] tables it holds {others}; "
                                 f"write every search as a [[{wrapper}]] table", exit_code=2)
        header = re.compile(r"\s*\[\[\s*(%s|\"%s\")\s*\]\]" % (wrapper, wrapper))
        starts = [n for n, line in enumerate(lines, 1) if header.match(line)]
        found = [(None, item, starts[n] if n < len(starts) else None)
                 for n, item in enumerate(doc[wrapper])]
    else:
        starts_of = _toml_table_lines(lines, tomllib)
        found = [(key, value, starts_of.get(key)) for key, value in doc.items()]
    starts = sorted(line for _, _, line in found if line)
    return [_Entry(key, value, line, _toml_key_lines(lines, line, starts))
            for key, value, line in found]


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


def _toml_table_lines(lines: list[str], tomllib) -> dict[str, int]:
    """The line of each top-level table header ([name], ["a name"], [name.sub])."""
    found: dict[str, int] = {}
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped.startswith("[") or stripped.startswith("[["):
            continue
        try:  # a header line alone is a TOML document: let TOML read its key
            key = next(iter(tomllib.loads(stripped)))
        except (tomllib.TOMLDecodeError, StopIteration):
            continue
        found.setdefault(key, n)
    return found


def _toml_key_lines(lines: list[str], start: int | None, starts: list[int]) -> dict[str, int]:
    """The line of each `key = ...` of the table whose header is on line `start`."""
    if start is None:
        return {}
    end = next((s for s in starts if s > start), len(lines) + 1)
    keys = {}
    for n in range(start + 1, end):
        match = _TOML_KEY.match(lines[n - 1])
        if match:
            keys[match[1].strip('"')] = n
    return keys


def _check(entry: _Entry, number: int, path: Path) -> tuple[NamedSearch | None, list]:
    """A NamedSearch from one entry and its problems as (line, text) (none: it may run).

    The search comes back whenever its name is usable, so names can be compared even
    while other keys still need fixing.
    """
    where = f"{path}:{entry.line}" if entry.line else str(path)
    data = entry.data
    label = f"search {entry.key!r}" if entry.key is not None else f"search #{number}"

    def problem(key: str, message: str, line: int | None = entry.line) -> tuple[int, str]:
        at = f"{path}:{line}" if line else str(path)
        return line or 0, f"{at}: {label}: " + (f"{key}: {message}" if key else message)

    if not isinstance(data, Mapping):
        return None, [problem("", "must be an object (a table in TOML), not "
                                  f"{type(data).__name__}")]
    found_name, message = _name(entry.key, data)
    label = f"search {found_name!r}" if found_name else label
    problems = [problem("name", message, entry.lines.get("name", entry.line))] if message else []
    problems += [problem(k, "given twice (only the last would count)",
                         entry.lines.get(k, entry.line))
                 for k in getattr(data, "duplicates", ())]
    request, found = SearchRequest.from_mapping(
        {k: v for k, v in data.items() if k != "name"}, line=entry.line, lines=entry.lines)
    problems += [problem(p.key, p.message, p.line) for p in found]
    limit = data.get("limit")
    if "limit" in data and not any(p.key == "limit" for p in found) and not request.limit:
        problems.append(problem("limit", f"must be 1 or more (the hits written), not {limit!r}",
                                entry.lines.get("limit", entry.line)))
    stem = file_stem(found_name) if found_name else ""
    if found_name and not stem:
        problems.append(problem("name", "has no letter or digit to name its files with"))
    search = NamedSearch(found_name, stem, request, where, request.limit if "limit" in data
                         else None) if stem else None
    return search, problems


def _name(key: str | None, data: Mapping) -> tuple[str | None, str | None]:
    """(the search's name, None) or (None, what is wrong with it)."""
    name = data.get("name", key)
    if key is not None and "name" in data and data["name"] != key:
        return None, f"{data['name']!r} differs from its key {key!r}"
    if name is None:
        return None, "missing (every search needs a unique name)"
    if not isinstance(name, str) or not name.strip():
        return None, f"must be non-empty text, not {name!r}"
    return name.strip(), None


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
    stem = re.sub(r"-{2,}", "-", stem).strip("-._")
    head, dot, rest = stem.partition(".")
    taken = {f.split("/")[0] for f in DIGEST_FILES}  # NAME/ must not be index.html
    if head.casefold() in RESERVED_STEMS or stem.casefold() in taken:
        stem = f"{head}-search{dot}{rest}"  # right after the head: file_stem stays idempotent
    return stem[:MAX_STEM].rstrip("-._")


def _clashes(searches: list[NamedSearch], path: Path) -> list[tuple[int, str]]:
    """Names used twice, and searches whose files would be the same (on any file system)."""
    problems, by_name, owner = [], {}, {}
    for s in searches:
        line = int(s.origin.rpartition(":")[2]) if s.origin != str(path) else 0
        if s.name in by_name:
            problems.append((line, f"{s.origin}: search {s.name!r}: name: used before, at "
                                   f"{by_name[s.name].origin}; names must be unique"))
            continue
        by_name[s.name] = s
        for output in outputs(s.stem, html=True):
            other = owner.setdefault(output.rstrip("/").casefold(), s)
            if other is not s:
                problems.append((line, f"{s.origin}: search {s.name!r}: name: its files "
                                       f"({output.rstrip('/')}) would overwrite those of "
                                       f"{other.name!r} ({other.origin}), at least where file "
                                       "names ignore case; rename one"))
                break
    return problems


def outputs(stem: str, *, html: bool) -> tuple[str, ...]:
    """The paths (relative to the batch folder) a search writes; a folder ends with '/'."""
    return (f"{stem}.json", f"{stem}.csv", *((f"{stem}/",) if html else ()))
