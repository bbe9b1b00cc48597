"""The write side of the store: rows in, one generation per commit, merges as segments grow.

    with IndexWriter("index") as w:           # takes the lock before touching anything
        known = w.hashes(["a1", "a2"])         # stored content hash of ids the index holds
        w.add(row); w.delete(["old-id"])
    # leaving the block commits; an exception (or a kill) leaves the last commit intact

A commit writes the new rows as one segment, marks replaced and deleted rows in new
deletion masks, merges segments when `MERGE_FACTOR` of them share a size tier (so a commit
costs what it adds, and merging stays logarithmic), writes the manifest of the next
generation, and lets whoosh commit the stored articles of that generation (layout.py).
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Iterable

import numpy as np

from ..models import SearchkitError
from . import columns, layout
from .rows import Row
from .snapshot import Snapshot
from .tiers import plan_merge, plan_session_merge
from .whoosh_store import StoredArticles

#: Rows buffered before they are committed as a segment, and the term count that also
#: triggers a commit (memory stays bounded by the batch, not the corpus).
FLUSH_ROWS = 5_000
FLUSH_TERMS = 1_000_000


class IndexWriter:
    """The one writer of an index folder (see the module docstring)."""

    def __init__(self, index_dir: str | Path, *, rebuild: bool = False, tables=None):
        """`tables` is the hook for index-level tables kept per generation (entities,
        boilerplate, duplicates: resolve/state.py); the store knows only its interface:
        open(store, manifest, snapshot), extra_columns(arrays, rows, removed_ids),
        commit(rows, removed_docs, generation, final=...) -> (manifest fields, files),
        pending() -> bool, advance(manifest, snapshot) after a commit, reset() after a
        failed one."""
        self.index_dir = Path(index_dir)
        self.tables = tables
        self._new_folder = not self.index_dir.exists()
        self._created = False  # this session made the index (undone if it fails unwritten)
        self._lock = layout.write_lock(self.index_dir)
        try:
            self._lock.__enter__()
        except OSError as exc:
            raise SearchkitError(layout.os_error_message(exc, self.index_dir)) from None
        try:
            self._open(rebuild)
        except OSError as exc:
            self._lock.__exit__(None, None, None)
            raise SearchkitError(layout.os_error_message(exc, self.index_dir)
                                 + "; the index is unchanged") from None
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        self._rows: list[Row] = []
        self._terms = 0
        self._deletes: set[str] = set()
        self._touched = False
        self._closing = False  # the session's last commit writes the tables
        self._session_segments: set[str] = set()  # segments this session wrote
        self.commits = 0

    # ------------------------------------------------------------ opening

    def _open(self, rebuild: bool) -> None:
        self.rebuilding = rebuild
        self._snapshot = None
        current = layout.current_store(self.index_dir)
        if not rebuild and current is None and layout.is_legacy(self.index_dir):
            raise SearchkitError(
                f"the index at {self.index_dir} was written by an older searchkit: convert it "
                f"with `searchkit check --repair --index {self.index_dir}` (no NLP needed) or "
                "start over with `searchkit index PATH... --rebuild`")
        if rebuild or current is None:
            self.store = layout.new_store(self.index_dir)
            self.articles = StoredArticles(self.store, create=True)
            self._manifest = {"format": layout.FORMAT, "segments": []}
            layout.write_manifest(self.store, self.articles.generation(), self._manifest)
            if current is None and not rebuild:
                layout.sweep_stores(self.index_dir, keep=self.store)  # an abandoned first build
                layout.switch_current(self.index_dir, self.store)  # an empty index is an index
                self._created = True
            self._open_tables()
            return
        self.store = current
        layout.sweep_stores(self.index_dir, keep=current)  # an abandoned rebuild
        self.articles = StoredArticles(current)
        manifest = layout.read_manifest(current, self.articles.generation())
        if manifest is None:
            raise layout.DamagedIndex(self.index_dir, [
                f"{layout.manifest_path(current, self.articles.generation())}: missing"])
        self._manifest = manifest
        problems = self.snapshot().problems()
        if problems:
            raise layout.DamagedIndex(self.index_dir, problems)
        layout.sweep(current, self._referenced())  # leftovers of a killed run
        self._open_tables()

    def _open_tables(self) -> None:
        if self.tables is not None:
            self.tables.open(self.store, self._manifest, self.snapshot())

    def snapshot(self) -> Snapshot:
        """The index as committed so far (what `hashes` and deletions look at)."""
        if self._snapshot is None:
            self._snapshot = Snapshot(self.index_dir, self.store, self.articles,
                                      self.articles.generation(), self._manifest)
        return self._snapshot

    # ------------------------------------------------------------ the public API

    def hashes(self, ids: list[str]) -> dict[str, str]:
        """Stored content hash of each of `ids` that the index holds (committed rows)."""
        snapshot = self.snapshot()
        found = snapshot.find(ids)
        return {i: snapshot.hash_of(int(d)) for i, d in zip(ids, found) if d >= 0}

    def add(self, row: Row) -> None:
        """Add (or replace, by id) one article; commits by itself when the buffer is full."""
        self._rows.append(row)
        self._terms += len(row.text_terms) + len(row.title_terms)
        if len(self._rows) >= FLUSH_ROWS or self._terms >= FLUSH_TERMS:
            self.commit()

    def delete(self, ids: Iterable[str]) -> list[str]:
        """Delete articles by id at the next commit; returns the ids the index holds."""
        ids = list(dict.fromkeys(ids))
        found = self.snapshot().find(ids)
        held = [i for i, d in zip(ids, found) if d >= 0]
        self._deletes.update(held)
        return held

    def origins(self) -> dict[str, list[str]]:
        """Live article ids by the file they were read from (for --prune)."""
        snapshot = self.snapshot()
        view = snapshot.list_view("origins")
        live = snapshot.live[view.docs]
        paths = view.strings()
        out: dict[str, list[str]] = {}
        for doc, value in zip(view.docs[live], view.values[live]):
            out.setdefault(paths[value], []).append(snapshot.id_of(int(doc)))
        return out

    def touch(self) -> None:
        """Commit a generation at the next commit even without rows (the tables changed)."""
        self._touched = True

    def commit(self) -> None:
        """Write what is buffered as the next generation (nothing happens when empty)."""
        if not self._rows and not self._deletes and not self._touched:
            return
        rows, deletes = self._dedup_rows(), set(self._deletes)
        self._rows = []  # the commit holds the batch now, and frees it as soon as it can
        try:
            self._commit(rows, deletes)
        except OSError as exc:
            raise SearchkitError(layout.os_error_message(exc, self.index_dir)
                                 + "; the index is unchanged") from None
        self._rows, self._terms, self._deletes, self._touched = [], 0, set(), False
        self.commits += 1

    def close(self, *, ok: bool = True) -> None:
        """Commit (when `ok`), finish a rebuild by switching to the new store, unlock."""
        try:
            if ok:
                self._closing = True
                if self.tables is not None and self.tables.pending():
                    self.touch()  # what the tables held back for the session's last commit
                if self._session_merge(self._manifest["segments"]):
                    self.touch()  # the session's segments merge into one
                self.commit()
                if self.rebuilding:
                    try:
                        layout.switch_current(self.index_dir, self.store)
                    except OSError as exc:
                        layout.remove(self.store)
                        raise SearchkitError(layout.os_error_message(exc, self.index_dir)
                                             + "; the index is unchanged") from None
                    layout.sweep_stores(self.index_dir, keep=self.store)
                    _remove_legacy(self.index_dir)
            elif self.rebuilding:
                layout.remove(self.store)
            elif self._created and not self.commits:
                # A first run that failed before writing anything (a bad rule file, a
                # missing input) leaves no empty index behind to be mistaken for one.
                layout.remove(self.index_dir / layout.CURRENT)
                layout.remove(self.store)
        finally:
            self.articles.close()
            self._lock.__exit__(None, None, None)
            if not ok and self._created and not self.commits and self._new_folder:
                layout.remove(self.index_dir / layout.LOCK)
                try:
                    self.index_dir.rmdir()
                except OSError:
                    pass  # something else was put there meanwhile: leave the folder

    def __enter__(self) -> "IndexWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(ok=exc_type is None)

    # ------------------------------------------------------------ one commit

    def _dedup_rows(self) -> list[Row]:
        """The last row of each id (a later add replaces an earlier one of the same run)."""
        by_id = {row.id: row for row in self._rows}
        return list(by_id.values())

    def _commit(self, rows: list[Row], deletes: set[str]) -> None:
        stored = self.articles.writer()
        generation = stored.next_generation
        written: list[Path] = []
        snapshot = self.snapshot()
        gone = list(deletes | {r.id for r in rows})
        removed = [int(d) for d in snapshot.find(gone) if d >= 0]
        removed_ids = [snapshot.id_of(d) for d in removed]
        try:
            entries = self._with_deletions(rows, deletes, generation, written)
            if rows:
                arrays = columns.segment_arrays(rows)
                if self.tables is not None:
                    arrays.update(self.tables.extra_columns(arrays, rows, removed_ids))
                entries.append(self._write_segment(arrays, written))
                del arrays
            fields: dict = {}
            if self.tables is not None:
                fields, files = self.tables.commit(rows, removed, generation, final=self._closing)
                written += files
            for article_id in sorted(removed_ids):
                stored.delete(article_id)
            for row in rows:
                stored.add(row.id, dict(row.payload))
            rows.clear()  # the batch's Python objects go before the merges need memory
            entries = self._merged(entries, generation, written)
            manifest = {"format": layout.FORMAT, "segments": entries,
                        "written": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                        **fields}
            written.append(layout.write_manifest(self.store, generation, manifest))
            stored.commit()  # the commit point: generation g is now the index
        except BaseException:
            stored.cancel()
            for path in written:
                layout.remove(path)
            if self.tables is not None:
                self.tables.reset()
            raise
        self._record_whoosh_sizes(stored.next_generation)
        self._manifest = manifest
        self._snapshot = None
        if self.tables is not None:
            self.tables.advance(manifest, self.snapshot())
        layout.sweep(self.store, self._referenced())

    def _record_whoosh_sizes(self, generation: int) -> None:
        """Note whoosh's file sizes so that a truncated file is noticed on open (best
        effort: without the note, only `check` finds such damage)."""
        try:
            layout.write_atomically(self.store / layout.WHOOSH_SIZES.format(generation),
                                    json.dumps(self.articles.files()))
        except OSError:
            pass

    def _with_deletions(self, rows, deletes, generation, written) -> list[dict]:
        """The current segments with replaced and deleted rows marked in new masks."""
        snapshot = self.snapshot()
        gone = list(deletes | {r.id for r in rows})
        keys = columns.encode(gone) if gone else None
        entries = []
        for i, (entry, segment) in enumerate(zip(self._manifest["segments"], snapshot.segments)):
            entry = dict(entry)
            if keys is not None:
                found = segment.lookup(keys)
                found = found[found >= 0]
                deleted = snapshot.deleted_mask(i)
                if len(found) and not deleted[found].all():
                    deleted = deleted.copy()
                    deleted[found] = True
                    name = f"{layout.DELETIONS_PREFIX}{segment.folder.name}-{generation}.npy"
                    np.save(self.store / name, deleted, allow_pickle=False)
                    written.append(self.store / name)
                    entry.update(deleted=name, deleted_count=int(deleted.sum()))
            entries.append(entry)
        return entries

    def _write_segment(self, parts: dict[str, np.ndarray] | Iterable[dict[str, np.ndarray]],
                       written: list[Path]) -> dict:
        """Write a new segment from its arrays (one dict, or parts made one after another)."""
        folder = layout.new_segment_dir(self.store)
        written.append(folder)
        counted = {"docs": 0, "tokens": 0}

        def counting(parts):
            for arrays in [parts] if isinstance(parts, dict) else parts:
                if "ids" in arrays:
                    counted["docs"] = int(len(arrays["ids"]))
                counted["tokens"] += sum(int(len(arrays[f"{f}.values"])) for f in columns.TEXT_FIELDS
                                         if f"{f}.values" in arrays)
                yield arrays

        files = columns.write_segment(folder, counting(parts))
        self._session_segments.add(folder.name)
        return {"name": folder.name, "docs": counted["docs"], "files": files,
                "deleted": None, "deleted_count": 0, "tokens": counted["tokens"]}

    def _merged(self, entries: list[dict], generation: int, written: list[Path]) -> list[dict]:
        """Merge segments while the policy asks for it (see `plan_merge`), and at the
        session's last commit the segments it wrote (`plan_session_merge`)."""
        while True:
            group = plan_merge(_sizes(entries))
            if not group and self._closing:
                group = self._session_merge(entries)
            if not group:
                return entries
            manifest = {"segments": [entries[i] for i in group]}
            snapshot = Snapshot(self.index_dir, self.store, self.articles, generation, manifest)
            keeps = [~snapshot.deleted_mask(i) for i in range(len(group))]
            merged = self._write_segment(columns.merge_columns(snapshot.segments, keeps), written)
            entries = [e for i, e in enumerate(entries) if i not in group]
            entries.insert(group[0], merged)

    def _session_merge(self, entries: list[dict]) -> list[int]:
        mine = [i for i, e in enumerate(entries) if e["name"] in self._session_segments]
        return plan_session_merge(_sizes(entries), mine)

    def _referenced(self) -> set[str]:
        generation = self.articles.generation()
        names = {layout.MANIFEST.format(generation), layout.WHOOSH_SIZES.format(generation)}
        names.update(v for k, v in self._manifest.items() if k in layout.TABLE_FIELDS and v)
        for entry in self._manifest["segments"]:
            names.add(entry["name"])
            if entry.get("deleted"):
                names.add(entry["deleted"])
        return names


def _sizes(entries: list[dict]) -> list[tuple[int, int, int]]:
    """(rows, deleted rows, tokens) of each segment entry, as the merge policies take them."""
    return [(e["docs"], e.get("deleted_count", 0), e.get("tokens", 0)) for e in entries]


def _remove_legacy(index_dir: Path) -> None:
    """After a rebuild over a format-2 index: its whoosh files and arrays go."""
    for child in index_dir.iterdir():
        legacy = child.name.startswith(("_searchkit_", "searchkit_", "arrays_")) or \
            child.suffix == ".seg" or child.name == layout.LEGACY_MARK
        if legacy:
            layout.remove(child)
