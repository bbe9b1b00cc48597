"""Settings dataclasses read from a JSON data file, with errors that name the file."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, TypeVar

from ..models import SearchkitError

T = TypeVar("T")


def load_settings(cls: type[T], path: str | Path, what: str,
                  prepare: Callable[[dict], dict] = dict) -> T:
    """`cls(**object)` for the JSON object in `path` (its "about" note dropped).

    `prepare` turns the file's shapes into the constructor's (lists of objects into tuples, say);
    any problem becomes a SearchkitError that starts with the file name.

    >>> from dataclasses import dataclass
    >>> load_settings(dataclass(type("Demo", (), {"__annotations__": {"x": int}})),
    ...               "missing.json", "demo settings")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    searchkit.models.SearchkitError: missing.json: cannot read demo settings: ...
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SearchkitError(f"{path}: cannot read {what}: {exc}") from None
    if not isinstance(data, dict):
        raise SearchkitError(f"{path}: {what} must be a JSON object")
    data.pop("about", None)
    unknown = set(data) - set(cls.__dataclass_fields__)
    if unknown:
        raise SearchkitError(f"{path}: unknown {what} {sorted(unknown)}")
    try:
        return cls(**prepare(data))
    except (TypeError, KeyError, ValueError) as exc:
        raise SearchkitError(f"{path}: malformed {what}: {exc}") from None
    except SearchkitError as exc:
        raise SearchkitError(f"{path}: {exc}") from None
