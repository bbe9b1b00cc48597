"""Scripted searches: a file of named searches in; JSON, CSV and an HTML report per search out.

    >>> run_batch("index", "weekly.toml", "digest/").line()   # doctest: +SKIP
    '3 searches in 0.8 s -> digest/index.html'

The searches file (JSON or TOML) is read and checked by `batch_file`: each search is a
`name` plus the keys of `SearchRequest.from_mapping`; its `limit` is the hits written for it
(default `max_hits`). Nothing runs unless every search is sound.

Per search, `out_dir` gets NAME.json (exactly what `query --json` prints, each hit with
`"new": true|false`), NAME.csv (the CSV of output.py with a `new` column; cells a
spreadsheet would run as formulas neutralised unless `raw_csv`) and NAME/ (the `report`
site); beside them index.html (the digest page: each search's total, links, a "N new" badge
and its new hits) and summary.json (per search its total, files, `new` and `gone` ids, and
why it failed). A search that fails at run time is recorded; the others run.

New since last run (`batch_memory`): a hit is new when the previous run into the same folder
did not write it for the search of the same name; `gone` lists ids that run wrote and this
one did not. Hits are compared over what is written (the first `limit`), the digest's own
content. A search with no previous run has every hit new: its reader has seen none of them
(`since` is null then, so a script can tell a first run apart). A rerun replaces the
outputs: files batch wrote for searches no longer in the file are removed; other files in
the folder are never touched.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, Mapping

from .batch_file import DIGEST_FILES, NamedSearch, file_stem, load_searches, outputs
from .batch_memory import STATE_FILE, Memory, changes, remove_stale
from .batch_page import NEW_LISTED, articles_label, describe, digest_view
from .models import Hit, SearchkitError
from .output import HitWriter

__all__ = ["BatchProgress", "BatchSummary", "NamedSearch", "SearchOutcome", "describe",
           "file_stem", "iter_batch", "load_searches", "run_batch"]

#: Hits written per search (JSON, CSV, report) unless the search sets `limit`.
DEFAULT_MAX_HITS = 1000


@dataclass(frozen=True)
class SearchOutcome:
    """What one search of a batch did: its total, the files written, what is new, any failure."""

    name: str
    stem: str
    query: str
    total: int | None  # matching articles (None when the search failed before counting)
    files: Mapping[str, str]  # "json" | "csv" | "report" -> path relative to the batch folder
    conditions: tuple[tuple[str, str], ...] = ()  # (label, value) of every filter and range
    warnings: tuple[str, ...] = ()  # e.g. filter values no indexed article carries
    error: str | None = None
    ids: tuple[str, ...] = ()  # of the hits written, by rank
    new: tuple[str, ...] = ()  # ids not written by the previous run of this search
    gone: tuple[str, ...] = ()  # ids the previous run wrote and this one did not
    since: str | None = None  # when that previous run was (None: there was none)
    new_hits: tuple[Hit, ...] = ()  # the first NEW_LISTED new hits, for the digest page

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def hits(self) -> int:
        """Hits in NAME.json and NAME.csv."""
        return len(self.ids)

    def changes(self) -> str:
        """'3 new, 1 gone' against the previous run, or '3 new (first run)'."""
        if self.since is None:
            return f"{len(self.new)} new (first run)"
        return f"{len(self.new)} new, {len(self.gone)} gone"

    def line(self) -> str:
        """One line for the run's log."""
        if self.error:
            return f"{self.name}: FAILED: {self.error}"
        return f"{self.name}: {articles_label(self.total)}, {self.changes()} -> {self.stem}.*"

    def to_dict(self) -> dict[str, Any]:
        """This search's entry in summary.json (new and gone are null when it failed)."""
        return {"name": self.name, "query": self.query,
                "status": "ok" if self.ok else "failed", "total": self.total,
                "hits": self.hits, "files": dict(self.files),
                "conditions": [{"label": k, "value": v} for k, v in self.conditions],
                "warnings": list(self.warnings), "error": self.error,
                "new": list(self.new) if self.ok else None,
                "gone": list(self.gone) if self.ok else None, "since": self.since}


