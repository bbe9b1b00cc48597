"""The store: any sequence of runs equals a fresh build, damage is named and repaired,
writers never destroy each other's work, and a commit costs what it adds."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from whoosh.analysis import StemmingAnalyzer

import searchkit
from searchkit.build import delete_articles
from searchkit.models import SearchkitError
from searchkit.store import IndexWriter, analysis, layout, tiers, writer as writer_module
from searchkit.build import repair as repair_index
from searchkit.store.check import check_index

from conftest import write_jsonl

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "alphas", "betting"]
PEOPLE = ["Ann Lee", "Bob Ray", "ann lee", "Cy Ode"]
PLACES = ["Kyiv", "Odesa", "Lviv"]


# ---------------------------------------------------------------- analysis


@given(st.text(alphabet=st.sampled_from(list("abcXYZ éłß*.-_'0129 \n\t,;ÄÖ")), max_size=200))
@settings(max_examples=300, deadline=None)
def test_analysis_equals_whooshs_stemming_analyzer(text):
    whoosh_terms = [t.text for t in StemmingAnalyzer()(text)]
    ours = analysis.analyse(text)
    # Only words longer than MAX_TERM_CHARS are left out on purpose.
    assert ours == [t for t in whoosh_terms if len(t) <= analysis.MAX_TERM_CHARS] or \
        any(len(w) > analysis.MAX_TERM_CHARS for w in analysis.WORD.findall(text))


# ---------------------------------------------------------------- differential test


record = st.fixed_dictionaries({
    "id": st.sampled_from([f"d{i}" for i in range(8)]),
    "title": st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join),
    "text": st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join),
    "date": st.one_of(st.none(), st.sampled_from(["2023-01-05", "2024-02-03", "2024-02-28T10:30:00",
                                                  "2021-12-31"])),
    "people": st.lists(st.sampled_from(PEOPLE), max_size=2, unique=True),
    "places": st.lists(st.sampled_from(PLACES), max_size=2, unique=True),
    "event_types": st.lists(st.sampled_from(["Air strike", "Peace talks"]), max_size=1),
    "tags": st.lists(st.sampled_from(["war", "economy"]), max_size=2, unique=True),
    "source": st.sampled_from(["Wire A", "Wire B", ""]),
})
operation = st.one_of(
    st.tuples(st.just("write"), st.lists(record, min_size=1, max_size=5)),
    st.tuples(st.just("folder"), st.none()),
    st.tuples(st.just("remove"), st.integers(0, 6)),
    st.tuples(st.just("delete"), st.lists(st.sampled_from([f"d{i}" for i in range(8)]), max_size=3)),
    st.tuples(st.just("rebuild"), st.none()),
)
QUERIES = ["", "alpha", "beta gamma", '"alpha beta"', "alpha OR delta", "gam*", "person:ann",
           "alpha -beta", "month:2024-02", "epsilon~"]


class Model:
    """What the index must hold after each run: id -> record (the oracle's corpus)."""

    def __init__(self, folder: Path):
        self.folder, self.files, self.corpus = folder, [], {}

    def first_occurrences(self, files):
        seen = {}
        for path in files:
            for line in path.read_text().splitlines():
                rec = json.loads(line)
                seen.setdefault(rec["id"], rec)
        return seen

    def existing(self):
        return sorted(p for p in self.files if p.exists())


def apply(op, arg, model: Model, ix_dir: Path):
    kind = op
    if kind == "write":
        path = model.folder / f"run-{len(model.files):03d}.jsonl"
        write_jsonl(path, arg)
        model.files.append(path)
        searchkit.index_paths([str(path)], index_dir=ix_dir, extract=False)
        model.corpus.update(model.first_occurrences([path]))
    elif kind in ("folder", "remove"):
        if kind == "remove" and arg < len(model.files) and model.files[arg].exists():
            model.files[arg].unlink()
        searchkit.index_paths([str(model.folder)], index_dir=ix_dir, extract=False, prune=True)
        model.corpus = model.first_occurrences(model.existing())
    elif kind == "delete":
        if not ix_dir.exists():  # nothing to delete from: refused, and no index is made
            with pytest.raises(SearchkitError, match="no index at"):
                delete_articles(arg, index_dir=ix_dir)
            assert not ix_dir.exists()
            searchkit.index_paths([str(model.folder)], index_dir=ix_dir, extract=False)
            return
        delete_articles(arg, index_dir=ix_dir)
        for article_id in arg:
            model.corpus.pop(article_id, None)
    elif kind == "rebuild":
        searchkit.index_paths([str(model.folder)], index_dir=ix_dir, extract=False, rebuild=True)
        model.corpus = model.first_occurrences(model.existing())


def observe(ix_dir: Path) -> dict:
    """Every query's hits (id -> score, in the engine's order) and facet counts."""
    ix = searchkit.open_index(ix_dir)
    seen = {}
    for q in QUERIES:
        for match in ("all", "any"):
            res = ix.search(q, match=match, limit=None, facet_limit=None)
            scores = [h.score for h in res.hits]
            assert scores == sorted(scores, reverse=True) or not any(scores), q
            seen[q, match] = (
                res.total,
                {h.id: (round(h.score, 3), h.date, h.people, h.places, h.event_types, h.tags, h.source)
                 for h in res.hits},
                {k: sorted((v.value, v.count) for v in vs) for k, vs in res.facets.items()})
    ix.close()
    return seen


@given(st.lists(operation, min_size=1, max_size=6))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
def test_any_sequence_of_runs_equals_a_fresh_build(tmp_path_factory, monkeypatch, ops):
    # Tiny batches and merge tiers, so a handful of records makes many segments and merges.
    monkeypatch.setattr(writer_module, "FLUSH_ROWS", 2)
    monkeypatch.setattr(tiers, "MERGE_FACTOR", 2)
    tmp = tmp_path_factory.mktemp("runs")
    folder, ix_dir = tmp / "corpus", tmp / "ix"
    folder.mkdir()
    model = Model(folder)
    for op, arg in ops:
        apply(op, arg, model, ix_dir)
        fresh = tmp / f"fresh-{time.monotonic_ns()}"
        write_jsonl(fresh.with_suffix(".jsonl"), list(model.corpus.values()))
        searchkit.index_paths([str(fresh.with_suffix(".jsonl"))], index_dir=fresh, extract=False)
        assert observe(ix_dir) == observe(fresh), (op, arg)
        assert check_index(ix_dir).problems == []


@given(st.lists(st.lists(st.integers(0, 9), max_size=12), min_size=1, max_size=12),
       st.integers(1, 40))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_postings_equal_a_brute_force_inversion(monkeypatch, docs, run):
    # Runs of any size (one token to all of them) must give the same inverted lists.
    from searchkit.store import columns

    monkeypatch.setattr(columns, "POSTING_RUN", run)
    arrays = {"f.offsets": columns._offsets([len(d) for d in docs]),
              "f.values": np.array([t for d in docs for t in d], dtype=np.int32),
              "f.vocab": np.arange(10)}
    got = columns.postings(arrays, "f", len(docs))
    for term in range(10):
        lo, hi = got["f.term_offsets"][term], got["f.term_offsets"][term + 1]
        expected = [(d, doc.count(term)) for d, doc in enumerate(docs) if term in doc]
        assert list(zip(got["f.docs"][lo:hi].tolist(), got["f.freqs"][lo:hi].tolist())) == expected


# ---------------------------------------------------------------- regressions of issue 8


def test_a_dated_run_then_an_undated_run(tmp_path):
    ix_dir = tmp_path / "ix"
    first = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "date": "2024-01-02", "text": "one"},
                                               {"id": "b", "date": "2024-02-03", "text": "two"}])
    second = write_jsonl(tmp_path / "b.jsonl", [{"id": "c", "text": "three"}])
    searchkit.index_paths([str(first)], index_dir=ix_dir, extract=False)
    searchkit.index_paths([str(second)], index_dir=ix_dir, extract=False)
    ix = searchkit.open_index(ix_dir)
    assert ix.search("", limit=None).total == 3
    assert [h.id for h in ix.search("", sort="newest", limit=None).hits] == ["b", "a", "c"]
    assert check_index(ix_dir).problems == []


