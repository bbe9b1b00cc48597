"""Where an index keeps its files, and the few rules that make writes safe.

    index/                  the folder the user names (--index); may hold files of their own
      CURRENT               the name of the store in use, replaced atomically
      write.lock            held (flock) by the one process writing
      store-<n>/            a store: whoosh's files (the stored articles) and ours:
        FORMAT              the format number of this store
        manifest-<g>.json   the segments of generation g (g = whoosh's generation)
        seg-<id>/           a segment's column files (columns.py)

A write never changes a file a reader may be using: segments and manifests are written
under new names, then whoosh's commit of generation g makes manifest-g current. A rebuild
writes a whole new store beside the old one and switches CURRENT when it is complete, so a
failed or killed rebuild leaves the old index working. Files no manifest refers to are
swept by the next writer.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..models import SearchkitError

#: Bumped when the files of a store change shape; older stores are converted by repair.
FORMAT = 3
CURRENT = "CURRENT"
LOCK = "write.lock"
STORE_PREFIX = "store-"
SEGMENT_PREFIX = "seg-"
DELETIONS_PREFIX = "del-"
MANIFEST = "manifest-{}.json"
#: Manifest fields naming files of the index-level tables (resolve/state.py).
TABLE_FIELDS = ("entities", "boilerplate", "dupmerges")
#: whoosh's files of generation g with their sizes, written after whoosh's commit.
WHOOSH_SIZES = "whoosh-{}.json"
FORMAT_FILE = "FORMAT"
#: What a searchkit index of format 2 (whoosh files straight in the folder) left behind.
LEGACY_MARK = "searchkit.json"


class DamagedIndex(SearchkitError):
    """The index's files are missing or damaged; `problems` names each one."""

    def __init__(self, index_dir: Path, problems: list[str]):
        shown = "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
        super().__init__(f"the index at {index_dir} is damaged: {shown}. "
                         f"Run `searchkit check --repair --index {index_dir}` to rebuild it "
                         "from the stored articles (no NLP needed)")
        self.problems = problems


def current_store(index_dir: Path) -> Path | None:
    """The store folder CURRENT names, or None when the folder holds no index."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SearchkitError(f"cannot read {index_dir / CURRENT}: {exc.strerror}") from None
    if not name.startswith(STORE_PREFIX) or "/" in name:
        raise DamagedIndex(index_dir, [f"{index_dir / CURRENT}: names no store ({name!r})"])
    return index_dir / name


def is_legacy(index_dir: Path) -> bool:
    """True for an index written by searchkit before format 3."""
    return (index_dir / LEGACY_MARK).exists() and not (index_dir / CURRENT).exists()


def new_store(index_dir: Path) -> Path:
    """A new, empty store folder beside any existing one."""
    folder = index_dir / f"{STORE_PREFIX}{uuid.uuid4().hex[:12]}"
    folder.mkdir(parents=True)
    (folder / FORMAT_FILE).write_text(str(FORMAT), encoding="utf-8")
    return folder


def store_format(store: Path) -> int | None:
    try:
        return int((store / FORMAT_FILE).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def switch_current(index_dir: Path, store: Path) -> None:
    """Make `store` the index's store, atomically (readers see the old or the new one)."""
    write_atomically(index_dir / CURRENT, store.name)


def write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def new_segment_dir(store: Path) -> Path:
    return store / f"{SEGMENT_PREFIX}{uuid.uuid4().hex[:16]}"


def manifest_path(store: Path, generation: int) -> Path:
    return store / MANIFEST.format(generation)


def read_manifest(store: Path, generation: int) -> dict[str, Any] | None:
    """Generation `generation`'s manifest; None when there is no such file."""
    path = manifest_path(store, generation)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DamagedIndex(store.parent, [f"{path}: unreadable ({exc})"]) from None


def size_problems(folder: Path, sizes: dict[str, int]) -> list[str]:
    """Files of `sizes` that are missing or not of their recorded size, named."""
    found = []
    for name, size in sizes.items():
        path = folder / name
        try:
            actual = path.stat().st_size
        except OSError:
            found.append(f"{path}: missing")
            continue
        if actual != size:
            found.append(f"{path}: {actual} bytes where {size} were written")
    return found


def whoosh_sizes(store: Path, generation: int) -> dict[str, int]:
    """The recorded sizes of whoosh's files of a generation ({} when none were recorded)."""
    try:
        return json.loads((store / WHOOSH_SIZES.format(generation)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_manifest(store: Path, generation: int, manifest: dict[str, Any]) -> Path:
    path = manifest_path(store, generation)
    write_atomically(path, json.dumps(manifest, ensure_ascii=False, indent=1))
    return path


@contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's write lock (released when the process ends, however it ends)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SearchkitError(
                f"the index at {index_dir} is being written by another searchkit process; "
                "try again when it finishes") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def sweep(store: Path, keep: set[str]) -> None:
    """Remove our files in `store` that are not in `keep` (leftovers of killed or replaced
    writes). whoosh's files are whoosh's to clean."""
    for child in store.iterdir():
        ours = child.name.startswith((SEGMENT_PREFIX, DELETIONS_PREFIX, "manifest-",
                                      WHOOSH_SIZES.split("{")[0], ".",
                                      *(f"{field}-" for field in TABLE_FIELDS)))
        if ours and child.name not in keep:
            remove(child)


def sweep_stores(index_dir: Path, keep: Path | None) -> None:
    """Remove store folders other than `keep` (a finished or abandoned rebuild's old one)."""
    for child in index_dir.iterdir():
        if child.name.startswith(STORE_PREFIX) and child != keep and child.is_dir():
            remove(child)


def remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def os_error_message(exc: OSError, folder: Path) -> str:
    """An OSError of a write as a sentence that names the folder."""
    reasons = {errno.ENOSPC: "no space left on the device",
               errno.EDQUOT: "the disk quota is exhausted",
               errno.EACCES: "permission denied",
               errno.EPERM: "permission denied",
               errno.EROFS: "the file system is read-only"}
    reason = reasons.get(exc.errno, exc.strerror or str(exc))
    return f"cannot write the index at {folder}: {reason}"
