"""Shared test helpers: where the real corpora live, and a small JSONL corpus factory."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SEEDS = REPO / "seeds"


def shared_file(relative: str) -> Path:
    """A file of ../shared/data, or skip the test with the reason when it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} is absent (the real corpora live in ../shared/data)")
    return path


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def assert_edited_data_file_is_rejected(source: Path, edit, load, folder: Path, message: str) -> None:
    """A copy of the rule data file `source`, changed by `edit(data)`, makes `load(copy)`
    raise SearchkitError naming the copy and containing `message`."""
    from searchkit.models import SearchkitError

    data = json.loads(source.read_text(encoding="utf-8"))
    edit(data)
    bad = folder / source.name
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SearchkitError) as info:
        load(bad)
    assert str(bad) in str(info.value) and message in str(info.value)


def index_records(folder: Path, records: list[dict]) -> Path:
    """A real index (no NLP) of `records` written as JSON Lines in `folder`; its path."""
    import searchkit

    summary = searchkit.index_paths([str(write_jsonl(folder / "records.jsonl", records))],
                                    index_dir=folder / "ix", extract=False)
    assert summary.indexed == len(records), summary.line()
    return folder / "ix"


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """The demo corpus indexed with real extraction (built once per test session)."""
    import searchkit

    index_dir = tmp_path_factory.mktemp("seed-index")
    searchkit.index_paths([str(SEEDS)], index_dir=index_dir, extract=True)
    return index_dir


@pytest.fixture(scope="session")
def nlp():
    """The project's spaCy pipeline, loaded once (modules may define their own)."""
    from searchkit.extraction.pipeline import load_nlp

    return load_nlp()


@pytest.fixture(scope="session")
def detector(nlp):
    """The built-in event taxonomy's detector."""
    from searchkit.extraction.events import EventDetector

    return EventDetector(nlp)