def test_a_rebuild_waits_for_the_lock_and_leaves_the_other_writers_work(tmp_path):
    ix_dir = tmp_path / "ix"
    src = write_jsonl(tmp_path / "a.jsonl", [{"id": f"a{i}", "text": "grain"} for i in range(5)])
    searchkit.index_paths([str(src)], index_dir=ix_dir, extract=False)
    with IndexWriter(ix_dir) as busy:
        busy.add(searchkit.store.rows.from_article(searchkit.Article(id="late", text="grain"), None))
        with pytest.raises(SearchkitError, match="another searchkit process"):
            searchkit.index_paths([str(src)], index_dir=ix_dir, extract=False, rebuild=True)
    assert searchkit.open_index(ix_dir).search("grain").total == 6


def test_a_failed_rebuild_leaves_the_old_index_working(tmp_path):
    ix_dir = tmp_path / "ix"
    src = write_jsonl(tmp_path / "a.jsonl", [{"id": f"a{i}", "text": "grain"} for i in range(300)])
    searchkit.index_paths([str(src)], index_dir=ix_dir, extract=False)
    runs = searchkit.build.iter_build([str(src)], index_dir=ix_dir, extract=False, rebuild=True)
    next(runs)  # part of the rebuild written ...
    runs.close()  # ... then abandoned
    assert searchkit.open_index(ix_dir).search("grain").total == 300
    assert len([p for p in ix_dir.iterdir() if p.name.startswith(layout.STORE_PREFIX)]) == 1


