"""Index writes: locking, the search arrays beside each generation, rebuild keeps other files."""
from __future__ import annotations

import pytest

import searchkit
from searchkit import index as index_store
from searchkit.arrays import COMPLETE_MARK, arrays_path

from conftest import write_jsonl


def build(tmp_path, n=3):
    src = write_jsonl(tmp_path / "in.jsonl",
                      [{"id": f"d{i}", "text": f"grain shipment {i}", "places": ["Odesa"]}
                       for i in range(n)])
    searchkit.index_paths([str(src)], index_dir=tmp_path / "ix", extract=False)
    return tmp_path / "ix"


def test_a_second_writer_is_told_the_index_is_busy(tmp_path):
    ix_dir = build(tmp_path)
    ix = index_store.open_for_writing(ix_dir)
    with index_store.writer(ix):
        with pytest.raises(searchkit.SearchkitError, match="another searchkit process"):
            with index_store.writer(index_store.open_for_writing(ix_dir)):
                pass


def test_arrays_are_written_with_each_commit_and_rebuilt_when_damaged(tmp_path):
    ix_dir = build(tmp_path)
    ix = index_store.open_for_writing(ix_dir)
    folder = arrays_path(ix_dir, ix.latest_generation())
    assert (folder / COMPLETE_MARK).exists()
    (folder / "live.npy").write_bytes(b"not an array")  # damage one file
    (folder / COMPLETE_MARK).unlink()
    assert searchkit.open_index(ix_dir).search("grain").total == 3
    assert (folder / COMPLETE_MARK).exists()


def test_rebuild_keeps_files_that_are_not_ours(tmp_path):
    ix_dir = build(tmp_path)
    (ix_dir / ".gitkeep").write_text("")
    searchkit.index_paths([str(tmp_path / "in.jsonl")], index_dir=ix_dir, extract=False,
                          rebuild=True)
    assert (ix_dir / ".gitkeep").exists()
    assert searchkit.open_index(ix_dir).doc_count() == 3


def test_missing_arrays_are_rebuilt_on_the_first_query(tmp_path):
    ix_dir = build(tmp_path)
    for folder in ix_dir.glob("arrays_*"):
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()
    assert searchkit.open_index(ix_dir).search("shipment").total == 3
    assert list(ix_dir.glob(f"arrays_*/{COMPLETE_MARK}"))
