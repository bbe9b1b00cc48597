"""The indexing run: sources -> extract -> rows -> store, streamed in bounded batches.

`iter_build()` is the generator the CLI draws progress from; `index_paths()` runs it to the
end and returns the summary. Articles are read, checked against the index, extracted and
written as a stream: memory is bounded by the writer's batch (store/writer.py), not by the
corpus, and each full batch is committed, so a run that is killed keeps what it committed.
"""
from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .models import Article, SearchkitError, one_or_many
from .resolve.boilerplate import blank
from .resolve.state import IndexTables
from .sources import Notice, Skipped, read_articles
from .store import IndexWriter, layout, rows

#: Articles between two progress reports.
BATCH_SIZE = 64
#: Articles whose stored hashes are looked up together.
LOOKUP_CHUNK = 512
#: Entity edits (searchkit entities merge ...) of an index built without --aliases.
EDITS_FILE = "aliases.json"
#: With workers="auto", runs extracting fewer articles than this stay in one process
#: (starting worker processes costs seconds that a small run does not win back).
AUTO_MIN_ARTICLES = 256


@dataclass
class BuildSummary:
    """What an indexing run did: counts, the skipped inputs with reasons, and its wall time."""

    indexed: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    notices: list[Notice] = field(default_factory=list)  # warnings of the readers

    def line(self) -> str:
        """One-line summary for the end of a run."""
        text = f"indexed {self.indexed}, unchanged {self.unchanged}, skipped {len(self.skipped)}"
        if self.deleted:
            text += f", pruned {self.deleted}"
        return f"{text} in {self.seconds:.1f} s"


@dataclass(frozen=True)
class Progress:
    """Emitted as the run goes: articles indexed and read so far (the total of a stream
    is known only at its end, when `finished` is true)."""

    done: int
    read: int
    summary: BuildSummary
    finished: bool = False


def iter_build(paths: Iterable[str], *, index_dir: str | Path = "index", extract: bool = True,
               workers: int | str = 1, rebuild: bool = False, aliases: str | Path | None = None,
               events: Iterable[str | Path] = (), dask: str | None = None, prune: bool = False,
               stdin=None) -> Iterator[Progress]:
    """Index the articles under `paths`, yielding a Progress every BATCH_SIZE articles.

    Articles whose content hash is already in the index are counted as unchanged and not
    re-extracted (the hash covers searchkit's extraction rules and model, and the user's
    alias and event files: a change to any of them extracts the articles again). Bad records are
    collected in `summary.skipped` and never stop the run. `prune` deletes the articles
    read earlier from files under `paths` that no longer exist. Extraction runs in
    `workers` processes, or on the dask.distributed cluster at `dask` ("tcp://host:8786").
    """
    started = time.perf_counter()
    paths = [str(p) for p in one_or_many(paths)]
    summary = BuildSummary()
    events = tuple(one_or_many(events))
    rules = rules_fingerprint(aliases, events) if extract else ""
    seen: dict[str, str] = {}
    tables = index_tables(index_dir, aliases)
    with IndexWriter(index_dir, rebuild=rebuild, tables=tables) as writer:
        if not rebuild and tables.outdated():  # a new searchkit's rules apply to what is there
            writer.touch()
        if extract and stdin is None:
            # A first pass counts repeated passages, so that boilerplate is blanked even in
            # the first articles of a source (it costs a read, far less than the NLP).
            tables.observe_boilerplate(a for a in read_articles(paths, notices=True)
                                       if isinstance(a, Article))
        articles = _unique(read_articles(paths, stdin=stdin, notices=True), summary, seen)
        todo = _changed(articles, writer, summary, extract=extract, rules=rules)
        pairs = _extracted(todo, extract=extract, workers=workers, aliases=aliases,
                           events=events, dask=dask, tables=tables)
        for article, extraction in pairs:
            writer.add(rows.from_article(article, extraction, extract=extract, rules=rules))
            summary.indexed += 1
            if summary.indexed % BATCH_SIZE == 0:
                yield Progress(summary.indexed, len(seen), summary)
        if prune:
            summary.deleted = len(writer.delete(_gone(writer, paths, seen)))
    summary.seconds = time.perf_counter() - started
    yield Progress(summary.indexed, len(seen), summary, finished=True)


