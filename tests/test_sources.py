"""Tests for searchkit.sources: every input format, ids, titles, dates and bad input."""
from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from searchkit.models import Article, SearchkitError
from searchkit.sources import Notice, Skipped, normalise_date, read_articles

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = REPO / "seeds" / "kyiv-prisoner-exchange.md"

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$")


def read(*paths, stdin=None):
    """All items read from the paths, as a list."""
    return list(read_articles([str(p) for p in paths], stdin=stdin))


def articles(items):
    return [i for i in items if isinstance(i, Article)]


def skipped(items):
    return [i for i in items if isinstance(i, Skipped)]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- seed corpus


def test_seed_article_reads_with_title_date_and_source():
    [art] = read(REPO / "seeds")
    assert art.title == "Escalating Tensions: Kyiv Faces Heavy Attacks Amid Ongoing Peace Talks"
    assert art.date == "2025-05-24"
    assert art.source == "searchkit seed corpus"
    assert art.id == "kyiv-prisoner-exchange"
    assert art.text.startswith("Overnight into Saturday, Kyiv was subjected")
    assert art.text.endswith("continue to shift in the region.")
    assert "Related Sources" not in art.text and "Escalating Tensions" not in art.text


def test_seed_article_keeps_the_original_words():
    original = SHARED / "seed" / "000_95257e01ec8bfa95.txt"
    if not original.exists():
        pytest.skip(f"shared seed {original} not present")
    lines = original.read_text(encoding="utf-8").split("\n")
    assert lines[-1].strip() == "Related Sources:"  # the one dropped boilerplate line
    [art] = read(SEED)
    assert art.title == lines[0]
    assert art.text == "\n".join(lines[1:-1]).strip()


def test_ids_are_stable_across_reads_and_between_folder_and_file(tmp_path):
    write(tmp_path / "corpus" / "2025" / "Kyiv Attack.md", "Drones hit Kyiv\n\nFires broke out.\n")
    write(tmp_path / "corpus" / "top.txt", "Headline here\nBody text follows.\n")
    first = [a.id for a in read(tmp_path / "corpus")]
    second = [a.id for a in read(tmp_path / "corpus")]
    assert first == second == ["2025-kyiv-attack", "top"]
    assert [a.id for a in read(tmp_path / "corpus" / "top.txt")] == ["top"]
    assert [a.id for a in read(SEED)] == [a.id for a in read(REPO / "seeds")]


# --------------------------------------------------------------------------- text and Markdown


def test_front_matter_fields_lists_and_meta(tmp_path):
    path = write(tmp_path / "a.md", "\n".join([
        "---",
        'title: "Talks: a \\"first\\" step"',
        "date: May 24, 2025",
        "source: Example Wire",
        "url: https://example.org/a",
        "id: custom-1",
        "people: [Volodymyr Zelenskyy, 'Sergei Lavrov']",
        "places:",
        "  - Kyiv",
        "  - Lipetsk",
        "orgs: NATO; EU",
        "author: Jane Doe",
        "---",
        "# Not a title here",
        "The body.",
    ]))
    [art] = read(path)
    assert art.id == "custom-1"
    assert art.title == 'Talks: a "first" step'
    assert art.date == "2025-05-24"
    assert (art.source, art.url) == ("Example Wire", "https://example.org/a")
    assert art.given == {"people": ("Volodymyr Zelenskyy", "Sergei Lavrov"),
                         "places": ("Kyiv", "Lipetsk"), "orgs": ("NATO", "EU")}
    assert art.meta == {"author": "Jane Doe"}
    assert art.text == "# Not a title here\nThe body."  # a front-matter title wins


@pytest.mark.parametrize("content, title, text", [
    ("Kyiv Faces Heavy Attacks\nOvernight, drones struck.\n", "Kyiv Faces Heavy Attacks", "Overnight, drones struck."),
    ("\n\n# Markdown heading #\n\nBody text.", "Markdown heading", "Body text."),
    ("Setext Title\n============\nBody text.", "Setext Title", "Body text."),
    ("Is peace near?\nDiplomats met on Friday.", "Is peace near?", "Diplomats met on Friday."),
    ("Overnight into Saturday, Kyiv was attacked.\nFires broke out.", "",
     "Overnight into Saturday, Kyiv was attacked.\nFires broke out."),
    ("The mayor said:\nSix people needed help.", "", "The mayor said:\nSix people needed help."),
    ("Only one line without a period", "", "Only one line without a period"),
    ("x" * 151 + "\nBody.", "", "x" * 151 + "\nBody."),
])
def test_headline_rule_without_front_matter(tmp_path, content, title, text):
    [art] = read(write(tmp_path / "a.txt", content))
    assert (art.title, art.text) == (title, text)


