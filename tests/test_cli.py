"""End-to-end CLI: the commands a user types, through click's CliRunner and a real shell."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from searchkit.cli import main

from conftest import SEEDS, write_jsonl


def run(*args, input=None):
    """Run `searchkit ARGS` like the console script does (errors turned into exit codes)."""
    runner = CliRunner()
    return runner.invoke(_Main(), list(args), input=input, catch_exceptions=False)


class _Main:
    """Adapts `main()` (which calls sys.exit) to CliRunner's invoke interface."""
    name = "searchkit"

    def main(self, args, prog_name=None, **_):
        main(args)


@pytest.fixture(scope="module")
def jsonl_index(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    records = [
        {"id": "k1", "title": "Prisoner exchange in Kyiv", "date": "2024-05-01", "source": "Wire",
         "text": "Ukraine and Russia held a prisoner exchange.", "places": ["Kyiv"], "people": ["Volodymyr Zelenskyy"]},
        {"id": "k2", "title": "Talks in Geneva", "date": "2023-02-11", "source": "Paper",
         "text": "Negotiators met for peace talks and a prisoner exchange.", "places": ["Geneva"]},
        {"id": "k3", "title": "Grain deal", "date": "2022-07-22", "source": "Wire",
         "text": "A grain corridor opened from Odesa.", "places": ["Odesa"]},
    ]
    src = write_jsonl(tmp / "in.jsonl", records)
    result = run("index", str(src), "--no-extract", "--index", str(tmp / "ix"))
    assert result.exit_code == 0, result.output
    assert "indexed 3" in result.output
    return tmp / "ix"


def test_query_human_output(jsonl_index):
    result = run("query", "prisoner exchange", "--index", str(jsonl_index))
    assert result.exit_code == 0
    out = result.output
    assert out.startswith("2 articles match 'prisoner exchange'")
    assert "Prisoner exchange in Kyiv" in out and "*prisoner*" in out
    assert "Places:" in out and "Kyiv (1)" in out and "Geneva (1)" in out


def test_query_json_shape(jsonl_index):
    result = run("query", "prisoner", "--place", "Kyiv", "--json", "--index", str(jsonl_index))
    data = json.loads(result.output)
    assert set(data) == {"query", "total", "page", "suggestion", "hits", "warnings", "facets"}
    assert data["total"] == 1 and data["page"] == 1
    hit = data["hits"][0]
    assert set(hit) == {"id", "title", "date", "source", "url", "score", "snippet", "people",
                        "places", "orgs", "event_types", "main_event", "tags", "amounts",
                        "duplicates"}
    assert hit["id"] == "k1" and hit["places"] == ["Kyiv"]
    places = {v["value"]: v for v in data["facets"]["places"]}
    assert places["Kyiv"]["selected"] and places["Geneva"]["count"] == 1  # own filter excluded


def test_filters_sort_and_explain(jsonl_index):
    newest = json.loads(run("query", "--sort", "newest", "--json", "--index", str(jsonl_index)).output)
    assert [h["id"] for h in newest["hits"]] == ["k1", "k2", "k3"]
    dated = json.loads(run("query", "--from", "2023-01-01", "--to", "2023-12-31", "--json",
                           "--index", str(jsonl_index)).output)
    assert [h["id"] for h in dated["hits"]] == ["k2"]
    explained = run("query", "person:zelenskyy OR grain", "--explain", "--index", str(jsonl_index))
    assert "people:zelenskyy" in explained.stderr and "people:zelenskyy" not in explained.stdout
    as_json = run("query", "person:zelenskyy OR grain", "--explain", "--json", "--index",
                  str(jsonl_index))
    assert "people:zelenskyy" in json.loads(as_json.stdout)["explain"]


def test_errors_are_messages_not_tracebacks(tmp_path, jsonl_index):
    missing = run("query", "x", "--index", str(tmp_path / "none"))
    assert missing.exit_code == 1
    assert "searchkit index" in missing.output and "Traceback" not in missing.output
    bad_date = run("query", "x", "--from", "last week", "--index", str(jsonl_index))
    assert bad_date.exit_code == 2 and "invalid date" in bad_date.output
    bad_query = run("query", "x", "--sort", "random", "--index", str(jsonl_index))
    assert bad_query.exit_code == 2
    unknown = run("show", "nope", "--index", str(jsonl_index))
    assert unknown.exit_code == 1 and "no article" in unknown.output


def test_facets_show_stats_check(jsonl_index):
    facets = run("facets", "places", "--json", "--index", str(jsonl_index))
    assert {v["value"] for v in json.loads(facets.output)} == {"Kyiv", "Geneva", "Odesa"}
    show = json.loads(run("show", "k1", "--json", "--index", str(jsonl_index)).output)
    assert show["title"] == "Prisoner exchange in Kyiv" and show["places"] == ["Kyiv"]
    stats = json.loads(run("stats", "--json", "--index", str(jsonl_index)).output)
    assert stats["articles"] == 3 and stats["facet_values"]["places"] == 3
    assert stats["size_bytes"] > 0
    assert run("check", "--index", str(jsonl_index)).exit_code == 0


def test_index_from_stdin(tmp_path):
    line = json.dumps({"id": "s1", "text": "Drones struck a depot near Lviv."})
    result = run("index", "-", "--no-extract", "--index", str(tmp_path / "ix"), input=line + "\n")
    assert result.exit_code == 0, result.output
    assert "indexed 1" in result.output


def test_extract_json_lines_point_at_the_text(tmp_path):
    result = run("extract", str(SEEDS), "--json")
    assert result.exit_code == 0
    line = json.loads(result.output.splitlines()[0])
    assert {"id", "title", "people", "places", "orgs", "event_types", "amounts", "mentions",
            "events"} <= set(line)
    text = (SEEDS / "kyiv-prisoner-exchange.md").read_text()
    for mention in line["mentions"]:
        assert mention["text"] in text
    assert any(m["canonical"] == "Volodymyr Zelenskyy" for m in line["mentions"])


def test_seed_readme_line_in_a_real_shell(tmp_path):
    """The README's first line (after install): index seeds/, then query prisoner exchange."""
    env_index = str(tmp_path / "ix")
    exe = [sys.executable, "-c", "from searchkit.cli import main; main()"]
    subprocess.run([*exe, "index", str(SEEDS), "--index", env_index], check=True,
                   capture_output=True, text=True)
    out = subprocess.run([*exe, "query", "prisoner exchange", "--index", env_index],
                         check=True, capture_output=True, text=True).stdout
    assert "Escalating Tensions" in out
    for name in ("Volodymyr Zelenskyy", "Sergei Lavrov", "Kyiv", "Lipetsk", "€150 billion",
                 "Prisoner exchange"):
        assert name in out


def test_query_path_never_imports_spacy(seed_index):
    code = ("import sys; from searchkit.cli import main\n"
            "try:\n    main(['query', 'prisoner', '--index', sys.argv[1]])\n"
            "except SystemExit: pass\n"
            "assert 'spacy' not in sys.modules, 'spaCy imported on the query path'")
    subprocess.run([sys.executable, "-c", code, str(seed_index)], check=True, capture_output=True)


def test_batch_writes_every_search(tmp_path, jsonl_index):
    searches = tmp_path / "weekly.json"
    searches.write_text(json.dumps([
        {"name": "Exchanges", "query": "prisoner exchange", "places": ["Kyiv"]},
        {"name": "Grain", "query": "grain"}]))
    result = run("batch", str(searches), "-o", str(tmp_path / "out"), "--no-html",
                 "--index", str(jsonl_index))
    assert result.exit_code == 0, result.output
    exchanges = json.loads((tmp_path / "out" / "Exchanges.json").read_text())
    assert exchanges["total"] == 1 and exchanges["hits"][0]["id"] == "k1"
    assert (tmp_path / "out" / "Grain.csv").read_text().splitlines()[1].split(",")[1] == "k3"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"name": "x", "query": "a", "colour": "red"}]))
    refused = run("batch", str(bad), "-o", str(tmp_path / "out2"), "--index", str(jsonl_index))
    assert refused.exit_code == 2 and "colour" in refused.output


