"""A batch folder's memory across runs: each search's hit ids, and the files the run wrote.

It lives in `.searchkit-batch.json` beside the outputs. The next run into the folder reads
it to mark hits new (not written by the previous run of the same search, by name) or gone,
and to remove the files of searches no longer in the file; only paths shaped like batch's
own outputs are ever removed, so an edited memory file cannot reach anything else.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .batch_file import DIGEST_FILES, file_stem

STATE_FILE = ".searchkit-batch.json"


@dataclass(frozen=True)
class Memory:
    """What the previous run into a folder recorded: each search's hit ids, and its files."""

    run: str | None = None  # when it ran (UTC, ISO 8601)
    searches: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # name -> ids, run
    files: tuple[str, ...] = ()  # relative to the folder; a report folder ends with '/'

    @classmethod
    def load(cls, out: Path) -> "Memory":
        """The folder's memory; empty when there is none or it cannot be read (every hit
        is new then, and no earlier file is removed)."""
        try:
            data = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
            searches = {str(name): {"ids": [str(i) for i in entry["ids"]], "run": str(entry["run"])}
                        for name, entry in data["searches"].items()}
            files = tuple(f for f in data["files"] if isinstance(f, str) and _owned(f))
            return cls(str(data["run"]), searches, files)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls()

    def record(self, run: str, outcomes, files: set[str]) -> dict[str, Any]:
        """The memory of this run (started at `run`) to write for the next one; a search
        that failed keeps its last good record."""
        searches = {o.name: {"ids": list(o.ids), "run": run} if o.ok else self.searches[o.name]
                    for o in outcomes if o.ok or o.name in self.searches}
        return {"written_by": "searchkit batch", "run": run, "files": sorted(files),
                "searches": searches}


def _owned(path: str) -> bool:
    """Whether a path has a shape batch writes, so an edited memory file cannot make a run
    remove anything else."""
    if path in DIGEST_FILES:
        return True
    stem, ext = (path[:-1], "/") if path.endswith("/") else os.path.splitext(path)
    return ext in ("/", ".json", ".csv") and bool(stem) and file_stem(stem) == stem


def remove_stale(out: Path, earlier: tuple[str, ...], now: set[str]) -> None:
    """Remove what the previous run wrote and this one did not (compared ignoring case,
    so a renamed search never removes its own new files where names ignore case)."""
    kept = {p.casefold(): p for p in now}
    for rel in earlier:
        twin = kept.get(rel.casefold())
        if twin == rel or (twin is not None and _same(out / rel, out / twin)):
            continue
        target = out / rel
        if rel.endswith("/"):
            _remove_report(target)
        elif target.is_file():
            target.unlink()
    _remove_empty(out / "assets")


def _remove_report(folder: Path) -> None:
    """A report folder's own files (those `report` replaces on a rerun), then the folders
    left empty; anything else in it stays."""
    from .report import ASSETS, MARKER

    if not (folder / MARKER).is_file():
        return
    for sub in ("articles", "entities"):
        for page in (folder / sub).glob("*.html"):
            page.unlink()
    for rel in ("index.html", "entities.html", *(f"assets/{a}" for a in ASSETS), MARKER):
        (folder / rel).unlink(missing_ok=True)
    for sub in ("articles", "entities", "assets", ""):
        _remove_empty(folder / sub)


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _remove_empty(folder: Path) -> None:
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def changes(earlier: Mapping[str, Any] | None, ids: list[str]) -> tuple[tuple, tuple]:
    """(new, gone) ids against the previous run of the search; every id is new without one."""
    if earlier is None:
        return tuple(ids), ()
    before, now = set(earlier["ids"]), set(ids)
    return tuple(i for i in ids if i not in before), tuple(i for i in earlier["ids"]
                                                           if i not in now)