def test_front_matter_without_title_falls_back_to_headline(tmp_path):
    [art] = read(write(tmp_path / "a.md", "---\ndate: 2024-02-01\n---\nA Headline\nThe body.\n"))
    assert (art.title, art.text, art.date) == ("A Headline", "The body.", "2024-02-01")


# --------------------------------------------------------------------------- JSON, JSONL, stdin


def test_json_object_and_list(tmp_path):
    one = write(tmp_path / "one.json", json.dumps({
        "title": None, "date": None, "url": None, "body": "Text from body.", "lang": "en"}))
    [art] = read(one)
    assert (art.id, art.title, art.date, art.url, art.text) == ("one", "", None, "", "Text from body.")
    assert art.meta == {"lang": "en"}

    many = write(tmp_path / "Many Items.json", json.dumps([
        {"id": "x1", "title": "First", "text": "One.", "tags": ["a", "b"]},
        {"title": "Second", "content": "Two.", "people": "Ann Lee|Bo Chan"},
        "not an object",
        {"title": "No text"},
    ], indent=2))
    items = read(many)
    assert [a.id for a in articles(items)] == ["x1", "many-items-2"]
    assert articles(items)[0].given == {"tags": ("a", "b")}
    assert articles(items)[1].given == {"people": ("Ann Lee", "Bo Chan")}
    string_line = many.read_text().split("\n").index('  "not an object",') + 1
    bad = skipped(items)
    # origins name the line each bad item starts on; the last item starts on the next line
    assert [s.origin for s in bad] == [f"{many}:{string_line}", f"{many}:{string_line + 1}"]
    assert "expected a JSON object" in bad[0].reason and "no text" in bad[1].reason


def test_jsonl_broken_line_in_the_middle(tmp_path):
    path = write(tmp_path / "feed.jsonl", "\n".join([
        json.dumps({"id": "a", "title": "A", "text": "Alpha text."}),
        '{"id": "b", "title": "B", "text": "unterminated',
        "",
        json.dumps({"title": "C", "text": "Gamma text.", "date": "2022-01-25T09:00:00Z"}),
        json.dumps([1, 2]),
    ]) + "\n")
    items = read(path)
    assert [type(i).__name__ for i in items] == ["Article", "Skipped", "Article", "Skipped"]
    a, bad, c, not_object = items
    assert (a.id, a.origin) == ("a", f"{path}:1")
    assert bad.origin == f"{path}:2" and "invalid JSON" in bad.reason
    assert str(bad).startswith(f"{path}:2: invalid JSON")
    assert (c.id, c.origin, c.date) == ("feed-4", f"{path}:4", "2022-01-25T09:00:00")
    assert not_object.origin == f"{path}:5" and "a list" in not_object.reason


def test_stdin_jsonl_with_content_hash_ids():
    lines = "\n".join([
        json.dumps({"title": "T", "text": "Same text."}),
        "not json",
        json.dumps({"id": "given", "text": "Other."}),
    ])
    first = read("-", stdin=io.StringIO(lines))
    second = read("-", stdin=io.StringIO(lines))
    assert [i.id for i in articles(first)] == [i.id for i in articles(second)]
    hashed, given = articles(first)
    assert hashed.id.startswith("doc-") and given.id == "given"
    assert hashed.origin == "<stdin>:1"
    assert [s.origin for s in skipped(first)] == ["<stdin>:2"]


# --------------------------------------------------------------------------- CSV