def index_paths(paths: Iterable[str], *, index_dir: str | Path = "index", extract: bool = True,
                workers: int | str = 1, rebuild: bool = False, aliases: str | Path | None = None,
                events: Iterable[str | Path] = (), dask: str | None = None, prune: bool = False,
                stdin=None) -> BuildSummary:
    """Index the articles under `paths` and return the BuildSummary.

    >>> index_paths(["seeds/"], index_dir="index").indexed   # doctest: +SKIP
    1
    """
    progress = None
    for progress in iter_build(paths, index_dir=index_dir, extract=extract, workers=workers,
                               rebuild=rebuild, aliases=aliases, events=events, dask=dask,
                               prune=prune, stdin=stdin):
        pass
    return progress.summary


def delete_articles(ids: Iterable[str], *, index_dir: str | Path = "index") -> list[str]:
    """Delete articles by id; returns the ids that were in the index.

    >>> delete_articles(["a1"], index_dir="index")   # doctest: +SKIP
    ['a1']
    """
    if layout.current_store(Path(index_dir)) is None and not layout.is_legacy(Path(index_dir)):
        raise SearchkitError(f"no index at {index_dir}: nothing to delete")
    with IndexWriter(index_dir, tables=index_tables(index_dir)) as writer:
        return writer.delete(one_or_many(ids))


def index_tables(index_dir: str | Path, aliases: str | Path | None = None) -> IndexTables:
    """The index-level tables a writer keeps: the user's alias file (if any) and the file
    their entity edits are recorded in (that alias file, else the index folder's
    aliases.json; edits recorded in the index folder's file hold under both)."""
    in_index = Path(index_dir) / EDITS_FILE
    return IndexTables(aliases=aliases, edits_file=aliases or in_index, earlier_edits=in_index)


def edit_entities(op: str, names: Iterable[str], *, index_dir: str | Path = "index",
                  aliases: str | Path | None = None) -> Path:
    """Record an entity edit (merge A B, split A, rename A NEW, not-a-name A) in the user's
    alias file (`aliases`, else the index folder's aliases.json) and re-resolve the index's
    entities with it: no article is read again and spaCy does not run. Returns the file.

    >>> edit_entities("merge", ["Zelenskyy", "Volodymyr Zelenskyy"], index_dir="index")  # doctest: +SKIP
    """
    from .resolve.edits import read_edits, write_edit

    names = list(names)
    tables = index_tables(index_dir, aliases)
    edits_file = Path(tables.edits_file)
    with IndexWriter(index_dir, tables=tables) as writer:
        table = tables.entities
        names_to_check = names[:1] if op == "rename" else names
        unknown = [n for n in names_to_check if not table.match(None, n)]
        if unknown:
            hints = [e.value for e in table.closest(None, unknown[0], n=3)]
            hint = f"; did you mean {', '.join(repr(h) for h in hints)}?" if hints else ""
            raise SearchkitError(f"no name {unknown[0]!r} in the index's entities{hint}", exit_code=2)
        before = read_edits(edits_file)
        write_edit(edits_file, op, *names)
        try:
            tables.reresolve()
            writer.touch()
        except BaseException:
            _restore_edits(edits_file, before)
            raise
    return edits_file


def _restore_edits(path: Path, edits) -> None:
    """Put the edits section back as it was (the re-resolution failed)."""
    from .resolve.edits import SECTION_EDITS

    data = json.loads(path.read_text(encoding="utf-8"))
    data[SECTION_EDITS] = edits.to_dict()
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def repair(index_dir: str | Path = "index"):
    """`check --repair`: rebuild the index from its stored articles (no NLP), with its
    index-level tables made anew."""
    from .store.check import repair_index

    return repair_index(index_dir, tables=index_tables(index_dir))


def _unique(items, summary: BuildSummary, seen: dict[str, str]) -> Iterator[Article]:
    """Articles of the stream; a repeated id is skipped (the first one wins) with a reason.

    Only ids and origins are remembered, so memory grows with the number of articles, not
    their text."""
    for item in items:
        if isinstance(item, Notice):
            summary.notices.append(item)
        elif isinstance(item, Skipped):
            summary.skipped.append(item)
        elif item.id in seen:
            summary.skipped.append(
                Skipped(item.origin, f"duplicate id {item.id!r} (first at {seen[item.id]})"))
        else:
            seen[item.id] = item.origin
            yield item


