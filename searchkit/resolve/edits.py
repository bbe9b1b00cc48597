"""The user's entity edits: merge, split, rename, not-a-name; kept in the user's alias file.

They live in its `entities` section, which extraction ignores, so an edit re-resolves the
table without re-running spaCy:

    {"entities": {"merge": [["Zelanski", "Volodymyr Zelenskyy"]],
                  "split": ["Johnson"],
                  "rename": {"Kyiv": "Kyiv (city)"},
                  "not_a_name": ["Newsletters"]}}

- merge A B: the entities holding A and B are one (B's name wins unless renamed);
- split A: A leaves the entity it was joined to (only its own case forms stay with it);
- rename A D: the entity holding A is shown as D;
- not-a-name X: X is junk, in no entity.
Names match case-, diacritic- and punctuation-insensitively.

    >>> e = Edits().with_edit("merge", "Zelanski", "Volodymyr Zelenskyy")
    >>> e.to_dict()["merge"]
    [['Zelanski', 'Volodymyr Zelenskyy']]
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..extraction.canonical import SECTION_EDITS, validate_entity_edits
from ..models import SearchkitError
from .names import fold

OPERATIONS = {"merge": 2, "split": 1, "rename": 2, "not-a-name": 1}


@dataclass(frozen=True)
class Edits:
    """The user's edits (see the module docstring)."""

    merges: tuple[tuple[str, str], ...] = ()
    splits: tuple[str, ...] = ()
    renames: Mapping[str, str] = field(default_factory=dict)
    not_names: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, source: str = "edits") -> "Edits":
        """Edits from an alias document's `entities` section (validated)."""
        if not data:
            return cls()
        validate_entity_edits(data, source)
        return cls(tuple((a, b) for a, b in data.get("merge", [])),
                   tuple(data.get("split", [])), dict(data.get("rename", {})),
                   tuple(data.get("not_a_name", [])))

    def to_dict(self) -> dict[str, Any]:
        return {"merge": [list(p) for p in self.merges], "split": list(self.splits),
                "rename": dict(self.renames), "not_a_name": list(self.not_names)}

    def with_edit(self, op: str, *names: str) -> "Edits":
        """These edits plus one more; a later edit undoes an earlier one it contradicts."""
        if op not in OPERATIONS or len(names) != OPERATIONS[op] or not all(
                isinstance(n, str) and n.strip() for n in names):
            raise SearchkitError(f"entities {op}: expected {OPERATIONS.get(op, '?')} name(s)"
                                 if op in OPERATIONS else f"unknown entity edit {op!r}",
                                 exit_code=2)
        keys = {fold(n) for n in names}
        merges = tuple(p for p in self.merges if op != "split" or fold(p[0]) not in keys
                       and fold(p[1]) not in keys)
        splits = tuple(s for s in self.splits if op != "merge" or fold(s) not in keys)
        not_names = tuple(n for n in self.not_names if fold(n) not in keys)
        renames = dict(self.renames)
        if op == "merge":
            merges += (names,)
        elif op == "split":
            splits += (names[0],)
        elif op == "rename":
            renames[names[0]] = names[1]
        else:
            not_names += (names[0],)
        return replace(self, merges=merges, splits=splits, renames=renames,
                       not_names=not_names)

    def then(self, later: "Edits") -> "Edits":
        """These edits followed by `later`'s (a later edit undoes an earlier one it contradicts)."""
        combined = self
        for pair in later.merges:
            combined = combined.with_edit("merge", *pair)
        for name in later.splits:
            combined = combined.with_edit("split", name)
        for name, new in later.renames.items():
            combined = combined.with_edit("rename", name, new)
        for name in later.not_names:
            combined = combined.with_edit("not-a-name", name)
        return combined

    # -- what the resolver asks ---------------------------------------------------------
    def merge_groups(self) -> dict[str, frozenset[int]]:
        """fold(name) -> ids of the merges naming it (a chain of merges is one group)."""
        out: dict[str, set[int]] = {}
        for i, pair in enumerate(self.merges):
            for name in pair:
                out.setdefault(fold(name), set()).add(i)
        return {k: frozenset(v) for k, v in out.items()}

    def split_keys(self) -> frozenset[str]:
        return frozenset(fold(s) for s in self.splits)

    def display_for(self, cluster: Iterable[str]) -> str | None:
        """The user's name for an entity holding these values, if any."""
        renamed = {fold(k): v for k, v in self.renames.items()}
        hits = sorted(renamed[fold(v)] for v in cluster if fold(v) in renamed)
        return hits[0] if hits else None

    def junk_reason(self, value: str) -> str | None:
        return "marked not a name" if fold(value) in {fold(n) for n in self.not_names} \
            else None

    def named(self) -> set[str]:
        """Folded names every edit mentions (what re-resolves when edits change)."""
        names = [n for p in self.merges for n in p] + list(self.splits) + \
            list(self.renames) + list(self.not_names)
        return {fold(n) for n in names}


def read_edits(path: str | Path | None) -> Edits:
    """The edits in a user alias file (none when the file or its section is absent)."""
    if path is None or not Path(path).exists():
        return Edits()
    from ..extraction.canonical import read_alias_file

    return Edits.from_mapping(read_alias_file(path).get(SECTION_EDITS), str(path))


def write_edit(path: str | Path, op: str, *names: str) -> Edits:
    """Record one edit in the user alias file at `path` (created if absent); return all.

    The file's other sections are kept as they are; the write is atomic.
    """
    path = Path(path)
    data: dict[str, Any] = {}
    if path.exists():
        from ..extraction.canonical import read_alias_file

        data = dict(read_alias_file(path))
    edits = Edits.from_mapping(data.get(SECTION_EDITS), str(path)).with_edit(op, *names)
    data[SECTION_EDITS] = edits.to_dict()
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=".aliases-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise SearchkitError(f"{path}: cannot write alias file: {exc.strerror or exc}") from exc
    return edits
