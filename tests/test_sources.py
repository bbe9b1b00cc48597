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


# --------------------------------------------------------------------------- hostile input (issue 13)

RU = ("Президент заявил, что переговоры продолжатся на следующей неделе в Москве. "
      "Министр иностранных дел сообщил журналистам, что стороны обсудили вопросы безопасности, "
      "торговли и энергетики. По его словам, соглашение может быть подписано уже в этом году.")
JA = ("首相は来週の会談で経済政策について話し合うと述べた。政府関係者によると、"
      "両国は貿易と安全保障の問題を協議する予定だ。記者会見では、エネルギー価格の高騰についても質問が出た。")


def good_line(ident: str, text: str = "") -> str:
    return json.dumps({"id": ident, "title": f"Title {ident}", "text": text or f"Body of {ident}."},
                      ensure_ascii=False)


def notices(items):
    return [i for i in items if isinstance(i, Notice)]


def read_all(*paths):
    """Articles, Skipped and Notices, as `searchkit index` sees them."""
    return list(read_articles([str(p) for p in paths], notices=True))


def test_jsonl_line_nested_10000_deep_costs_only_that_line(tmp_path):
    deep = "[" * 10_000 + "]" * 10_000
    path = write(tmp_path / "deep.jsonl", "\n".join([
        good_line("a"), deep, good_line("b"), '{"text": "x", "meta": ' + deep + "}", good_line("c"),
    ]) + "\n")
    items = read(path)
    assert [a.id for a in articles(items)] == ["a", "b", "c"]
    assert [s.origin for s in skipped(items)] == [f"{path}:2", f"{path}:4"]
    assert all("nested too deeply" in s.reason for s in skipped(items))


def test_jsonl_5000_digit_integer_costs_only_that_line(tmp_path):
    path = write(tmp_path / "big.jsonl", "\n".join([
        good_line("a"), '{"id": "n", "text": "x", "count": ' + "7" * 5000 + "}", good_line("b"),
    ]) + "\n")
    items = read(path)
    assert [a.id for a in articles(items)] == ["a", "b"]
    [bad] = skipped(items)
    assert bad.origin == f"{path}:2" and "more than 4300 digits" in bad.reason


def test_json_list_items_stand_alone_deep_huge_broken_and_cut_short(tmp_path):
    lines = [
        "[",
        json.dumps({"id": "j1", "text": "One."}) + ",",
        "[" * 10_000 + "]" * 10_000 + ",",
        '{"id": "j2", "text": "Two.", "n": ' + "1" * 5000 + "},",
        '{"id": "broken", "text": [}, ',
        json.dumps({"id": "j3", "text": "Three, with [brackets] and {braces} in a string."}) + ",",
        '{"id": "cut", "text": "the file ends in',
    ]
    path = write(tmp_path / "list.json", "\n".join(lines))
    items = read_all(path)
    assert [a.id for a in articles(items)] == ["j1", "j3"]
    assert [a.origin for a in articles(items)] == [f"{path}:2", f"{path}:6"]
    reasons = {s.line: s.reason for s in skipped(items)}
    assert set(reasons) == {3, 4, 5, 7}
    assert "nested too deeply" in reasons[3] and "4300 digits" in reasons[4]
    assert "invalid JSON" in reasons[5] and "cut short" in reasons[7]


def test_json_list_without_closing_bracket_keeps_every_item(tmp_path):
    path = write(tmp_path / "open.json", "[\n" + good_line("a") + ",\n" + good_line("b") + "\n")
    items = read_all(path)
    assert [a.id for a in articles(items)] == ["a", "b"] and not skipped(items)
    [notice] = notices(items)
    assert "never closed" in notice.message


def test_csv_row_with_nul_is_skipped_alone(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"id,title,text\nr1,A,Alpha.\nr2,B,Be\x00ta.\nr3,C,Gamma.\n")
    items = read(path)
    assert [a.id for a in articles(items)] == ["r1", "r3"]
    [bad] = skipped(items)
    assert bad.origin == f"{path}:3" and "NUL" in bad.reason


def test_csv_unclosed_quote_is_named_where_it_opened_and_later_rows_recovered(tmp_path):
    path = write(tmp_path / "quote.csv", "\n".join([
        "id,title,text",
        "q1,A,Alpha.",
        'q2,B,"Beta never closed',
        "q3,C,Gamma.",
        'q4,D,"Delta, quoted properly"',
        "q5,E,Epsilon.",
    ]) + "\n")
    items = read(path)
    assert [(a.id, a.origin) for a in articles(items)] == [
        ("q1", f"{path}:2"), ("q3", f"{path}:4"), ("q4", f"{path}:5"), ("q5", f"{path}:6")]
    assert articles(items)[2].text == "Delta, quoted properly"
    [bad] = skipped(items)
    assert bad.origin == f"{path}:3" and "opened on line 3 is never closed" in bad.reason


