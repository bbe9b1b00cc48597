"""What an Extraction depends on, as one short digest: the extraction rules (this package's
code and rule data) and the spaCy model they run on.

The indexer puts the digest in every extracted article's content hash, so `searchkit index`
run again after an upgrade that changed the rules or the model extracts the articles again,
instead of counting them "unchanged" and keeping the facets the old rules found.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from functools import lru_cache
from pathlib import Path

from .pipeline import MODEL_NAMES

PACKAGE = Path(__file__).resolve().parent
#: Files of `data/` that entity resolution, near-duplicates and boilerplate read, not
#: extraction: editing them re-resolves the index's tables, never re-runs spaCy.
NOT_EXTRACTION = frozenset({"resolution.json", "duplicates.json", "boilerplate.json"})


@lru_cache(maxsize=None)
def extraction_digest(root: Path = PACKAGE) -> str:
    """16 hex digits that change when any rule file under `root` or the model changes."""
    digest = hashlib.sha256()
    for path in _rule_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update(model_identity().encode())
    return digest.hexdigest()[:16]


def model_identity() -> str:
    """The model `load_nlp` would load (the first of MODEL_NAMES installed) with its
    version and spaCy's, read from the installed packages without loading spaCy."""
    for name in MODEL_NAMES:
        if importlib.util.find_spec(name) is not None:
            return f"{name} {_version(name)} spacy {_version('spacy')}"
    return "no model"


def _rule_files(root: Path) -> list[Path]:
    code = root.glob("*.py")
    data = (p for p in (root / "data").glob("*") if p.is_file() and p.name not in NOT_EXTRACTION)
    return sorted([*code, *data])


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"