@pytest.fixture()
def names_index(tmp_path):
    records = [
        {"id": "n1", "text": "Talks in Kyiv.", "people": ["Volodymyr Zelenskyy", "Olaf Scholz"]},
        {"id": "n2", "text": "Talks in Berlin.", "people": ["Zelenskyy", "Scholz"], "places": ["Kiev"]},
        {"id": "n3", "text": "Grain.", "people": ["Wołodymyr Zełenski"], "places": ["Kyiv"],
         "orgs": ["International Criminal Court"]},
        {"id": "n4", "text": "Court.", "orgs": ["ICC"], "people": ["Karim Khan"]},
    ]
    src = write_jsonl(tmp_path / "n.jsonl", records)
    assert run("index", str(src), "--no-extract", "--index", str(tmp_path / "ix")).exit_code == 0
    return tmp_path / "ix"


def test_entities_list_their_spellings_and_filters_are_forgiving(names_index):
    rows = json.loads(run("entities", "--kind", "person", "--json", "--index", str(names_index)).stdout)
    top = rows[0]
    assert top["value"] == "Volodymyr Zelenskyy" and top["articles"] == 3
    assert set(top["variants"]) == {"Volodymyr Zelenskyy", "Zelenskyy", "Wołodymyr Zełenski"}
    for spelling in ("zelensky", "Wolodymyr Zelenski", "ZELENSKYY"):
        res = json.loads(run("query", "--person", spelling, "--json", "--index", str(names_index)).stdout)
        assert res["total"] == 3 and not res["warnings"], spelling
    res = json.loads(run("query", "--place", "kiev", "--json", "--index", str(names_index)).stdout)
    assert res["total"] == 2 and {h["id"] for h in res["hits"]} == {"n2", "n3"}
    missing = run("query", "--person", "Zelenskiiy Volodimir Xx", "--index", str(names_index))
    assert missing.exit_code == 0 and "did you mean 'Volodymyr Zelenskyy'" in missing.stderr


