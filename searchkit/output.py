"""Writing results: terminal text, JSON, JSON Lines, CSV and TSV, streamed hit by hit.

The command line and batch both write through here, so every format is made one way.
CSV/TSV cells that a spreadsheet would run as a formula are neutralised (OWASP's rule:
a leading ', shown as text) unless `raw` is asked for.
"""
from __future__ import annotations

import csv
import html
import json
import re
from dataclasses import fields
from typing import IO, Any, Iterable, Mapping

import click

from . import facetspec
from .models import FacetValue, Hit, SearchResult

FORMATS = ("text", "json", "jsonl", "csv", "tsv")
#: The columns of a hit row: its rank, then Hit.to_row()'s keys, the snippet last.
HIT_COLUMNS = ("rank", *(f.name for f in fields(Hit) if f.name not in ("snippet", "duplicate_titles")),
               "snippet")
#: What a terminal hit shows on its line of facets: names and event types.
CHIPS = tuple(s.hit_field for s in facetspec.FACETS if s.kind in ("names", "events"))
FACET_COLUMNS = ("value", "label", "count", "selected")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any, *, raw: bool = False) -> Any:
    """A CSV cell that no spreadsheet runs as a formula: "=1+1" -> "'=1+1"."""
    if isinstance(value, str) and not raw and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class HitWriter:
    """Writes hits one at a time in one of FORMATS (json wraps them in the result object).

    `extra_columns` are CSV/TSV columns after HIT_COLUMNS for the `extra` fields a caller
    gives each hit (batch's `new`); JSON and JSON Lines add those fields to the hit object.
    """

    def __init__(self, out: IO[str], fmt: str, *, color: bool = False, raw: bool = False,
                 extra_columns: tuple[str, ...] = ()):
        self.out, self.fmt, self.color, self.raw = out, fmt, color, raw
        self.columns = (*HIT_COLUMNS, *extra_columns)
        self.rank = 0
        self._csv = None
        self._first = True

    def begin(self, result: SearchResult, *, explain: str | None = None,
              streamed: bool = False) -> None:
        """What comes before the hits: a header line, the CSV header, or the JSON head.
        `streamed`: every hit follows, not the result's own page."""
        self.rank = (result.request.page - 1) * (result.request.limit or 0)
        if self.fmt == "text":
            self._text_header(result, streamed)
        elif self.fmt in ("csv", "tsv"):
            self._csv = csv.DictWriter(self.out, self.columns, delimiter="," if self.fmt == "csv" else "\t",
                                       lineterminator="\n", extrasaction="ignore")
            self._csv.writeheader()
        elif self.fmt == "json":
            head = {k: v for k, v in result.to_dict().items() if k not in ("hits", "facets")}
            if explain is not None:
                head["explain"] = explain
            text = json.dumps(head, ensure_ascii=False, indent=2)
            self.out.write(text[:-2] + ',\n  "hits": [')

    def hit(self, hit: Hit, extra: Mapping[str, Any] | None = None) -> None:
        self.rank += 1
        if self.fmt == "text":
            self._text_hit(hit)
        elif self.fmt in ("csv", "tsv"):
            row = {"rank": self.rank, **hit.to_row(), **(extra or {})}
            self._csv.writerow({k: safe_cell(v, raw=self.raw) for k, v in row.items()})
        elif self.fmt == "jsonl":
            self.out.write(json.dumps({**hit.to_dict(), **(extra or {})}, ensure_ascii=False) + "\n")
        else:
            body = json.dumps({**hit.to_dict(), **(extra or {})}, ensure_ascii=False,
                              indent=2).replace("\n", "\n    ")
            self.out.write(("\n    " if self._first else ",\n    ") + body)
        self._first = False

    def end(self, result: SearchResult) -> None:
        """What comes after the hits: the facets (text and JSON)."""
        if self.fmt == "text":
            self._text_facets(result)
        elif self.fmt == "json":
            facets = json.dumps({k: [v.to_dict() for v in vs] for k, vs in result.facets.items()},
                                ensure_ascii=False, indent=2).replace("\n", "\n  ")
            self.out.write(("\n  " if not self._first else "") + '],\n  "facets": ' + facets + "\n}\n")

    # ------------------------------------------------------------ terminal text

    def _style(self, text: str, **style) -> str:
        return click.style(text, **style) if self.color else text

    def _text_header(self, result: SearchResult, streamed: bool = False) -> None:
        req = result.request
        first = self.rank + 1
        shown = f"{first}-{first + len(result.hits) - 1}" if result.hits else "none"
        if req.limit is None or streamed:
            shown = "all" if result.total else "none"
        if req.like:
            matches = "1 article is like" if result.total == 1 else f"{result.total:,} articles are like"
            asked = req.like
        else:
            matches = "1 article matches" if result.total == 1 else f"{result.total:,} articles match"
            asked = req.text or "(everything)"
        self.out.write(f"{matches} {asked!r}; showing {shown}\n")
        if result.suggestion:
            self.out.write(f"did you mean: {result.suggestion}\n")

    def _text_hit(self, hit: Hit) -> None:
        lines = ["", self._style(f"{self.rank:>3}. {hit.title}", bold=True),
                 "     " + "  ".join(x for x in (hit.date or "", hit.source, hit.id) if x),
                 "     " + terminal_snippet(hit.snippet, self.color)]
        chips = [", ".join(getattr(hit, k)[:4]) for k in CHIPS]
        chips.append(", ".join(a["text"] for a in hit.amounts if a["kind"] == "money"))
        if any(chips):
            lines.append("     " + " | ".join(c for c in chips if c))
        if hit.duplicates:
            titles = ", ".join(hit.duplicate_titles or hit.duplicates)
            lines.append(f"     +{len(hit.duplicates)} near-identical: {titles}")
        self.out.write("\n".join(lines) + "\n")

    def _text_facets(self, result: SearchResult) -> None:
        for name, values in result.facets.items():
            if values:
                self.out.write("\n" + self._style(f"{facetspec.spec(name).label}:", bold=True) + "\n")
                for v in values:
                    mark = "[x] " if v.selected else ""
                    self.out.write(f"  {mark}{v.label or v.value} ({v.count})\n")