def test_csv_with_extra_columns_lists_and_multiline_text(tmp_path):
    big = "word " * 40000  # over the csv module's default 128 KiB field limit
    path = write(tmp_path / "news.csv", "\n".join([
        "ID,Title,date,source,url,text,people,places,section",
        'c1,First,2025-05-24,Wire,https://e.org/1,"Line one,\nline two.",Ann Lee; Bo Chan,Kyiv|Lviv,World',
        ',Second,26-FEB-1987 15:01:01.79,Wire,,Plain text.,,,Business',
        ',No text,,,,,,,',
        f',Big,,,,{big},,,',
    ]) + "\n")
    items = read(path)
    first, second, big_one = articles(items)
    assert (first.id, first.title, first.text) == ("c1", "First", "Line one,\nline two.")
    assert first.given == {"people": ("Ann Lee", "Bo Chan"), "places": ("Kyiv", "Lviv")}
    assert first.meta == {"section": "World"}
    assert (second.id, second.origin, second.date) == ("news-4", f"{path}:4", "1987-02-26T15:01:01")
    assert second.given == {"people": (), "places": ()}
    assert big_one.text == big.strip()
    [bad] = skipped(items)
    assert bad.origin == f"{path}:5" and "no text" in bad.reason


def test_csv_semicolon_delimiter_and_ragged_row(tmp_path):
    path = write(tmp_path / "eu.csv", "title;text\nA;Alpha.\nB;Beta.;extra;cells\n")
    items = read(path)
    assert [a.title for a in articles(items)] == ["A"]
    assert skipped(items)[0].origin == f"{path}:3" and "header has 2" in skipped(items)[0].reason


def test_csv_without_text_column_is_one_skip(tmp_path):
    path = write(tmp_path / "meta.csv", "id,title\n1,A\n2,B\n")
    [bad] = read(path)
    assert bad.origin == f"{path}:1" and "no 'text'" in bad.reason


# --------------------------------------------------------------------------- HTML and feeds

HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Drones hit Kyiv overnight | Example News</title>
<meta property="og:title" content="Drones hit Kyiv overnight">
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2025-05-24T08:30:00+03:00">
<link rel="canonical" href="https://news.example.org/2025/05/24/kyiv-drones">
</head><body>
<nav><a href="/">Home</a> | <a href="/world">World</a> | Subscribe now</nav>
<article>
<h1>Drones hit Kyiv overnight</h1>
<p>Overnight into Saturday, Kyiv was subjected to a formidable drone and missile assault by
Russian forces, resulting in widespread fires and injuring at least eight individuals.</p>
<p>Russia and Ukraine embarked on a significant prisoner exchange on Friday, involving
military personnel and civilians, the largest such swap of the war so far.</p>
</article>
<footer>Copyright Example News. All rights reserved.</footer>
</body></html>
"""


def test_html_article_text_and_metadata(tmp_path):
    [art] = read(write(tmp_path / "site" / "kyiv.html", HTML_PAGE))
    assert art.title == "Drones hit Kyiv overnight"
    assert art.source == "Example News"
    assert art.url == "https://news.example.org/2025/05/24/kyiv-drones"
    assert art.date is not None and art.date.startswith("2025-05-2")
    assert art.id == "kyiv"
    assert "prisoner exchange on Friday" in art.text
    assert not art.text.startswith("Drones hit Kyiv")  # the <h1> is the title, not body
    assert "Subscribe" not in art.text and "Copyright" not in art.text


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Example World News</title>
  <link>https://news.example.org/</link>
  <description>World news</description>
  <item>
    <title>Prisoner exchange begins</title>
    <link>https://news.example.org/swap</link>
    <guid isPermaLink="false">swap-2025-05-23</guid>
    <pubDate>Fri, 23 May 2025 18:00:00 +0300</pubDate>
    <category>Ukraine</category>
    <description>Short summary.</description>
    <content:encoded><![CDATA[<p>Russia and Ukraine <b>exchanged</b> 390 prisoners each.</p><p>More swaps &amp; talks are expected.</p><script>track()</script>]]></content:encoded>
  </item>
  <item>
    <title>Kyiv attacked</title>
    <link>https://news.example.org/kyiv</link>
    <pubDate>Sat, 24 May 2025 06:15:00 GMT</pubDate>
    <description>&lt;p&gt;Drones and missiles struck &lt;a href="x"&gt;Kyiv&lt;/a&gt;.&lt;/p&gt;</description>
  </item>
  <item>
    <title>Headline only</title>
    <link>https://news.example.org/empty</link>
  </item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Example Atom Feed</title>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
  <updated>2025-05-24T10:00:00Z</updated>
  <entry>
    <title>EU agrees loan programme</title>
    <link href="https://atom.example.org/loan"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
    <updated>2025-05-24T10:00:00Z</updated>
    <summary>A summary.</summary>
    <content type="html">&lt;p&gt;A &#8364;150 billion loan programme was finalised.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Court sentence</title>
    <link href="https://atom.example.org/court"/>
    <id>tag:atom.example.org,2025:court</id>
    <published>2025-05-23</published>
    <updated>2025-05-23T12:00:00-04:00</updated>
    <content type="text">A court sentenced a man to 29 years.</content>
  </entry>
</feed>
"""