def _changed(articles: Iterator[Article], writer: IndexWriter, summary: BuildSummary, *,
             extract: bool, rules: str) -> Iterator[Article]:
    """The articles the index does not hold with the same content hash."""
    while chunk := list(itertools.islice(articles, LOOKUP_CHUNK)):
        known = writer.hashes([a.id for a in chunk])
        for article in chunk:
            if known.get(article.id) == rows.content_hash(article, extract, rules):
                summary.unchanged += 1
            else:
                yield article


def _gone(writer: IndexWriter, paths: list[str], seen: dict[str, str]) -> list[str]:
    """Ids of articles read earlier from files under `paths` that no longer exist, and not
    read again in this run (from another file)."""
    roots = [os.path.abspath(p) for p in paths if p != "-"]
    gone = []
    for origin, ids in writer.origins().items():
        inside = any(origin == root or origin.startswith(root.rstrip(os.sep) + os.sep) for root in roots)
        if inside and not os.path.exists(origin):
            gone.extend(i for i in ids if i not in seen)
    return gone


def rules_fingerprint(aliases: str | Path | None, events: Iterable[str | Path]) -> str:
    """A hash of what decides an extraction besides the article: searchkit's own rules and
    model (`extraction_digest`) and the user's alias and event files. The alias file's
    entity edits are left out: they change the entities table, not what extraction finds,
    so editing them re-resolves without re-running spaCy."""
    from .extraction.version import extraction_digest

    files = [Path(p) for p in ([aliases] if aliases else []) + list(events)]
    digest = hashlib.sha256(extraction_digest().encode())
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SearchkitError(f"{path}: cannot read ({exc.strerror})") from None
        digest.update(_without_edits(data) if path == (Path(aliases) if aliases else None) else data)
    return digest.hexdigest()[:16]


def _without_edits(data: bytes) -> bytes:
    from .resolve.edits import SECTION_EDITS

    try:
        parsed = json.loads(data)
    except ValueError:
        return data  # the alias loader reports the file's problem
    if isinstance(parsed, dict):
        parsed.pop(SECTION_EDITS, None)
    return json.dumps(parsed, sort_keys=True).encode()


def resolve_workers(workers: int | str) -> int | str:
    """A --workers value: a number of processes, or "auto" (one per core, see _extracted)."""
    if str(workers).lower() == "auto":
        return "auto"
    try:
        count = int(workers)
    except ValueError:
        raise SearchkitError(f"--workers must be a number or auto, not {workers!r}",
                             exit_code=2) from None
    if not 1 <= count <= 256:
        raise SearchkitError("--workers must be between 1 and 256", exit_code=2)
    return count


def _extracted(articles: Iterator[Article], *, extract: bool, workers: int | str, aliases,
               events, dask: str | None, tables: IndexTables):
    """Pair each article with its Extraction (None when extraction is off), streaming.

    Extraction reads each text with its boilerplate blanked out (same length, so offsets
    still point into the article's own text), and the pair keeps the original article."""
    if not extract:
        return ((article, None) for article in articles)
    originals: dict[int, Article] = {}

    def blanked():
        for n, article in enumerate(articles):
            originals[n] = article
            text = blank(article.text, tables.boilerplate_spans(article))
            yield dataclasses.replace(article, text=text, id=str(n))

    if dask:
        from .extraction.cluster import extract_on_cluster

        found = extract_on_cluster(blanked(), dask, aliases=aliases, events=events)
    else:
        from .extraction import extract_articles  # spaCy loads only when extraction runs

        stream = blanked()
        if workers == "auto":
            head = list(itertools.islice(stream, AUTO_MIN_ARTICLES))
            workers = (os.cpu_count() or 1) if len(head) == AUTO_MIN_ARTICLES else 1
            stream = itertools.chain(head, stream)
        found = extract_articles(stream, aliases=aliases, events=events,
                                 batch_size=BATCH_SIZE // 2, n_process=workers)
    return ((originals.pop(int(seen.id)), extraction) for seen, extraction in found)
