"""Hostile input end to end: every good article reaches the index, every bad record is named.

A folder of files of every hostile kind (deep nesting, huge numbers, NULs, unclosed quotes,
UTF-16/32 with and without a byte-order mark, undeclared legacy charsets, control
characters in file names, empty, binary, truncated and non-XML files), each mixed with good
records, is indexed with the real `searchkit index --no-extract --skipped FILE`; then the
index and the skipped list are checked against what the folder was built to hold.
Property tests do the same for the JSON Lines and CSV readers on random mixes.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import searchkit
from searchkit.cli import cli
from searchkit.models import Article
from searchkit.sources import Skipped, read_articles

RU = ("Президент заявил, что переговоры продолжатся на следующей неделе в Москве. "
      "Министр иностранных дел сообщил журналистам, что стороны обсудили вопросы безопасности, "
      "торговли и энергетики. По его словам, соглашение может быть подписано уже в этом году.")
JA = ("首相は来週の会談で経済政策について話し合うと述べた。政府関係者によると、"
      "両国は貿易と安全保障の問題を協議する予定だ。記者会見では、エネルギー価格の高騰についても質問が出た。")
DEEP = "[" * 10_000 + "]" * 10_000
HUGE = "9" * 5000


@dataclass
class Corpus:
    """A folder of hostile files and what it holds: good articles by id, bad records by place."""

    root: Path
    good: dict[str, str] = field(default_factory=dict)  # id -> text as it must be indexed
    bad: set[tuple[str, int | None]] = field(default_factory=set)  # (file name, line or None)
    guessed: set[str] = field(default_factory=set)  # files whose encoding must be warned about

    def lines(self, name: str, lines: list[tuple[str, str | None]], codec: str = "utf-8",
              bom: str = "", guessed: bool = False) -> None:
        """Write one record a line: (text of the line, id when it is a good one)."""
        for number, (_, ident) in enumerate(lines, start=1):
            if ident is None:
                self.bad.add((name, number))
        self.write(name, (bom + "".join(line + "\n" for line, _ in lines)).encode(codec), guessed)

    def write(self, name: str, data: bytes, guessed: bool = False) -> None:
        (self.root / name).write_bytes(data)
        if guessed:
            self.guessed.add(name)

    def article(self, ident: str, text: str) -> str:
        self.good[ident] = text
        return json.dumps({"id": ident, "title": f"Title {ident}", "text": text}, ensure_ascii=False)


def feed(items: list[tuple[str, str]], declaration: str = "") -> str:
    entries = "".join(f"<item>\n<guid>{ident}</guid><title>T</title><description>{text}</description>\n</item>\n"
                      for ident, text in items)
    return f'{declaration}<rss version="2.0">\n<channel><title>Wire</title>\n{entries}</channel></rss>\n'


def hostile_folder(root: Path) -> Corpus:
    root.mkdir()
    c = Corpus(root)
    c.lines("deep.jsonl", [(c.article("d1", "One."), "d1"), (DEEP, None), (c.article("d2", "Two."), "d2"),
                           ('{"id": "n", "text": "x", "n": ' + HUGE + "}", None),
                           ('{"id": "ctl", "text": "nul \x00 raw"}', None),
                           (c.article("d3", "Half an emoji: \ufffd"), "d3")])
    c.lines("utf16.jsonl", [(c.article("w1", RU), "w1"), ("{broken", None), (c.article("w2", "Zwei."), "w2")],
            codec="utf-16")
    c.lines("utf16be-nobom.jsonl", [(c.article("w3", RU), "w3"), (c.article("w4", "Vier."), "w4")],
            codec="utf-16-be", guessed=True)
    c.lines("utf32le-nobom.jsonl", [(c.article("w5", JA), "w5"), ("[1, 2]", None)],
            codec="utf-32-le", guessed=True)
    c.lines("koi8.jsonl", [(c.article("k1", RU), "k1"), ("{oops", None)], codec="koi8-r", guessed=True)

    # CSV: a NUL row, an unclosed quote with good rows after it, a ragged row; UTF-16; Shift-JIS
    c.good.update({"c1": "Alpha.", "c3": "Gamma, after the broken quote.", "c4": "Delta."})
    c.write("rows.csv", b"id,title,text\nc1,A,Alpha.\nc2,B,Be\x00ta.\nq,C,\"never closed\n"
                        b'c3,D,"Gamma, after the broken quote."\nx,E,F,G,H\nc4,I,Delta.\n')
    c.bad |= {("rows.csv", 3), ("rows.csv", 4), ("rows.csv", 6)}
    c.good.update({"c5": RU, "c6": "Six."})
    c.write("utf16.csv", f'\ufeffid,title,text\nc5,A,"{RU}"\nc6,B,Six.\n'.encode("utf-16-le"))
    c.good["c7"] = JA
    c.write("sjis.csv", f"id,title,text\nc7,A,{JA}\nc8,B,\n".encode("shift_jis"), guessed=True)
    c.bad.add(("sjis.csv", 3))

    # JSON lists: a deep item, a huge number, and a file cut short
    c.write("list.json", ("[\n" + c.article("j1", "One.") + ",\n" + DEEP + ",\n" + '{"n": ' + HUGE + "},\n"
                          + c.article("j2", "Two.") + "\n]\n").encode())
    c.bad |= {("list.json", 3), ("list.json", 4)}
    c.write("cut.json", ("[\n" + c.article("j3", "Three.") + ",\n" + '{"id": "j4", "text": "cut sh').encode())
    c.bad.add(("cut.json", 3))

    # feeds: UTF-32 without a byte-order mark, undeclared EUC-JP and KOI8-R, not XML at all
    c.good.update({"f1": JA, "f2": "Plain."})
    c.write("wide.rss", feed([("f1", JA), ("f2", "Plain.")]).encode("utf-32-be"), guessed=True)
    c.good.update({"f3": JA})
    c.write("eucjp.xml", feed([("f3", JA), ("f4", "")]).encode("euc-jp"), guessed=True)
    c.bad.add(("eucjp.xml", 6))  # the entry without text, named by the line its <item> opens
    c.good.update({"f5": RU})
    c.write("koi8.rss", feed([("f5", RU)]).encode("koi8-r"), guessed=True)
    c.write("notxml.rss", b"this is { not XML ] at all\n")
    c.bad.add(("notxml.rss", None))

    # text files in legacy charsets, with no declaration anywhere
    c.good["ru"] = RU
    c.write("ru.txt", f"Заголовок\n{RU}\n".encode("cp1251"), guessed=True)

    # names with control characters, empty and binary files
    c.lines("bad\nname\t\x1b.jsonl", [(c.article("n1", "Named badly."), "n1"), ("{nope", None)])
    for name in ("empty.txt", "empty.csv", "empty.jsonl", "blank.json"):
        c.write(name, b"" if name != "blank.json" else b"  \n\n")
        c.bad.add((name, None))
    c.write("junk.jsonl", bytes(range(256)) * 64)
    c.write("junk.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    c.bad |= {("junk.jsonl", None), ("junk.txt", None)}
    return c


def test_indexing_a_folder_of_hostile_files_keeps_every_good_article_and_names_every_bad_one(tmp_path):
    corpus = hostile_folder(tmp_path / "in")
    index_dir, skipped_file = tmp_path / "ix", tmp_path / "skipped.jsonl"
    result = CliRunner().invoke(cli, ["index", str(corpus.root), "--no-extract", "--index",
                                      str(index_dir), "--skipped", str(skipped_file)])
    assert result.exit_code == 0, result.output

    ix = searchkit.open_index(index_dir)
    stored = {ident: (ix.get(ident) or {}).get("text") for ident in corpus.good}
    assert stored == corpus.good
    assert ix.doc_count() == len(corpus.good)

    records = [json.loads(line) for line in skipped_file.read_text(encoding="utf-8").splitlines()]
    named = {(Path(r["path"]).relative_to(corpus.root).as_posix(), r["line"]) for r in records}
    assert named == corpus.bad

    messages = result.stderr.splitlines()
    warned = {m.removeprefix("warning: ").split(": ", 1)[0] for m in messages if m.startswith("warning: ")}
    assert warned == {str(corpus.root / name) for name in corpus.guessed}
    assert f"{corpus.root}/bad\\nname\\t\\x1b.jsonl:2: invalid JSON" in result.stderr
    assert "Traceback" not in result.output


def test_skipped_file_holds_them_all_and_the_summary_points_to_it(tmp_path):
    source = tmp_path / "many.jsonl"
    source.write_text("".join(f'{{"id": "bad{i}"}}\n' for i in range(45)) + '{"id": "ok", "text": "Fine."}\n')
    listing = tmp_path / "skipped.jsonl"
    with_file = CliRunner().invoke(cli, ["index", str(source), "--no-extract", "--index", str(tmp_path / "a"),
                                         "--skipped", str(listing)])
    assert with_file.exit_code == 0
    lines = [json.loads(line) for line in listing.read_text().splitlines()]
    assert [(r["path"], r["line"]) for r in lines] == [(str(source), n) for n in range(1, 46)]
    assert all("no text" in r["reason"] for r in lines)
    shown = [line for line in with_file.stderr.splitlines() if line.startswith(str(source))]
    assert len(shown) == 20
    assert f"... and 25 more skipped: see {listing}" in with_file.stderr

    without = CliRunner().invoke(cli, ["index", str(source), "--no-extract", "--index", str(tmp_path / "b")])
    assert "... and 25 more skipped: list them all with --skipped FILE" in without.stderr


def test_skipped_file_in_a_missing_folder_is_a_usage_error_before_any_work(tmp_path):
    source = tmp_path / "one.jsonl"
    source.write_text('{"id": "a", "text": "A."}\n')
    result = CliRunner().invoke(cli, ["index", str(source), "--no-extract", "--index", str(tmp_path / "ix"),
                                      "--skipped", str(tmp_path / "no" / "such" / "dir.jsonl")])
    assert result.exit_code == 2 and "--skipped" in result.stderr
    assert not (tmp_path / "ix").exists()


def test_stdin_in_utf16_with_bad_lines_through_the_cli(tmp_path):
    lines = [json.dumps({"id": "s1", "text": RU}, ensure_ascii=False), DEEP,
             json.dumps({"id": "s2", "text": JA}, ensure_ascii=False), "{nope"]
    data = "".join(line + "\n" for line in lines).encode("utf-16")
    result = CliRunner().invoke(cli, ["index", "-", "--no-extract", "--index", str(tmp_path / "ix")],
                                input=data)
    assert result.exit_code == 0, result.output
    ix = searchkit.open_index(tmp_path / "ix")
    assert (ix.get("s1")["text"], ix.get("s2")["text"]) == (RU, JA)
    assert "<stdin>:2: nested too deeply" in result.stderr and "<stdin>:4: invalid JSON" in result.stderr


def test_notices_reach_the_python_summary(tmp_path):
    path = tmp_path / "ru.txt"
    path.write_bytes(f"Заголовок\n{RU}\n".encode("koi8-r"))
    summary = searchkit.index_paths([str(path)], index_dir=tmp_path / "ix", extract=False)
    assert summary.indexed == 1 and not summary.skipped
    [notice] = summary.notices
    assert notice.origin == str(path) and notice.message == "not UTF-8; read as koi8-r (guessed)"


# --------------------------------------------------------------------------- property tests

SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)


def expected_text(text: str) -> str:
    """What an article's text is once read: line ends made \\n, outer blanks stripped."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