def test_rss_feed_one_article_per_entry(tmp_path):
    path = write(tmp_path / "world.rss", RSS)
    items = read(path)
    swap, kyiv = articles(items)
    assert (swap.id, swap.title, swap.source) == ("swap-2025-05-23", "Prisoner exchange begins", "Example World News")
    assert swap.date == "2025-05-23T15:00:00"
    assert swap.url == "https://news.example.org/swap"
    assert swap.text == "Russia and Ukraine exchanged 390 prisoners each.\nMore swaps & talks are expected."
    assert swap.given == {"tags": ("Ukraine",)}
    assert kyiv.text == "Drones and missiles struck Kyiv."
    assert kyiv.date == "2025-05-24T06:15:00"
    [bad] = skipped(items)
    third_item = RSS.split("\n").index("  <item>", 20) + 1
    assert bad.origin == f"{path}:{third_item}" and bad.reason.startswith("entry 3: no text")
    assert swap.origin == f"{path}:{RSS.split(chr(10)).index('  <item>') + 1}"


def test_atom_feed(tmp_path):
    loan, court = articles(read(write(tmp_path / "feed.xml", ATOM)))
    assert loan.id == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert loan.text == "A €150 billion loan programme was finalised."
    assert (loan.date, loan.source, loan.url) == ("2025-05-24T10:00:00", "Example Atom Feed", "https://atom.example.org/loan")
    assert court.text == "A court sentenced a man to 29 years."
    assert court.date == "2025-05-23"  # published wins over updated


# --------------------------------------------------------------------------- folders and paths


def test_folder_recursive_sorted_skipping_hidden_and_unknown(tmp_path):
    root = tmp_path / "corpus"
    write(root / "b.txt", "B title\nB body.")
    write(root / "a" / "z.md", "Z title\nZ body.")
    write(root / "a" / "deeper" / "y.jsonl", json.dumps({"text": "Y body."}) + "\n")
    write(root / ".hidden.txt", "Hidden\nNever read.")
    write(root / ".git" / "c.txt", "Hidden dir\nNever read.")
    write(root / "notes.pdf", "not a known type")
    items = read(root)
    assert not skipped(items)
    assert [a.id for a in items] == ["a-deeper-y-1", "a-z", "b"]
    assert items[1].origin == str(root / "a" / "z.md")


def test_unknown_extension_given_explicitly_is_skipped(tmp_path):
    path = write(tmp_path / "notes.pdf", "whatever")
    [bad] = read(path)
    assert bad.origin == str(path) and "unsupported file type .pdf" in bad.reason


def test_missing_path_raises_at_once_naming_it(tmp_path):
    missing = tmp_path / "nope" / "gone.jsonl"
    with pytest.raises(SearchkitError, match="gone.jsonl"):
        read_articles([str(tmp_path), str(missing)])