def test_csv_unclosed_quote_at_the_end_of_the_file(tmp_path):
    path = write(tmp_path / "end.csv", 'id,title,text\ne1,A,Alpha.\ne2,B,"never closed\ne3,C,Gamma.\n')
    items = read(path)
    assert [a.id for a in articles(items)] == ["e1", "e3"]
    [bad] = skipped(items)
    assert bad.origin == f"{path}:3" and "the file ends inside it" in bad.reason


def test_csv_recovery_does_not_turn_pieces_of_a_broken_field_into_rows(tmp_path):
    # a quoted field over three lines with an undoubled quote: its pieces are not rows
    path = write(tmp_path / "slip.csv", "\n".join([
        "id,title,text",
        'm1,A,"First line of the text',
        'he said "no" and left',
        'last line"',
        "m2,B,Beta.",
    ]) + "\n")
    items = read(path)
    assert [a.id for a in articles(items)] == ["m2"]
    origins = [s.origin for s in skipped(items)]
    assert origins[0] == f"{path}:2" and "opened on line 2" in skipped(items)[0].reason
    assert all(origin != f"{path}:5" for origin in origins)


def test_csv_quote_slip_within_one_line_is_read_as_spreadsheets_do(tmp_path):
    path = write(tmp_path / "slip.csv", 'id,title,text\ns1,"Quoted" title,Alpha.\ns2,B,Beta.\n')
    first, second = read(path)
    assert (first.id, first.title, second.id) == ("s1", "Quoted title", "s2")


def test_csv_with_old_mac_line_ends(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b"id,title,text\rc1,A,Alpha.\rc2,B,Beta.\r")
    assert [(a.id, a.origin) for a in read(path)] == [("c1", f"{path}:2"), ("c2", f"{path}:3")]


@pytest.mark.parametrize("codec, bom", [
    ("utf-16", ""), ("utf-16-le", ""), ("utf-16-be", ""), ("utf-16-le", "\ufeff"),
    ("utf-32", ""), ("utf-32-le", ""), ("utf-32-be", ""), ("utf-8", "\ufeff"),
])
def test_utf16_and_utf32_csv_and_jsonl(tmp_path, codec, bom):
    rows = "id,title,text\n" + f'u1,Київ,"{RU}"\n' + "u2,B,Beta.\n"
    (tmp_path / "t.csv").write_bytes((bom + rows).encode(codec))
    (tmp_path / "t.jsonl").write_bytes((bom + good_line("v1", RU) + "\n{bad\n" + good_line("v2") + "\n").encode(codec))
    items = read_all(tmp_path)
    assert [(a.id, a.origin.rsplit("/", 1)[1]) for a in articles(items)] == [
        ("u1", "t.csv:2"), ("u2", "t.csv:3"), ("v1", "t.jsonl:1"), ("v2", "t.jsonl:3")]
    assert articles(items)[0].text == RU and articles(items)[0].title == "Київ"
    assert articles(items)[2].text == RU
    [bad] = skipped(items)
    assert bad.origin.endswith("t.jsonl:2") and "invalid JSON" in bad.reason
    without_bom = not bom and codec not in ("utf-16", "utf-32")
    assert len(notices(items)) == (2 if without_bom else 0)
    assert all("no byte-order mark" in n.message for n in notices(items))


def feed(text: str, declaration: str = '<?xml version="1.0"?>') -> str:
    return (declaration + '<rss version="2.0"><channel><title>Wire</title>'
            f"<item><title>Entry</title><guid>e1</guid><description>{text}</description></item>"
            "<item><title>Second</title><guid>e2</guid><description>Plain.</description></item>"
            "</channel></rss>")


@pytest.mark.parametrize("codec, bom", [
    ("utf-32", ""), ("utf-32-le", "\ufeff"), ("utf-32-be", "\ufeff"), ("utf-32-le", ""),
    ("utf-32-be", ""), ("utf-16-be", ""), ("utf-16", ""),
])
def test_utf32_and_utf16_feeds(tmp_path, codec, bom):
    path = tmp_path / "wide.rss"
    path.write_bytes((bom + feed(JA, '<?xml version="1.0" encoding="UTF-32"?>')).encode(codec))
    first, second = articles(read(path))
    assert (first.id, first.text, second.text) == ("e1", JA, "Plain.")


@pytest.mark.parametrize("codec, text", [("euc-jp", JA), ("shift_jis", JA), ("koi8-r", RU),
                                         ("cp1251", RU)])
