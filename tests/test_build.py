"""The indexing run: incremental re-indexing, rebuild, bad input never costs the rest."""
from __future__ import annotations

import json

import searchkit
from searchkit.build import iter_build
from searchkit.store import IndexWriter

from conftest import write_jsonl


def records(n, *, suffix=""):
    return [{"id": f"a{i}", "title": f"Title {i}", "text": f"Body {i} about grain{suffix}.",
             "places": ["Odesa"]} for i in range(n)]


def test_reindexing_adds_only_new_or_changed(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", records(5))
    ix_dir = tmp_path / "ix"
    first = searchkit.index_paths([str(src)], index_dir=ix_dir, extract=False)
    assert (first.indexed, first.unchanged) == (5, 0)
    again = searchkit.index_paths([str(src)], index_dir=ix_dir, extract=False)
    assert (again.indexed, again.unchanged) == (0, 5)

    changed = records(6)
    changed[2]["text"] = "A different body about wheat."
    write_jsonl(src, changed)
    third = searchkit.index_paths([str(src)], index_dir=ix_dir, extract=False)
    assert (third.indexed, third.unchanged) == (2, 4)
    ix = searchkit.open_index(ix_dir)
    assert ix.doc_count() == 6  # the changed article replaced, not duplicated
    assert ix.search("wheat").hits[0].id == "a2"
    assert ix.search("grain").total == 5

    rebuilt = searchkit.index_paths([str(src)], index_dir=ix_dir, extract=False, rebuild=True)
    assert (rebuilt.indexed, rebuilt.unchanged) == (6, 0)


def test_bad_records_are_skipped_and_named(tmp_path):
    good = records(3)
    lines = [json.dumps(good[0]), "{broken json", json.dumps(good[1]), json.dumps(good[1]),
             json.dumps(good[2])]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n")
    (tmp_path / "empty.txt").write_text("")
    summary = searchkit.index_paths([str(src), str(tmp_path / "empty.txt")],
                                    index_dir=tmp_path / "ix", extract=False)
    assert summary.indexed == 3
    reasons = [str(s) for s in summary.skipped]
    assert any(r.startswith(f"{src}:2:") for r in reasons), reasons
    assert any(f"{src}:4:" in r and "duplicate id" in r for r in reasons), reasons
    assert any("empty.txt" in r for r in reasons), reasons


def test_progress_counts_as_the_stream_goes(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", records(150))
    steps = list(iter_build([str(src)], index_dir=tmp_path / "ix", extract=False))
    assert [s.done for s in steps] == sorted(s.done for s in steps)
    assert steps[-1].finished and steps[-1].done == 150 and steps[-1].read == 150
    assert steps[-1].summary.indexed == 150
    assert not any(s.finished for s in steps[:-1])


def test_index_remembers_hashes(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", records(2))
    searchkit.index_paths([str(src)], index_dir=tmp_path / "ix", extract=False)
    with IndexWriter(tmp_path / "ix") as writer:
        assert set(writer.hashes(["a0", "a1", "nope"])) == {"a0", "a1"}


def test_extraction_fills_facets_on_the_seed(seed_index):
    ix = searchkit.open_index(seed_index)
    res = ix.search("prisoner exchange", facet_limit=None)
    assert res.total == 1
    people = {v.value for v in res.facets["people"]}
    assert {"Volodymyr Zelenskyy", "Sergei Lavrov"} <= people
    places = {v.value for v in res.facets["places"]}
    assert {"Kyiv", "Ukraine", "Russia"} <= places
    amounts = {v.value for v in res.facets["amounts"]}
    assert "EUR:1B+" in amounts
    assert any("prisoner" in v.value.lower() for v in res.facets["event_types"])


def test_user_event_file_adds_a_type_and_editing_it_re_extracts(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [
        {"id": "c1", "text": "Pro-Russian hackers hit the websites of three Ukrainian banks."}])
    rules = tmp_path / "cyber.json"
    rules.write_text(json.dumps({"types": [{
        "type": "Cyber attack", "code": None, "group": "Cyber", "weight": 0.9,
        "patterns": [{"id": "hackers-hit", "pattern": [
            {"LEMMA": "hacker"}, {"LEMMA": {"IN": ["hit", "attack"]}}]}]}]}))
    ix_dir = tmp_path / "ix"
    first = searchkit.index_paths([str(src)], index_dir=ix_dir, events=[rules])
    assert first.indexed == 1
    facet = searchkit.open_index(ix_dir).facet_values("event_types")
    assert "Cyber attack" in [v.value for v in facet]
    same = searchkit.index_paths([str(src)], index_dir=ix_dir, events=[rules])
    assert (same.indexed, same.unchanged) == (0, 1)
    rules.write_text(rules.read_text().replace("Cyber attack", "Hacking"))
    edited = searchkit.index_paths([str(src)], index_dir=ix_dir, events=[rules])
    assert edited.indexed == 1
    facet = searchkit.open_index(ix_dir).facet_values("event_types")
    assert "Hacking" in [v.value for v in facet] and "Cyber attack" not in [v.value for v in facet]


def test_articles_extracted_under_other_rules_are_extracted_again(tmp_path):
    # An index written by an older searchkit (other extraction rules or model; before the
    # rules were fingerprinted, an extracting run without alias or event files stored ""):
    # its articles are not "unchanged" now, they are extracted again and get their facets.
    from searchkit.sources import read_articles
    from searchkit.store import rows

    src = write_jsonl(tmp_path / "in.jsonl", [
        {"id": "k1", "title": "Drones hit Kyiv", "text": "Russian drones hit Kyiv overnight, "
         "President Volodymyr Zelenskyy said."}])
    ix_dir = tmp_path / "ix"
    [article] = [a for a in read_articles([str(src)]) if a.id == "k1"]
    with IndexWriter(ix_dir) as writer:
        writer.add(rows.from_article(article, None, extract=True, rules=""))
    assert list(searchkit.open_index(ix_dir).facet_values("people")) == []

    upgraded = searchkit.index_paths([str(src)], index_dir=ix_dir)
    assert (upgraded.indexed, upgraded.unchanged) == (1, 0)
    people = [v.value for v in searchkit.open_index(ix_dir).facet_values("people")]
    assert people == ["Volodymyr Zelenskyy"]
    again = searchkit.index_paths([str(src)], index_dir=ix_dir)
    assert (again.indexed, again.unchanged) == (0, 1)


def test_the_extraction_digest_follows_rule_files_not_resolution_data(tmp_path):
    import shutil

    from searchkit.extraction import version

    def digest_after(edit=None):
        root = tmp_path / f"copy{len(list(tmp_path.iterdir()))}"
        shutil.copytree(version.PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__"))
        if edit:
            path = root / edit
            path.write_bytes(path.read_bytes() + b"\n")
        return version.extraction_digest.__wrapped__(root)

    base = digest_after()
    assert digest_after() == base
    assert version.extraction_digest() == base  # the package itself, as the indexer reads it
    for rules in ("data/events.json", "data/junk.json", "entities.py"):
        assert digest_after(rules) != base, rules
    for not_rules in version.NOT_EXTRACTION:
        assert digest_after(f"data/{not_rules}") == base, not_rules


def test_one_path_id_or_file_where_a_list_is_expected_is_a_list_of_one(tmp_path):
    # The audit found index_paths("folder/") read letter by letter ("no such file: s"),
    # delete("id") deleting nothing and extract(events="file.json") reading "/".
    folder = tmp_path / "news"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", records(3))
    ix_dir = tmp_path / "ix"
    assert searchkit.index_paths(str(folder), index_dir=ix_dir, extract=False).indexed == 3
    assert searchkit.index_paths(folder, index_dir=ix_dir, extract=False).unchanged == 3
    assert searchkit.delete("a1", index_dir=ix_dir) == ["a1"]
    assert searchkit.open_index(ix_dir).doc_count() == 2
    rules = tmp_path / "cyber.json"
    rules.write_text(json.dumps({"types": [{
        "type": "Cyber attack", "code": None, "group": "Cyber", "weight": 0.9,
        "patterns": [{"id": "hackers-hit", "pattern": [
            {"LEMMA": "hacker"}, {"LEMMA": {"IN": ["hit", "attack"]}}]}]}]}))
    found = searchkit.extract("Hackers hit the websites of three banks.", events=str(rules))
    assert "Cyber attack" in found.facets()["event_types"]


def test_a_first_run_that_fails_leaves_no_index_and_delete_needs_one(tmp_path):
    import pytest

    bad_rules = tmp_path / "bad.json"
    bad_rules.write_text("{bad")
    src = write_jsonl(tmp_path / "in.jsonl", records(2))
    for ix_dir, kwargs in ((tmp_path / "ix1", {"aliases": bad_rules}),
                           (tmp_path / "ix2", {"extract": False})):
        paths = [str(src)] if "aliases" in kwargs else [str(tmp_path / "missing.jsonl")]
        with pytest.raises(searchkit.SearchkitError):
            searchkit.index_paths(paths, index_dir=ix_dir, **kwargs)
        assert not ix_dir.exists()
        with pytest.raises(searchkit.SearchkitError, match="no index at"):
            searchkit.open_index(ix_dir).search("grain")
    with pytest.raises(searchkit.SearchkitError, match="no index at"):
        searchkit.delete(["a0"], index_dir=tmp_path / "ix3")
    assert not (tmp_path / "ix3").exists()
    # A failed run on an index that exists leaves it as it was.
    ix_dir = tmp_path / "ix4"
    searchkit.index_paths([str(src)], index_dir=ix_dir, extract=False)
    with pytest.raises(searchkit.SearchkitError):
        searchkit.index_paths([str(tmp_path / "missing.jsonl")], index_dir=ix_dir, extract=False)
    assert searchkit.open_index(ix_dir).doc_count() == 2