@dataclass
class BatchSummary:
    """What a batch run wrote: one SearchOutcome a search, and the pages beside them."""

    searches_file: Path
    out_dir: Path
    outcomes: list[SearchOutcome] = field(default_factory=list)
    index_page: Path | None = None  # out_dir / "index.html" (None with html=False)
    summary_file: Path | None = None  # out_dir / "summary.json", once written
    seconds: float = 0.0
    run: str = ""  # when this run started (UTC, ISO 8601)
    previous_run: str | None = None  # when the previous run into out_dir started

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
        return {"searches_file": str(self.searches_file), "generated": self.run,
                "previous_run": self.previous_run,
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
               html: bool = True, raw_csv: bool = False) -> Iterator[BatchProgress]:
    """Run every search of `searches_file` on `index`, writing into `out_dir` as it goes.

    `index` is an open `search.Index` or an index folder. Every search is checked before
    any runs (the file, and `like` ids against the index): a problem raises SearchkitError
    and writes nothing. `max_hits` is the hits per search unless it sets `limit`;
    `html=False` writes only JSON, CSV and summary.json; `raw_csv=True` writes CSV cells
    as they are (no formula guard). Files of searches the previous run into `out_dir` wrote
    and this one does not are removed once every search has run.

    >>> for step in iter_batch("index", "weekly.json", "out"):   # doctest: +SKIP
    ...     print(step.outcome.line() if step.outcome else "")
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
        memory = Memory.load(out)
        run = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        summary = BatchSummary(Path(searches_file), out, run=run, previous_run=memory.run)
        yield BatchProgress(0, len(searches), None, summary)
        for n, search in enumerate(searches, 1):
            outcome = _run_one(ix, search, out, memory.searches.get(search.name),
                               templates_dir=templates_dir, max_hits=max_hits, html=html,
                               raw_csv=raw_csv)
            summary.outcomes.append(outcome)
            yield BatchProgress(n, len(searches), outcome, summary)
        files = {p for s in searches for p in outputs(s.stem, html=html)}
        files |= set(DIGEST_FILES if html else ("summary.json",))
        remove_stale(out, memory.files, files)
        _write_pages(env, summary, Path(searches_file).name)
        _write_text(out / STATE_FILE, _json(memory.record(run, summary.outcomes, files)))
        summary.seconds = time.perf_counter() - started
        yield BatchProgress(len(searches), len(searches), None, summary)
    finally:
        if opened:
            ix.close()


def run_batch(index, searches_file: str | Path, out_dir: str | Path, **options) -> BatchSummary:
    """Run `iter_batch` (same keyword options) to the end and return its summary.

    >>> run_batch("index", "weekly.toml", "digest", raw_csv=False).line()   # doctest: +SKIP
    '3 searches in 0.8 s -> digest/index.html'
    """
    step = None
    for step in iter_batch(index, searches_file, out_dir, **options):
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


def _check_likes(ix, searches: list[NamedSearch], path: Path) -> None:
    """Every `like` id names an indexed article (else nothing runs)."""
    problems = [f"{s.origin}: search {s.name!r}: like: no article with id "
                f"{s.request.like!r} in the index"
                for s in searches if s.request.like and ix.get(s.request.like) is None]
    if problems:
        head = [f"{len(problems)} problems in {path}:"] if len(problems) > 1 else []
        raise SearchkitError("\n".join(head + problems), exit_code=2)


def _prepare(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise SearchkitError(f"{str(out)!r} exists and is not a folder", exit_code=2)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SearchkitError(f"cannot create {str(out)!r}: {exc}") from exc
    return out


def _run_one(ix, search: NamedSearch, out: Path, earlier: Mapping[str, Any] | None, *,
             templates_dir, max_hits: int, html: bool, raw_csv: bool) -> SearchOutcome:
    """Run one search and write its files; a failure is recorded, not raised."""
    from .report import write_report

    request = search.request_for(max_hits)
    outcome = SearchOutcome(search.name, search.stem, request.text, None, {},
                            describe(request), since=earlier and earlier["run"])
    # Files of an earlier run must not pass for this run's when this one fails.
    for suffix in (".json", ".csv"):
        (out / f"{search.stem}{suffix}").unlink(missing_ok=True)
    files: dict[str, str] = {}
    try:
        result = ix.run(request)
        ids = [hit.id for hit in result.hits]
        new, gone = changes(earlier, ids)
        fresh = set(new)
        outcome = replace(outcome, total=result.total, warnings=result.warnings,
                          ids=tuple(ids), new=new, gone=gone,
                          new_hits=tuple(h for h in result.hits if h.id in fresh)[:NEW_LISTED])
        for fmt in ("json", "csv"):
            files[fmt] = f"{search.stem}.{fmt}"
            _write_hits(out / files[fmt], result, fmt, fresh, raw=raw_csv)
        if html:
            write_report(ix, request, out / search.stem, templates_dir=templates_dir,
                         max_hits=request.limit)
            files["report"] = f"{search.stem}/index.html"
    except Exception as exc:  # noqa: BLE001 - one search's failure must not stop the batch
        reason = str(exc) if isinstance(exc, SearchkitError) else f"{type(exc).__name__}: {exc}"
        files = {k: v for k, v in files.items() if (out / v).is_file()}
        return replace(outcome, files=files, error=reason)
    return replace(outcome, files=files)


def _write_hits(path: Path, result, fmt: str, new: set[str], *, raw: bool) -> None:
    """NAME.json (as `query --json`) or NAME.csv, each hit with its `new` mark."""
    with _replacing(path) as fh:
        writer = HitWriter(fh, fmt, raw=raw, extra_columns=("new",))
        writer.begin(result)
        for hit in result.hits:
            flag = hit.id in new
            writer.hit(hit, {"new": flag if fmt == "json" else str(flag).lower()})
        writer.end(result)


@contextmanager
def _replacing(path: Path):
    """A file opened for writing that replaces `path` whole once written (a reader never
    sees half of it), or not at all."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_text(path: Path, text: str) -> None:
    with _replacing(path) as fh:
        fh.write(text)


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _write_pages(env, summary: BatchSummary, searches_name: str) -> None:
    """summary.json, and with HTML the digest page linking every search's files."""
    out = summary.out_dir
    try:
        summary.summary_file = out / "summary.json"
        _write_text(summary.summary_file, _json(summary.to_dict()))
        if env is None:
            return
        (out / "assets").mkdir(exist_ok=True)
        _write_text(out / "assets" / "report.css", env.loader.get_source(env, "report.css")[0])
        page = env.get_template("batch.html").render(digest_view(summary, searches_name))
        _write_text(out / "index.html", page)
        summary.index_page = out / "index.html"
    except OSError as exc:
        raise SearchkitError(f"cannot write into {str(out)!r}: {exc}") from exc