def test_reading_goes_on_after_bad_files(tmp_path):
    root = tmp_path / "mixed"
    write(root / "1-empty.txt", "")
    write(root / "2-blank.md", "  \n\n ")
    (root / "3-binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (root / "4-latin1.txt").write_bytes("Caf\xe9 title\nBody".encode("latin-1"))
    write(root / "5-bad.json", '{"title": "x",\n "text": }')
    write(root / "6-unclosed.md", "---\ntitle: x\nBody without closing")
    write(root / "7-badfm.md", "---\ntitle: ok\nthis is not a pair\n---\nBody")
    write(root / "8-notfeed.xml", "<root><a>1</a></root>")
    write(root / "9-empty.html", "<html><head><title>Nothing</title></head><body></body></html>")
    (root / "10-binary.jsonl").write_bytes(b"\x00\x01\x02" * 10)
    write(root / "11-empty.csv", "")
    os.symlink(root / "does-not-exist.txt", root / "12-dangling.txt")
    write(root / "13-good.txt", "Good Headline\nGood body.")
    items = list(read_articles([str(root)], notices=True))
    good, latin1 = articles(items)
    assert good.id == "13-good"
    assert (latin1.id, latin1.title) == ("4-latin1", "Café title")  # a legacy charset, guessed
    [notice] = [i for i in items if isinstance(i, Notice)]
    assert notice.origin == str(root / "4-latin1.txt") and "not UTF-8" in notice.message
    reasons = {Path(s.origin.split(":")[0]).name: (s.origin, s.reason) for s in skipped(items)}
    assert reasons["1-empty.txt"][1] == "empty file"
    assert reasons["2-blank.md"][1] == "empty file"
    assert "binary" in reasons["3-binary.txt"][1]
    assert reasons["5-bad.json"][0] == f"{root / '5-bad.json'}:2"
    assert "invalid JSON" in reasons["5-bad.json"][1]
    assert "never closed" in reasons["6-unclosed.md"][1]
    assert reasons["7-badfm.md"][0] == f"{root / '7-badfm.md'}:3"
    assert "not an RSS or Atom feed" in reasons["8-notfeed.xml"][1]
    assert "no article text" in reasons["9-empty.html"][1]
    assert "binary" in reasons["10-binary.jsonl"][1]
    assert reasons["11-empty.csv"][1] == "empty file"
    assert "cannot read file" in reasons["12-dangling.txt"][1]
    assert len(skipped(items)) == 11


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_skipped(tmp_path):
    path = write(tmp_path / "secret.txt", "Title\nBody")
    path.chmod(0)
    try:
        [bad] = read(path)
        assert "cannot read file" in bad.reason
    finally:
        path.chmod(0o644)


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize("raw, expected", [
    ("2022-01-25T09:00:00Z", "2022-01-25T09:00:00"),
    ("26-FEB-1987 15:01:01.79", "1987-02-26T15:01:01"),
    ("27-MAR-1987 02:17:09.88T C", "1987-03-27T02:17:09"),  # Reuters' stray trailing letters
    ("May 24, 2025", "2025-05-24"),
    ("Sat, 24 May 2025 09:00:00 +0300", "2025-05-24T06:00:00"),
    ("Sat, 24 May 2025 09:00:00 EDT", "2025-05-24T13:00:00"),
    ("2025-05-24", "2025-05-24"),
    ("2025-05-24T00:00:00", "2025-05-24T00:00:00"),
    ("Updated 24 May 2025", "2025-05-24"),
    (1748070000, "2025-05-24T07:00:00"),
    ("May 2025", None),
    ("Friday", None),
    ("2025-13-45", None),
    ("not a date", None),
    ("", None),
    (None, None),
])
def test_normalise_date(raw, expected):
    assert normalise_date(raw) == expected


def test_bad_date_keeps_article(tmp_path):
    path = write(tmp_path / "d.jsonl", json.dumps({"id": "d", "text": "Body.", "date": "someday"}) + "\n")
    [art] = read(path)
    assert art.date is None and art.meta == {"date_raw": "someday"}


# --------------------------------------------------------------------------- real data and import weight


def test_ukraine_war_corpus_reads_all_447_with_null_titles():
    path = SHARED / "data" / "news" / "ukraine_war.jsonl"
    if not path.exists():
        pytest.skip(f"shared corpus {path} not present")
    items = read(path)
    assert not skipped(items)
    assert len(items) == 447
    assert all(a.title == "" and a.url == "" and a.text for a in items)
    assert all(a.date and ISO.match(a.date) for a in items)
    assert items[0].id.startswith("gdelt-ua-") and "annotations" in items[0].meta


def test_reading_does_not_import_spacy_or_heavy_parsers():
    code = ("import sys, searchkit.sources as s; list(s.read_articles(['seeds']));"
            "print(sorted(m for m in ('spacy', 'trafilatura', 'feedparser') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_dateline_field_opens_the_text(tmp_path):
    path = tmp_path / "wire.jsonl"
    path.write_text(json.dumps({"id": "r1", "dateline": "NEW YORK, March 3 -",
                                "text": "Shr 1.20 dlrs vs 1.05 dlrs."}) + "\n"
                    + json.dumps({"id": "r2", "dateline": "LONDON, March 4 -",
                                  "text": "LONDON, March 4 - Tin prices fell."}) + "\n")
    first, second = [a for a in read_articles([str(path)])]
    assert first.text == "NEW YORK, March 3 - Shr 1.20 dlrs vs 1.05 dlrs."
    assert first.meta["dateline"] == "NEW YORK, March 3 -"
    assert second.text == "LONDON, March 4 - Tin prices fell."  # not doubled