def terminal_snippet(snippet: str, color: bool) -> str:
    """An HTML snippet for the terminal: marks shown bold (or *starred*), entities decoded."""
    def mark(m):
        word = html.unescape(m.group(1))
        return click.style(word, bold=True, fg="yellow") if color else f"*{word}*"

    text = re.sub(r"<mark[^>]*>(.*?)</mark>", mark, snippet)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def write_result(result: SearchResult, out: IO[str], fmt: str, *, color: bool = False,
                 raw: bool = False, explain: str | None = None,
                 hits: Iterable[Hit] | None = None) -> None:
    """Write a whole result; `hits` (a stream) replaces the result's own page when given."""
    writer = HitWriter(out, fmt, color=color, raw=raw)
    writer.begin(result, explain=explain, streamed=hits is not None)
    for hit in result.hits if hits is None else hits:
        writer.hit(hit)
    writer.end(result)


def write_facet_values(values: list[FacetValue], out: IO[str], fmt: str, *, raw: bool = False) -> None:
    """One facet's values with counts, in any of FORMATS."""
    rows = [{"value": v.value, "label": v.label or v.value, "count": v.count,
             "selected": v.selected} for v in values]
    if fmt == "text":
        for row in rows:
            out.write(f"{row['count']:>7}  {row['label']}\n")
    elif fmt == "json":
        out.write(json.dumps([v.to_dict() for v in values], ensure_ascii=False, indent=2) + "\n")
    elif fmt == "jsonl":
        for v in values:
            out.write(json.dumps(v.to_dict(), ensure_ascii=False) + "\n")
    else:
        writer = csv.DictWriter(out, FACET_COLUMNS, delimiter="," if fmt == "csv" else "\t",
                                lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: safe_cell(v, raw=raw) for k, v in row.items()})