def test_feed_without_declared_charset_is_guessed_with_a_warning(tmp_path, codec, text):
    path = tmp_path / "legacy.xml"
    path.write_bytes(feed(text).encode(codec))
    items = read_all(path)
    first, second = articles(items)
    assert (first.text, second.text) == (text, "Plain.")
    [notice] = notices(items)
    assert notice.origin == str(path)
    assert notice.message.startswith("not UTF-8; read as ") and notice.message.endswith("(guessed)")


def test_feed_declared_charset_is_honoured_without_a_warning(tmp_path):
    path = tmp_path / "declared.rss"
    path.write_bytes(feed(RU, '<?xml version="1.0" encoding="windows-1251"?>').encode("cp1251"))
    items = read_all(path)
    assert articles(items)[0].text == RU and not notices(items)


def test_feed_declaring_the_wrong_charset_is_guessed_with_a_warning(tmp_path):
    path = tmp_path / "wrong.rss"
    path.write_bytes(feed(RU, '<?xml version="1.0" encoding="utf-8"?>').encode("koi8-r"))
    items = read_all(path)
    assert articles(items)[0].text == RU
    [notice] = notices(items)
    assert "declared as utf-8" in notice.message and "koi8-r (guessed)" in notice.message


@pytest.mark.parametrize("codec, text", [("koi8-r", RU), ("cp1251", RU), ("euc-jp", JA),
                                         ("shift_jis", JA)])
def test_legacy_text_jsonl_and_csv_are_guessed_with_a_warning(tmp_path, codec, text):
    (tmp_path / "a.txt").write_bytes(f"Headline\n{text}\n".encode(codec))
    (tmp_path / "b.jsonl").write_bytes((good_line("j", text) + "\n").encode(codec))
    (tmp_path / "c.csv").write_bytes(f'id,title,text\nc,T,"{text}"\n'.encode(codec))
    items = read_all(tmp_path)
    assert [a.text for a in articles(items)] == [text, text, text]
    assert [Path(n.origin).name for n in notices(items)] == ["a.txt", "b.jsonl", "c.csv"]
    assert all("(guessed)" in n.message for n in notices(items))


def test_jsonl_mixing_utf8_and_legacy_lines_reads_both(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join([
        (good_line("u1", "Zürich and Kraków, in UTF-8.") + "\n").encode("utf-8"),
        (good_line("w1", RU) + "\n").encode("cp1251"),
        (good_line("u2", "Ελλάδα, also UTF-8.") + "\n").encode("utf-8"),
    ]))
    items = read_all(path)
    assert [a.text for a in articles(items)] == ["Zürich and Kraków, in UTF-8.", RU, "Ελλάδα, also UTF-8."]
    assert "cp1251 (guessed)" in notices(items)[0].message


def test_damaged_utf8_line_is_skipped_alone_and_a_damaged_text_file_kept(tmp_path):
    jsonl = tmp_path / "damaged.jsonl"
    jsonl.write_bytes((good_line("a", "Naïve café") + "\n").encode() + b'{"id": "b", "text": "caf\xc3"}\n'
                      + (good_line("c", "Crème brûlée") + "\n").encode())
    text = tmp_path / "damaged.txt"
    text.write_bytes("Headline\nÜber die Brücke, 20 €.\n".encode() + b"A stray byte: \xff.\n")
    items = read_all(jsonl, text)
    assert [a.id for a in articles(items)] == ["a", "c", "damaged"]
    [bad] = skipped(items)
    assert bad.origin == f"{jsonl}:2" and "not UTF-8" in bad.reason
    assert articles(items)[2].text == "Über die Brücke, 20 €.\nA stray byte: \ufffd."
    [notice] = notices(items)
    assert notice.origin == str(text) and "line 3" in notice.message


def test_a_stray_nul_does_not_make_a_text_file_binary_but_junk_is_binary(tmp_path):
    (tmp_path / "a.jsonl").write_bytes((good_line("a") + "\n").encode() + b'{"id": "z", "text": "x\x00"}\n'
                                       + (good_line("b") + "\n").encode())
    (tmp_path / "b.txt").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "c.jsonl").write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(200, 0, -1)) * 30)
    items = read(tmp_path)
    assert [a.id for a in articles(items)] == ["a", "b"]
    reasons = [(Path(s.path).name, s.line, s.reason) for s in skipped(items)]
    assert reasons[0][:2] == ("a.jsonl", 2) and "invalid JSON" in reasons[0][2]
    assert [r[:2] for r in reasons[1:]] == [("b.txt", None), ("c.jsonl", None)]
    assert all("binary" in r[2] for r in reasons[1:])


def test_lone_surrogate_escapes_become_replacement_characters(tmp_path):
    path = write(tmp_path / "s.jsonl", '{"id": "s", "title": "t\\udc80", "text": "half an emoji \\ud83d"}\n')
    [art] = read(path)
    assert (art.title, art.text) == ("t\ufffd", "half an emoji \ufffd")
    art.text.encode("utf-8")  # storable


