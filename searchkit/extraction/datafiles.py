"""Reading the rule data files of extraction: one place for how a bad file is reported."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..models import SearchkitError


def read_json(path: str | Path, what: str) -> Any:
    """The parsed JSON of `path`; SearchkitError naming the file when it cannot be read or
    parsed (`what` says what the file holds: "cannot read event taxonomy: ...").

    >>> read_json("/no/such/file.json", "cue words")    # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    searchkit.models.SearchkitError: /no/such/file.json: cannot read cue words: ...
    """
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SearchkitError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SearchkitError(f"{path}: not valid JSON: {exc}") from None
