"""Every write to the index: create, open, add or update, skip unchanged, delete, locking."""
from __future__ import annotations

import json
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from whoosh import index as whoosh_index
from whoosh.writing import LockError

from .arrays import ARRAYS_PREFIX, IndexArrays
from .models import SearchkitError
from .schema import SCHEMA_VERSION, build_schema

#: Written beside whoosh's files so an index built by an older schema is recognised.
VERSION_FILE = "searchkit.json"
INDEX_NAME = "searchkit"


def index_exists(index_dir: str | Path) -> bool:
    """True when `index_dir` holds a searchkit index."""
    path = Path(index_dir)
    return path.is_dir() and whoosh_index.exists_in(str(path), indexname=INDEX_NAME)


def open_existing(index_dir: str | Path):
    """Open an index for reading; a SearchkitError that says how to build one if missing."""
    path = Path(index_dir)
    if not index_exists(path):
        raise SearchkitError(
            f"no index at {path}: build one with `searchkit index PATH... --index {path}` "
            "(for the demo corpus: `searchkit index seeds/`)"
        )
    _check_version(path)
    return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)


def open_for_writing(index_dir: str | Path, *, rebuild: bool = False):
    """Open the index at `index_dir` for writing, creating it (or starting over) as needed."""
    path = Path(index_dir)
    if rebuild or not index_exists(path) or _stored_version(path) != SCHEMA_VERSION:
        _clear(path)
        path.mkdir(parents=True, exist_ok=True)
        ix = whoosh_index.create_in(str(path), build_schema(), indexname=INDEX_NAME)
        (path / VERSION_FILE).write_text(json.dumps({"schema_version": SCHEMA_VERSION}))
        return ix
    return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)


def stored_hashes(ix) -> dict[str, str]:
    """Map every indexed article id to its content hash, read from columns (fast)."""
    with ix.reader() as reader:
        if reader.doc_count() == 0:
            return {}
        ids = reader.column_reader("id")
        hashes = reader.column_reader("content_hash")
        return {
            _text(ids[docnum]): _text(hashes[docnum])
            for docnum in reader.all_doc_ids()
        }


@contextmanager
def writer(ix) -> Iterator:
    """A whoosh writer that commits on success, cancels on error, and explains a held lock."""
    try:
        # Separate segment files, not one compound file: whoosh copies each part of a
        # compound file into memory on open, ~80 ms and 150 MB for Reuters per query process.
        w = ix.writer(limitmb=256, compound=False)
    except LockError:
        raise SearchkitError(
            "the index is being written by another searchkit process; try again when it finishes"
        ) from None
    try:
        yield w
    except BaseException:
        w.cancel()
        raise
    else:
        w.commit()
        refresh_arrays(ix)


def refresh_arrays(ix) -> None:
    """Build the new generation's search arrays now, so the first query does not wait."""
    with ix.reader() as reader:
        IndexArrays.load(reader, ix.storage.folder, ix.latest_generation())


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _stored_version(path: Path) -> int | None:
    try:
        return json.loads((path / VERSION_FILE).read_text())["schema_version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _check_version(path: Path) -> None:
    if _stored_version(path) != SCHEMA_VERSION:
        raise SearchkitError(
            f"the index at {path} was built by another searchkit version: "
            "rebuild it with `searchkit index PATH... --rebuild`"
        )


def _clear(path: Path) -> None:
    """Remove searchkit's own files from `path`, leaving anything else (e.g. .gitkeep)."""
    if not path.is_dir():
        return
    ours = (f"_{INDEX_NAME}_", f"{INDEX_NAME}_", VERSION_FILE, ARRAYS_PREFIX)
    for child in path.iterdir():
        if child.name.startswith(ours) or child.suffix == ".seg":
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
