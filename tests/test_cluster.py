"""Extraction on a real dask.distributed cluster gives what a local run gives."""
from __future__ import annotations

import json

import pytest

import searchkit
from searchkit.models import SearchkitError

from conftest import SEEDS, write_jsonl

distributed = pytest.importorskip("distributed", reason="dask.distributed is the [dask] extra")

ARTICLES = [
    {"id": "a1", "text": "Ukrainian President Volodymyr Zelenskyy visited Kharkiv on Monday."},
    {"id": "a2", "text": "The EU approved a €50 billion aid package for Ukraine."},
    {"id": "a3", "text": "Pro-Russian hackers hit the websites of three Ukrainian banks."},
]


@pytest.fixture(scope="module")
def scheduler():
    # Threads in this process: a real scheduler and worker, without spawning interpreters.
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def facets(index_dir):
    res = searchkit.open_index(index_dir).search("", facet_limit=None, limit=100)
    return {name: {(v.value, v.count) for v in values} for name, values in res.facets.items()}


def test_cluster_extraction_equals_local(tmp_path, scheduler):
    src = write_jsonl(tmp_path / "in.jsonl", ARTICLES)
    rules = tmp_path / "cyber.json"
    rules.write_text(json.dumps({"types": [{
        "type": "Cyber attack", "code": None, "weight": 0.9,
        "patterns": [{"id": "hackers-hit", "pattern": [
            {"LEMMA": "hacker"}, {"LEMMA": {"IN": ["hit", "attack"]}}]}]}]}))
    local = searchkit.index_paths([str(src), str(SEEDS)], index_dir=tmp_path / "local",
                                  events=[rules])
    remote = searchkit.index_paths([str(src), str(SEEDS)], index_dir=tmp_path / "remote",
                                   events=[rules], dask=scheduler)
    assert local.indexed == remote.indexed == 4
    assert facets(tmp_path / "remote") == facets(tmp_path / "local")
    assert ("Cyber attack", 1) in facets(tmp_path / "remote")["event_types"]
    ids = [h.id for h in searchkit.open_index(tmp_path / "remote").search("", limit=10).hits]
    assert sorted(ids) == ["a1", "a2", "a3", "kyiv-prisoner-exchange"]


def test_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    from searchkit.extraction import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)  # nothing listens there: fail fast
    src = write_jsonl(tmp_path / "in.jsonl", ARTICLES[:1])
    with pytest.raises(SearchkitError, match="cannot reach the dask scheduler"):
        searchkit.index_paths([str(src)], index_dir=tmp_path / "ix",
                              dask="tcp://127.0.0.1:9")