GOOD_TEXT = SAFE_TEXT.filter(lambda t: expected_text(t) != "")
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
JSONL_JUNK = st.one_of(
    SAFE_TEXT.filter(lambda t: "\n" not in t and t.strip(" \t\r") and not is_json_object(t)),
    # a byte-order mark opening a file is honoured, as every reader does: not junk to test here
    st.binary(min_size=1, max_size=40).filter(
        lambda b: b"\n" not in b and b"{" not in b and b.strip(b" \t\r") and not b.startswith(BOMS)),
    st.sampled_from([DEEP, '{"text": "x", "n": ' + HUGE + "}", '{"title": "no text"}', "[]", "null"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_jsonl_every_good_record_once_with_its_line_and_every_junk_line_named(tmp_path_factory, data):
    goods = data.draw(st.lists(GOOD_TEXT, min_size=1, max_size=10))
    junk = data.draw(st.lists(JSONL_JUNK, max_size=len(goods)))
    ascii_only = data.draw(st.booleans())
    lines = [(json.dumps({"id": f"g{k}", "text": t}, ensure_ascii=ascii_only).encode(), f"g{k}", t)
             for k, t in enumerate(goods)]
    lines += [(j.encode() if isinstance(j, str) else j, None, None) for j in junk]
    lines = data.draw(st.permutations(lines))
    path = tmp_path_factory.mktemp("prop") / "mix.jsonl"
    path.write_bytes(b"".join(raw + b"\n" for raw, _, _ in lines))

    items = list(read_articles([str(path)]))
    got = [(i.id, i.origin, i.text) for i in items if isinstance(i, Article)]
    want = [(ident, f"{path}:{n}", expected_text(t)) for n, (_, ident, t) in enumerate(lines, 1) if ident]
    assert got == want
    named = [i.line for i in items if isinstance(i, Skipped)]
    assert named == [n for n, (_, ident, _) in enumerate(lines, 1) if ident is None]


# No C0 controls but tab and newline: a file most of whose lines hold them is binary
CELL = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=(
    "".join(map(chr, range(32))).replace("\t", "").replace("\n", ""))), min_size=1, max_size=40)
PLAIN = st.text(st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=8)
CSV_JUNK = st.one_of(
    st.builds(lambda cells: ",".join(cells), st.lists(PLAIN, min_size=5, max_size=7)),  # too many cells
    st.builds(lambda a, b: f"{a},T,{b}\x00x", PLAIN, PLAIN),  # a NUL
    st.builds(lambda a, b: f'{a},T,"{b} never closed', PLAIN, PLAIN),  # an unclosed quote
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_csv_every_good_row_once_with_its_line_and_every_junk_row_named(tmp_path_factory, data):
    goods = data.draw(st.lists(st.tuples(CELL, CELL.filter(lambda t: expected_text(t))), min_size=1,
                               max_size=8))
    junk = data.draw(st.lists(CSV_JUNK, max_size=len(goods)))
    rows = [(_csv_line(f"r{k}", title, text), f"r{k}", title, text) for k, (title, text) in enumerate(goods)]
    rows += [(j + "\n", None, None, None) for j in junk]
    rows = data.draw(st.permutations(rows))
    path = tmp_path_factory.mktemp("prop") / "mix.csv"
    path.write_text("id,title,text\n" + "".join(r[0] for r in rows), encoding="utf-8", newline="")

    starts, line = [], 2
    for text, *_ in rows:
        starts.append(line)
        line += text.count("\n")
    items = list(read_articles([str(path)]))
    got = [(i.id, i.origin, i.title, i.text) for i in items if isinstance(i, Article)]
    want = [(ident, f"{path}:{n}", " ".join(title.split()), expected_text(text))
            for n, (_, ident, title, text) in zip(starts, rows) if ident]
    assert got == want
    named = [i.line for i in items if isinstance(i, Skipped)]
    assert named == [n for n, (_, ident, _, _) in zip(starts, rows) if ident is None]


def _csv_line(*cells: str) -> str:
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(cells)
    return out.getvalue()


def test_messages_are_one_line_whatever_the_file_name(tmp_path):
    for name in ("a\rb.jsonl", "c\u2028d.jsonl", "e\x85f.jsonl", "g\u202eh.jsonl"):
        (tmp_path / name).write_text("{nope\n")
    messages = [str(s) for s in read_articles([str(tmp_path)])]
    assert len(messages) == 4
    assert all(len(m.splitlines()) == 1 and not re.search("[\r\x85\u2028\u202e]", m) for m in messages)
