"""The indexing run: sources -> extract -> schema -> index, in batches, yielding progress.

`iter_build()` is the generator the CLI draws a progress bar from; `index_paths()` runs it
to the end and returns the summary.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from . import index as index_store
from .models import Article, SearchkitError
from .schema import content_hash, to_document
from .sources import Notice, Skipped, read_articles

#: Articles between two progress reports (and per extraction batch, halved).
BATCH_SIZE = 64


@dataclass
class BuildSummary:
    """What an indexing run did: counts, the skipped inputs with reasons, what reading had to
    assume (notices, such as a guessed encoding), and its wall time."""

    indexed: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    notices: list[Notice] = field(default_factory=list)

    def line(self) -> str:
        """One-line summary for the end of a run."""
        text = f"indexed {self.indexed}, unchanged {self.unchanged}, skipped {len(self.skipped)}"
        return f"{text} in {self.seconds:.1f} s"


@dataclass(frozen=True)
class Progress:
    """Emitted after each batch: how many of `total` articles to index are done."""

    done: int
    total: int
    summary: BuildSummary


def iter_build(paths: Iterable[str], *, index_dir: str | Path = "index", extract: bool = True,
               workers: int = 1, rebuild: bool = False, aliases: str | Path | None = None,
               events: Iterable[str | Path] = (), dask: str | None = None,
               stdin=None) -> Iterator[Progress]:
    """Index the articles under `paths`, yielding a Progress after every batch.

    Extraction runs here in `workers` processes, or on the dask.distributed cluster whose
    scheduler is at `dask` ("tcp://host:8786").

    Articles whose content hash is already in the index are counted as unchanged and not
    re-extracted (the hash covers the user's alias and event files too). Bad records are
    collected in `summary.skipped` and never stop the run.
    """
    started = time.perf_counter()
    summary = BuildSummary()
    events = tuple(events)
    rules = rules_fingerprint(aliases, events) if extract else ""
    articles = _read_unique(paths, summary, stdin=stdin)
    ix = index_store.open_for_writing(index_dir, rebuild=rebuild)
    known = index_store.stored_hashes(ix)
    todo = [a for a in articles if known.get(a.id) != content_hash(a, extract, rules)]
    summary.unchanged = len(articles) - len(todo)
    yield Progress(0, len(todo), summary)
    if todo:
        with index_store.writer(ix) as writer:
            extracted = _extracted(todo, extract=extract, workers=workers, aliases=aliases,
                                   events=events, dask=dask)
            for article, extraction in extracted:
                writer.update_document(**to_document(article, extraction, extract=extract,
                                                     rules=rules))
                summary.indexed += 1
                if summary.indexed % BATCH_SIZE == 0:
                    yield Progress(summary.indexed, len(todo), summary)
    summary.seconds = time.perf_counter() - started
    yield Progress(summary.indexed, len(todo), summary)


def index_paths(paths: Iterable[str], *, index_dir: str | Path = "index", extract: bool = True,
                workers: int = 1, rebuild: bool = False, aliases: str | Path | None = None,
                events: Iterable[str | Path] = (), dask: str | None = None,
                stdin=None) -> BuildSummary:
    """Index the articles under `paths` and return the BuildSummary.

    >>> index_paths(["seeds/"], index_dir="index").indexed   # doctest: +SKIP
    1
    """
    progress = None
    for progress in iter_build(paths, index_dir=index_dir, extract=extract, workers=workers,
                               rebuild=rebuild, aliases=aliases, events=events, dask=dask,
                               stdin=stdin):
        pass
    return progress.summary


def _read_unique(paths, summary: BuildSummary, *, stdin) -> list[Article]:
    """Read every article; a repeated id is skipped (the first one wins) with a reason."""
    seen: dict[str, str] = {}
    articles = []
    for item in read_articles(paths, stdin=stdin, notices=True):
        if isinstance(item, Notice):
            summary.notices.append(item)
        elif isinstance(item, Skipped):
            summary.skipped.append(item)
        elif item.id in seen:
            summary.skipped.append(
                Skipped(item.origin, f"duplicate id {item.id!r} (first at {seen[item.id]})")
            )
        else:
            seen[item.id] = item.origin
            articles.append(item)
    return articles


def rules_fingerprint(aliases: str | Path | None, events: Iterable[str | Path]) -> str:
    """A hash of the user's alias and event files (empty when there are none)."""
    files = [Path(p) for p in ([aliases] if aliases else []) + list(events)]
    if not files:
        return ""
    digest = hashlib.sha256()
    for path in files:
        try:
            digest.update(path.read_bytes())
        except OSError as exc:
            raise SearchkitError(f"{path}: cannot read ({exc.strerror})") from None
    return digest.hexdigest()[:16]


def _extracted(articles: list[Article], *, extract: bool, workers: int, aliases, events,
               dask: str | None):
    """Pair each article with its Extraction (None when extraction is off), streaming."""
    if not extract:
        return ((article, None) for article in articles)
    if dask:
        from .extraction.cluster import extract_on_cluster

        return extract_on_cluster(articles, dask, aliases=aliases, events=events)
    from .extraction import extract_articles  # spaCy loads only when extraction runs

    return extract_articles(articles, aliases=aliases, events=events,
                            batch_size=BATCH_SIZE // 2, n_process=workers)