def test_file_names_with_control_characters_give_one_line_messages(tmp_path):
    path = tmp_path / "bad\nname\x1b[31m\u202e.jsonl"
    path.write_text("{oops\n")
    [bad] = read(tmp_path)
    assert bad.path == str(path) and bad.line == 1
    message = str(bad)
    assert message == f"{tmp_path}/bad\\nname\\x1b[31m\\u202e.jsonl:1: {bad.reason}"
    assert "\n" not in message and "\x1b" not in message
    assert json.loads(bad.to_json()) == {"path": str(path), "line": 1, "reason": bad.reason}


def test_file_name_that_is_not_utf8_is_shown_by_its_bytes(tmp_path):
    name = os.fsdecode(b"caf\xe9.jsonl")
    (tmp_path / name).write_text("{oops\n")
    [bad] = read(tmp_path)
    assert str(bad).startswith(f"{tmp_path}/caf\\xe9.jsonl:1: ")
    assert json.loads(bad.to_json())["path"] == str(tmp_path / name)


def test_skipped_path_and_line(tmp_path):
    assert (Skipped("a/b.csv:12", "r").path, Skipped("a/b.csv:12", "r").line) == ("a/b.csv", 12)
    assert (Skipped("a/b.csv", "r").path, Skipped("a/b.csv", "r").line) == ("a/b.csv", None)
    assert str(Skipped("x.jsonl:3", "no text")) == "x.jsonl:3: no text"
    assert json.loads(Skipped("<stdin>:2", "r").to_json()) == {"path": "<stdin>", "line": 2, "reason": "r"}


def test_without_notices_only_articles_and_skipped_come_and_the_guess_is_logged(tmp_path, caplog):
    path = tmp_path / "ru.txt"
    path.write_bytes(f"Заголовок\n{RU}\n".encode("koi8-r"))
    with caplog.at_level("WARNING", logger="searchkit.sources"):
        items = read(path)
    assert [type(i) for i in items] == [Article] and items[0].text == RU
    assert any("koi8-r (guessed)" in r.getMessage() and str(path) in r.getMessage() for r in caplog.records)


def test_stdin_bytes_in_utf16_and_a_broken_line(tmp_path):
    data = (good_line("a", RU) + "\n" + "[" * 10_000 + "\n" + good_line("b") + "\n").encode("utf-16")
    items = read("-", stdin=io.TextIOWrapper(io.BytesIO(data)))
    assert [a.id for a in articles(items)] == ["a", "b"] and articles(items)[0].text == RU
    assert [s.origin for s in skipped(items)] == ["<stdin>:2"]


def test_a_line_too_long_to_hold_is_skipped_alone(tmp_path):
    from searchkit.sources.lines import MAX_LINE

    path = tmp_path / "long.jsonl"
    with open(path, "wb") as out:
        out.write((good_line("a") + "\n").encode())
        out.write(b'{"text": "' + b"x" * (MAX_LINE + 10) + b'"}\n')
        out.write((good_line("b") + "\n").encode())
    items = read(path)
    assert [a.id for a in articles(items)] == ["a", "b"]
    [bad] = skipped(items)
    assert bad.origin == f"{path}:2" and "longer than" in bad.reason


@pytest.mark.parametrize("codec, text", [
    ("latin-1", "La chancelière est arrivée à Genève mardi pour des négociations très délicates."),
    ("latin-1", "Das Café in München wurde am Dienstag geschlossen, sagte der Bürgermeister."),
    ("latin-1", "El presidente español habló en Málaga sobre la situación económica."),
    ("latin-1", "Regeringen i Stockholm säger att Sverige kommer att öka stödet till Ukraina under året."),
    ("cp1252", "L’été dernier, la chancelière a dit « non » à Genève."),
    ("cp1250", "Łukaszenko spotkał się z ministrem w Mińsku, poinformowała agencja. Żołnierze wrócili."),
    ("cp1250", "Předseda vlády řekl, že Česká republika podpoří Ukrajinu."),
    ("koi8-r", "Президент России заявил во вторник, что переговоры продолжатся."),
])
def test_short_legacy_texts_are_read_in_the_right_code_page(tmp_path, codec, text):
    # charset-normalizer alone read these as cp1250, cp775, cp852, hp-roman8 or shift_jis
    # ("chanceličre ŕ Genčve", "M³nchen"): the code page whose text reads most plausibly wins.
    (tmp_path / "a.txt").write_bytes(f"Headline\n{text}\n".encode(codec))
    items = read_all(tmp_path)
    assert [a.text for a in articles(items)] == [text]
    assert "(guessed)" in notices(items)[0].message
