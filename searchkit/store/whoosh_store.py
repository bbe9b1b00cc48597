"""whoosh, for what whoosh is good at here: the stored articles, and parsing queries.

This is the only module that touches whoosh's index internals. The stored index holds one
document per article: its id (indexed, unique) and the payload of `rows.payload()`. Terms,
positions and facet values live in our column files (columns.py): they are written from the
same Row, three times faster than whoosh's posting writer (benchmarks/README.md), and give
the query path numpy arrays. whoosh's commit is the commit point of a generation: our
manifest for generation g is written just before whoosh commits g (layout.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.analysis import StemmingAnalyzer
from whoosh.reading import SegmentReader
from whoosh.writing import LockError

from ..models import SearchkitError
from .tiers import whoosh_merge_policy

INDEX_NAME = "articles"


def stored_schema() -> fields.Schema:
    return fields.Schema(id=fields.ID(stored=True, unique=True), payload=fields.STORED())


def parser_schema(facet_fields: Iterable[str]) -> fields.Schema:
    """The schema the query parser reads: title and text analysed as the index analyses
    them (store/analysis.py), and one whole-value field per facet prefix (person:, ...)."""
    schema = fields.Schema(
        title=fields.TEXT(analyzer=StemmingAnalyzer()),
        text=fields.TEXT(analyzer=StemmingAnalyzer(), phrase=True),
        id=fields.ID(),
        date=fields.ID(),
    )
    for name in facet_fields:
        if name not in schema:
            schema.add(name, fields.ID())
    return schema


class StoredArticles:
    """The whoosh index of stored articles inside one store folder."""

    def __init__(self, store: Path, *, create: bool = False):
        self.store = store
        try:
            if create:
                self._ix = whoosh_index.create_in(str(store), stored_schema(), indexname=INDEX_NAME)
            else:
                self._ix = whoosh_index.open_dir(str(store), indexname=INDEX_NAME)
        except Exception as exc:  # noqa: BLE001 - a damaged TOC raises anything (pickle, EOF, ...)
            raise SearchkitError(
                f"the stored articles in {store} cannot be opened ({type(exc).__name__}: {exc}); "
                f"`searchkit check --index {store.parent}` names what is damaged, and if "
                "`searchkit check --repair` cannot restore it, rebuild from your files with "
                "`searchkit index PATH... --rebuild`") from None
        self._searcher = None

    @staticmethod
    def exists(store: Path) -> bool:
        return whoosh_index.exists_in(str(store), indexname=INDEX_NAME)

    def generation(self) -> int:
        return self._ix.latest_generation()

    def get(self, article_id: str) -> dict[str, Any] | None:
        """The stored payload of an article, or None when the id is not stored (read from
        the generation this object first read: a snapshot's articles do not change)."""
        searcher = self._current_searcher()
        docnum = searcher.document_number(id=article_id)
        return None if docnum is None else searcher.stored_fields(docnum)["payload"]

    def salvage(self) -> tuple[list[tuple[str, Any]], list[str]]:
        """Every stored article that can be read and found by its id, and a problem naming
        the files of each whoosh segment that cannot (the other segments are still read)."""
        found, problems = [], []
        toc = self._ix._read_toc()
        for segment in toc.segments:
            files = self._segment_files(segment.segment_id())
            try:
                reader = SegmentReader(self._ix.storage, toc.schema, segment)
                try:
                    found += list(_stored(reader))
                finally:
                    reader.close()
            except Exception as exc:  # noqa: BLE001 - whoosh raises anything on damage
                problems.append(f"{', '.join(str(self.store / f) for f in files)}: "
                                f"unreadable ({type(exc).__name__}: {exc})")
        return found, problems

    def files(self) -> dict[str, int]:
        """whoosh's files of the current generation with their sizes."""
        toc = self._ix._read_toc()
        names = {f"_{INDEX_NAME}_{toc.generation}.toc"}
        for segment in toc.segments:
            names.update(self._segment_files(segment.segment_id()))
        return {n: self._ix.storage.file_length(n) for n in sorted(names)}

    def _segment_files(self, segment_id: str) -> list[str]:
        return sorted(n for n in self._ix.storage.list() if n.startswith(segment_id))

    def writer(self) -> "StoredWriter":
        return StoredWriter(self._ix)

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def _current_searcher(self):
        if self._searcher is None:
            self._searcher = self._ix.searcher()
        return self._searcher


def _stored(reader):
    """(id, payload) of a segment's live articles, each checked to be found by its id."""
    for docnum in reader.all_doc_ids():
        stored = reader.stored_fields(docnum)
        if reader.first_id("id", stored["id"]) != docnum:
            raise ValueError(f"article {stored['id']!r} is not found by its id")
        yield stored["id"], stored["payload"]


class StoredWriter:
    """Adds and deletes stored articles; `next_generation` is what `commit()` will make."""

    def __init__(self, ix):
        try:
            # Separate files, not a compound one: a reader opens only what it reads.
            self._writer = ix.writer(limitmb=64, compound=False)
        except LockError:
            raise SearchkitError("the stored articles are locked by another writer") from None
        self.next_generation = self._writer.generation

    def add(self, article_id: str, payload: dict[str, Any]) -> None:
        self._writer.add_document(id=article_id, payload=payload)

    def delete(self, article_id: str) -> None:
        self._writer.delete_by_term("id", article_id)

    def commit(self) -> None:
        self._writer.commit(mergetype=whoosh_merge_policy)

    def cancel(self) -> None:
        """Abandon the write and remove the files whoosh had opened for its new segment
        (its cancel closes them but leaves them for the next writer to sweep)."""
        storage, prefix = self._writer.storage, self._writer.newsegment.segment_id()
        try:
            self._writer.cancel()
        except Exception:  # noqa: BLE001 - cancelling after a failed write must not mask it
            pass
        for name in [n for n in storage.list() if n.startswith(prefix)]:
            try:
                storage.delete_file(name)
            except OSError:
                pass  # the next writer sweeps it