def test_entity_edits_are_recorded_and_re_resolve_without_reindexing(names_index):
    def people():
        rows = json.loads(run("entities", "--kind", "person", "--json", "--index", str(names_index)).stdout)
        return {r["value"]: set(r["variants"]) for r in rows}

    assert run("entities", "--index", str(names_index), "split", "Zelenskyy").exit_code == 0
    assert people()["Zelenskyy"] == {"Zelenskyy"}
    assert run("entities", "--index", str(names_index), "merge", "Karim Khan", "Olaf Scholz").exit_code == 0
    assert {"Karim Khan", "Olaf Scholz"} <= next(v for v in people().values() if "Karim Khan" in v)
    assert run("entities", "--index", str(names_index), "rename", "Olaf Scholz", "Chancellor Scholz").exit_code == 0
    assert "Chancellor Scholz" in people()
    assert run("entities", "--index", str(names_index), "not-a-name", "Zelenskyy").exit_code == 0
    assert "Zelenskyy" not in {v for vs in people().values() for v in vs}
    edits = json.loads((names_index / "aliases.json").read_text())["entities"]
    assert edits["not_a_name"] == ["Zelenskyy"] and edits["rename"] == {"Olaf Scholz": "Chancellor Scholz"}
    unknown = run("entities", "--index", str(names_index), "merge", "Nobody Here", "Olaf Scholz")
    assert unknown.exit_code == 2 and "no name 'Nobody Here'" in unknown.output
    # --index also after the edit's name, as every other command takes it
    assert run("entities", "rename", "Olaf Scholz", "Scholz (chancellor)", "--index", str(names_index)).exit_code == 0
    assert "Scholz (chancellor)" in people() and "Chancellor Scholz" not in people()


def test_edits_in_the_index_folder_hold_beside_an_alias_file(names_index, tmp_path):
    # The audit: an edit recorded with --aliases FILE undid the ones in INDEX/aliases.json.
    def people(*extra):
        rows = json.loads(run("entities", "--kind", "person", "--json", "--index", str(names_index), *extra).stdout)
        return {r["value"] for r in rows}

    assert run("entities", "rename", "Volodymyr Zelenskyy", "President Zelenskyy", "--index", str(names_index)).exit_code == 0
    other = tmp_path / "mine.json"
    other.write_text("{}")
    assert run("entities", "--index", str(names_index), "not-a-name", "Karim Khan", "--aliases", str(other)).exit_code == 0
    assert "entities" in json.loads(other.read_text())
    shown = people()
    assert "President Zelenskyy" in shown and "Volodymyr Zelenskyy" not in shown and "Karim Khan" not in shown
    assert run("entities", "rename", "Volodymyr Zelenskyy", "Volodymyr Zelenskyy", "--index", str(names_index)).exit_code == 0


def test_debug_is_taken_after_the_command_too(tmp_path):
    missing = str(tmp_path / "nothing")
    quiet = run("query", "x", "--index", missing)
    assert quiet.exit_code == 1 and "Traceback" not in quiet.output
    with pytest.raises(Exception, match="no index at"):
        run("query", "x", "--debug", "--index", missing)  # the traceback is raised, not hidden


def test_streaming_all_hits_says_so_and_takes_no_page_options(jsonl_index):
    everything = run("query", "", "--all", "--index", str(jsonl_index))
    assert everything.exit_code == 0
    assert everything.output.startswith("3 articles match '(everything)'; showing all")
    assert everything.output.count("\n  1. ") + everything.output.count("\n  2. ") == 2
    both = run("query", "", "--all", "--limit", "3", "--index", str(jsonl_index))
    assert both.exit_code == 2 and "--all streams every hit" in both.output
    like = run("query", "--like", "k1", "--index", str(jsonl_index))
    assert like.output.startswith("1 article is like 'k1'; showing 1-1")
    import searchkit

    with pytest.raises(searchkit.SearchkitError, match="takes no limit"):
        list(searchkit.open_index(jsonl_index).iter_hits("", limit=2))


def test_the_dates_facet_keeps_its_busiest_periods_under_a_limit(jsonl_index):
    import searchkit

    ix = searchkit.open_index(jsonl_index)
    every = ix.facet_values("dates")
    assert [v.value for v in every] == ["2022-07", "2023-02", "2024-05"]
    assert len(ix.facet_values("dates", limit=2)) == 2
    assert run("facets", "dates", "--limit", "1", "--index", str(jsonl_index)).output.count("\n") == 1


def test_a_period_or_currency_that_matches_nothing_is_named(jsonl_index):
    res = json.loads(run("query", "", "--month", "1988", "--json", "--index", str(jsonl_index)).stdout)
    assert res["total"] == 0
    assert res["warnings"] == ["no month '1988' in the index; the articles are dated 2022-07-22 to 2024-05-01"]
    res = json.loads(run("query", "", "--month", "2023-02", "--json", "--index", str(jsonl_index)).stdout)
    assert res["total"] == 1 and res["warnings"] == []
    res = json.loads(run("query", "", "--currency", "xyz", "--json", "--index", str(jsonl_index)).stdout)
    assert res["warnings"] == ["no amount in currency 'XYZ' in the index; its currencies: none"]
