"""The index on disk: column segments (ours) beside the stored articles (whoosh).

    with IndexWriter("index") as w:       # the write side (writer.py)
        w.add(rows.from_article(article, extraction))
    snapshot = open_snapshot("index")     # the read side (snapshot.py): never writes

Modules: `analysis` (text -> terms), `rows` (one typed encoding of an article),
`columns` (segment files), `whoosh_store` (the only code touching whoosh internals),
`layout` (folders, lock, manifests), `snapshot`, `writer`, `check` (check and repair).
"""
from __future__ import annotations

import os
from pathlib import Path

from ..models import SearchkitError
from . import layout
from .layout import DamagedIndex
from .snapshot import Snapshot
from .whoosh_store import StoredArticles
from .writer import IndexWriter

__all__ = ["DamagedIndex", "IndexWriter", "Snapshot", "index_exists", "open_snapshot",
           "state_of"]

_ATTEMPTS = 3


def index_exists(index_dir: str | Path) -> bool:
    """True when `index_dir` holds a searchkit index (of any format)."""
    path = Path(index_dir)
    return (path / layout.CURRENT).exists() or layout.is_legacy(path)


def state_of(index_dir: str | Path) -> tuple[Path | None, int]:
    """What a reader compares to notice a commit: the store CURRENT names and the time its
    folder last changed (every commit adds files to it). Two stats when CURRENT is the
    file read last time (a switch replaces it, a new inode), so a long-lived Index can
    look before every query (reading CURRENT every time was ~5% of a faceted query)."""
    path = os.fspath(index_dir)
    current = os.path.join(path, layout.CURRENT)
    try:
        st = os.stat(current)
        mark = (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)
    except OSError:
        mark = None
    known = _STORE_NAMED.get(current)
    if mark is not None and known is not None and known[0] == mark:
        store = known[1]
    else:
        store = layout.current_store(Path(path))
        _STORE_NAMED[current] = (mark, store)
    try:
        return store, (os.stat(store).st_mtime_ns if store is not None else -1)
    except OSError:
        return store, -1


#: CURRENT's path -> (its stat when read, the store it named).
_STORE_NAMED: dict[str, tuple[tuple | None, Path | None]] = {}


def open_snapshot(index_dir: str | Path) -> Snapshot:
    """The newest complete generation of the index, for reading.

    Raises SearchkitError naming the command to run when there is no index, when it was
    written by an older searchkit, or when its files are damaged.
    """
    path = Path(index_dir)
    if layout.is_legacy(path):
        raise SearchkitError(
            f"the index at {path} was written by an older searchkit: convert it with "
            f"`searchkit check --repair --index {path}` (no NLP needed) or rebuild it with "
            "`searchkit index PATH... --rebuild`")
    for attempt in range(_ATTEMPTS):
        store = layout.current_store(path)
        if store is None:
            raise SearchkitError(
                f"no index at {path}: build one with `searchkit index PATH... --index {path}` "
                "(for the demo corpus: `searchkit index seeds/`)")
        try:
            return _open(path, store)
        except (FileNotFoundError, _Moved):
            if attempt == _ATTEMPTS - 1:
                raise
            continue  # a writer switched or swept what we were opening: look again
    raise AssertionError("unreachable")


class _Moved(Exception):
    pass


def _open(path: Path, store: Path) -> Snapshot:
    if layout.store_format(store) != layout.FORMAT:
        raise DamagedIndex(path, [f"{store / layout.FORMAT_FILE}: missing or not format {layout.FORMAT}"])
    if not StoredArticles.exists(store):
        raise DamagedIndex(path, [f"{store}: the stored articles are missing"])
    articles = StoredArticles(store)
    generation = articles.generation()
    manifest = layout.read_manifest(store, generation)
    if manifest is None:
        if layout.current_store(path) != store:
            raise _Moved()
        raise DamagedIndex(path, [f"{layout.manifest_path(store, generation)}: missing"])
    snapshot = Snapshot(path, store, articles, generation, manifest)
    problems = snapshot.problems()
    if problems:
        raise DamagedIndex(path, problems)
    snapshot.load_all()
    return snapshot