def test_a_killed_rebuild_leaves_the_old_index_and_its_files_are_swept(tmp_path):
    ix_dir = tmp_path / "ix"
    src = write_jsonl(tmp_path / "a.jsonl",
                      [{"id": f"a{i}", "text": f"grain word{i} " * 50} for i in range(20000)])
    small = write_jsonl(tmp_path / "b.jsonl", [{"id": "b", "text": "grain"}])
    searchkit.index_paths([str(small)], index_dir=ix_dir, extract=False)
    proc = subprocess.Popen([sys.executable, "-m", "searchkit.cli", "index", str(src), "--rebuild",
                             "--no-extract", "--index", str(ix_dir)], stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while len(list(ix_dir.glob("store-*"))) < 2 and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert searchkit.open_index(ix_dir).search("grain").total == 1
    searchkit.index_paths([str(small)], index_dir=ix_dir, extract=False)  # the next writer sweeps
    assert len(list(ix_dir.glob("store-*"))) == 1


def test_adding_one_article_writes_one_small_segment(tmp_path, monkeypatch):
    ix_dir = tmp_path / "ix"
    src = write_jsonl(tmp_path / "a.jsonl", [{"id": f"a{i}", "text": "grain"} for i in range(500)])
    searchkit.index_paths([str(src)], index_dir=ix_dir, extract=False)
    before = _segments(ix_dir)
    one = write_jsonl(tmp_path / "b.jsonl", [{"id": "new", "text": "grain"}])
    searchkit.index_paths([str(one)], index_dir=ix_dir, extract=False)
    after = _segments(ix_dir)
    assert set(before) <= set(after) and [after[n] for n in set(after) - set(before)] == [1]


def _segments(ix_dir: Path) -> dict[str, int]:
    store = layout.current_store(ix_dir)
    generation = searchkit.store.StoredArticles(store).generation()
    return {e["name"]: e["docs"] for e in layout.read_manifest(store, generation)["segments"]}


def test_delete_and_prune(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    keep = write_jsonl(folder / "keep.jsonl", [{"id": "k", "text": "grain"}])
    gone = write_jsonl(folder / "gone.jsonl", [{"id": "g", "text": "grain"}])
    ix_dir = tmp_path / "ix"
    searchkit.index_paths([str(folder)], index_dir=ix_dir, extract=False)
    assert delete_articles(["k", "nope"], index_dir=ix_dir) == ["k"]
    assert [h.id for h in searchkit.open_index(ix_dir).search("grain").hits] == ["g"]
    gone.unlink()
    summary = searchkit.index_paths([str(folder)], index_dir=ix_dir, extract=False, prune=True)
    assert summary.deleted == 1 and summary.indexed == 1  # k is back from keep.jsonl
    assert [h.id for h in searchkit.open_index(ix_dir).search("grain").hits] == ["k"]
    assert keep.exists()


def _strip_column(ix_dir: Path, column: str) -> int:
    """Make every segment of the current generation look written by a searchkit that had no
    `column`: its files gone and unlisted in the manifest. Returns the segments changed."""
    store = layout.current_store(ix_dir)
    generation = searchkit.store.StoredArticles(store).generation()
    manifest = layout.read_manifest(store, generation)
    for entry in manifest["segments"]:
        for name in [n for n in entry["files"] if n.startswith(f"{column}.")]:
            (store / entry["name"] / name).unlink()
            del entry["files"][name]
    layout.write_manifest(store, generation, manifest)
    return len(manifest["segments"])


@pytest.mark.parametrize("column", ["acronyms.short", "events", "money", "names.org"])
def test_segments_of_a_version_without_a_column_read_as_empty_and_merge(tmp_path, monkeypatch, column):
    # An index written before a list column existed: its segments lack the column's files and
    # their manifest never listed them. Queries, merges and check must go on, as if each old
    # article had no value there, and articles added later carry theirs.
    monkeypatch.setattr(writer_module, "FLUSH_ROWS", 3)
    monkeypatch.setattr(tiers, "MERGE_FACTOR", 2)
    monkeypatch.setattr(tiers, "SESSION_MERGES", False)  # several old segments
    ix_dir = tmp_path / "ix"
    old = write_jsonl(tmp_path / "old.jsonl", [
        {"id": f"o{i}", "text": f"grain talks {i}", "orgs": ["Grain Board"], "event_types": ["Agreement"]}
        for i in range(7)])
    searchkit.index_paths([str(old)], index_dir=ix_dir, extract=False)
    assert _strip_column(ix_dir, column) >= 2
    assert check_index(ix_dir).problems == []
    assert searchkit.open_index(ix_dir).search("grain").total == 7
    new = write_jsonl(tmp_path / "new.jsonl", [
        {"id": f"n{i}", "text": f"grain talks {i}", "orgs": ["Grain Board"]} for i in range(7)])
    searchkit.index_paths([str(new)], index_dir=ix_dir, extract=False)  # merges old with new
    assert check_index(ix_dir).problems == []
    result = searchkit.open_index(ix_dir).search("grain", limit=None, collapse=False)
    assert result.total == 14
    orgs = {h.id: list(h.orgs) for h in result.hits}
    assert all(orgs[f"n{i}"] == ["Grain Board"] for i in range(7))
    assert all(orgs[f"o{i}"] == ([] if column == "names.org" else ["Grain Board"]) for i in range(7))


# ---------------------------------------------------------------- damage


def _build(tmp_path, n=40) -> Path:
    ix_dir = tmp_path / "ix"
    src = write_jsonl(tmp_path / "a.jsonl", [
        {"id": f"a{i}", "text": f"grain shipment {i}", "date": f"2024-01-{i % 28 + 1:02d}",
         "people": ["Ann Lee"], "places": ["Odesa"]} for i in range(n)])
    searchkit.index_paths([str(src)], index_dir=ix_dir, extract=False)
    delete_articles(["a0"], index_dir=ix_dir)  # so that a deletion mask exists
    return ix_dir


def _column_files(ix_dir: Path) -> list[Path]:
    store = layout.current_store(ix_dir)
    return sorted(store.glob("seg-*/*.npy")) + sorted(store.glob("del-*.npy"))


@pytest.mark.parametrize("pick", ["ids.npy", "text.values.npy", "text.docs.npy", "names.person.vocab.npy",
                                  "dates.npy", "events.confidence.npy", "del-", "manifest"])
@pytest.mark.parametrize("damage", ["truncate", "delete"])
def test_damaged_column_files_are_named_and_repaired(tmp_path, pick, damage):
    ix_dir = _build(tmp_path)
    store = layout.current_store(ix_dir)
    files = [p for p in _column_files(ix_dir) + sorted(store.glob("manifest-*")) if pick in p.name]
    target = files[0]
    if damage == "truncate":
        os.truncate(target, max(target.stat().st_size // 2, 1))
    else:
        target.unlink()
    report = check_index(ix_dir)
    assert any(target.name in p for p in report.problems), report.problems
    with pytest.raises(SearchkitError, match="check --repair"):
        searchkit.index_paths([str(tmp_path / "a.jsonl")], index_dir=ix_dir, extract=False)
    if pick != "manifest":
        with pytest.raises(SearchkitError, match="check --repair"):
            searchkit.open_index(ix_dir).search("grain")
    repaired = repair_index(ix_dir)
    assert repaired.lost == [] and repaired.articles == 39
    ix = searchkit.open_index(ix_dir)
    assert ix.search("grain", limit=None).total == 39
    assert {v.value for v in ix.facet_values("people")} == {"Ann Lee"}
    assert check_index(ix_dir).problems == []


@pytest.mark.parametrize("suffix", [".pst", ".trm", "_stored.col", ".toc"])
def test_damaged_whoosh_files_are_named_and_every_article_is_restored(tmp_path, suffix):
    """The segments keep each article's payload too, so damage to whoosh's stored articles
    loses nothing: repair takes what whoosh cannot give back from the columns."""
    ix_dir = _build(tmp_path)
    store = layout.current_store(ix_dir)
    target = sorted(p for p in store.iterdir() if p.name.endswith(suffix))[-1]
    os.truncate(target, target.stat().st_size // 3)
    report = check_index(ix_dir)
    assert report.problems and any(target.name in p or "stored articles" in p for p in report.problems), \
        report.problems
    with pytest.raises(SearchkitError, match="repair|rebuild"):
        searchkit.index_paths([str(tmp_path / "a.jsonl")], index_dir=ix_dir, extract=False)
    repaired = repair_index(ix_dir)
    assert repaired.lost == [] and repaired.articles == 39
    ix = searchkit.open_index(ix_dir)
    assert ix.search("grain", limit=None).total == 39 and ix.get("a5")["text"] == "grain shipment 5"
    assert check_index(ix_dir).problems == []


def test_an_index_of_the_old_format_says_what_to_run_and_repair_converts_it(tmp_path):
    from whoosh import fields, index as whoosh_index

    ix_dir = tmp_path / "old"
    ix_dir.mkdir()
    schema = fields.Schema(id=fields.ID(stored=True, unique=True), title=fields.TEXT(stored=True),
                           text=fields.TEXT(stored=True), date=fields.DATETIME(stored=True),
                           source=fields.ID(stored=True), url=fields.STORED(),
                           people=fields.KEYWORD(stored=True, commas=True), details=fields.STORED(),
                           meta=fields.STORED())
    old = whoosh_index.create_in(str(ix_dir), schema, indexname="searchkit")
    w = old.writer()
    import datetime as dt
    w.add_document(id="x1", title="Old", text="Grain left Odesa.", date=dt.datetime(2022, 5, 1),
                   source="Wire", url="", people="Ann Lee", meta="{}",
                   details=json.dumps({"mentions": [], "amounts": [], "events": []}))
    w.commit()
    (ix_dir / "searchkit.json").write_text('{"schema_version": 2}')
    with pytest.raises(SearchkitError, match="check --repair"):
        searchkit.open_index(ix_dir)
    assert repair_index(ix_dir).articles == 1
    hit = searchkit.open_index(ix_dir).search("grain").hits[0]
    assert (hit.id, hit.date, hit.people) == ("x1", "2022-05-01", ("Ann Lee",))
    assert not (ix_dir / "searchkit.json").exists()


STORY_WORDS = [f"w{i}" for i in range(60)]


def _story_texts(draw_ops):
    """Texts sharing long runs of words (near-duplicates at various similarities)."""
    texts = []
    for base, cut, noise in draw_ops:
        words = STORY_WORDS[base * 10: base * 10 + 30]
        texts.append(" ".join(words[cut:] + [f"n{noise}"] * (noise % 3)))
    return texts


@given(st.lists(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 12), st.integers(0, 9)),
                         min_size=1, max_size=4), min_size=1, max_size=6),
       st.lists(st.integers(0, 20), max_size=3))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
def test_few_new_articles_fold_as_the_whole_duplicate_index_would(tmp_path_factory, monkeypatch,
                                                                  runs, rewrites):
    # The same runs indexed twice: once with every batch looked up in the stored signatures
    # (near_index), once with the whole in-memory index; folding must agree after each run.
    from searchkit.resolve import state

    monkeypatch.setattr(writer_module, "FLUSH_ROWS", 3)
    monkeypatch.setattr(tiers, "MERGE_FACTOR", 2)
    tmp = tmp_path_factory.mktemp("near")
    counter = 0
    for n, batch in enumerate(runs):
        records = []
        for text in _story_texts(batch):
            records.append({"id": f"d{counter}", "text": text, "source": "Wire"})
            counter += 1
        for r in rewrites:  # an earlier article rewritten: its old copies must unfold
            if r < counter and n == len(runs) - 1:
                records.append({"id": f"d{r}", "text": "a wholly different text about grain", "source": "Wire"})
        path = write_jsonl(tmp / f"run-{n}.jsonl", records)
        seen = []
        for few, name in ((0, "whole"), (10**6, "near")):
            monkeypatch.setattr(state, "FEW", few)
            searchkit.index_paths([str(path)], index_dir=tmp / name, extract=False)
            hits = searchkit.open_index(tmp / name).search("", limit=None, sort="oldest").hits
            seen.append(sorted((h.id, tuple(sorted(h.duplicates))) for h in hits))
        assert seen[0] == seen[1], n


def test_a_failed_commit_leaves_no_files_behind(tmp_path, monkeypatch):
    # What a commit wrote before it failed (segment, manifest, whoosh's new segment files)
    # is removed at once, not left for the next writer to sweep.
    ix_dir = _build(tmp_path)
    store = layout.current_store(ix_dir)
    before = sorted(p.name for p in store.iterdir())

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(layout, "write_manifest", disk_full)
    more = write_jsonl(tmp_path / "more.jsonl", [{"id": "new", "text": "grain"}])
    with pytest.raises(SearchkitError, match="index is unchanged"):
        searchkit.index_paths([str(more)], index_dir=ix_dir, extract=False)
    assert sorted(p.name for p in store.iterdir()) == before


def test_a_run_leaves_its_batches_as_one_segment_and_a_later_run_adds_its_own(tmp_path, monkeypatch):
    # A bulk load merges the segments it wrote (queries pay per segment); a later small
    # run merges nothing it did not write (it costs what it adds).
    monkeypatch.setattr(writer_module, "FLUSH_ROWS", 3)
    ix_dir = tmp_path / "ix"
    bulk = write_jsonl(tmp_path / "bulk.jsonl", [{"id": f"b{i}", "text": f"grain talks {i}"}
                                                 for i in range(10)])
    searchkit.index_paths([str(bulk)], index_dir=ix_dir, extract=False)
    assert list(_segments(ix_dir).values()) == [10]
    one = write_jsonl(tmp_path / "one.jsonl", [{"id": "n0", "text": "grain talks again"}])
    searchkit.index_paths([str(one)], index_dir=ix_dir, extract=False)
    assert sorted(_segments(ix_dir).values()) == [1, 10]
    assert searchkit.open_index(ix_dir).search("grain").total == 11
    assert check_index(ix_dir).problems == []
