"""Mention-level precision / recall / F1 against hand-labelled gold (issue 10).

Gold: `benchmarks/data/mention_gold.jsonl`, 60 articles of wikinews_crisis, ukraine_war and
bbc labelled by hand (person / place / org spans with character offsets into the record's
`text`; guidelines in `benchmarks/data/mention_guidelines.md`), split once, before any
error was looked at, into a tuning half and a held-out half (`split`).

A prediction counts when its kind and both offsets equal a gold mention's (exact spans).
Compared: the raw model (its PERSON, GPE + LOC, ORG entities) and searchkit's mentions.

    python benchmarks/bench_mentions.py --split heldout
    python benchmarks/bench_mentions.py --split tune --errors 40
    python benchmarks/bench_mentions.py --split heldout --skip wikinews_crisis:233
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLD = HERE / "data" / "mention_gold.jsonl"
NEWS = HERE.parents[1] / "shared" / "data" / "news"
RAW_KIND = {"PERSON": "person", "GPE": "place", "LOC": "place", "ORG": "org"}
KINDS = ("person", "place", "org")


def load_gold(split: str) -> list[tuple[dict, str]]:
    """(gold row, record text) for the articles of one split ("all" for every one)."""
    rows = [json.loads(line) for line in GOLD.open(encoding="utf-8")]
    lines: dict[str, list[str]] = {}
    out = []
    for row in rows:
        if split != "all" and row["split"] != split:
            continue
        if row["corpus"] not in lines:
            path = NEWS / f"{row['corpus']}.jsonl"
            lines[row["corpus"]] = path.read_text(encoding="utf-8").split("\n")
        record = json.loads(lines[row["corpus"]][row["line"] - 1])
        if record["id"] != row["id"]:
            raise SystemExit(f"{row['corpus']}:{row['line']}: id {record['id']} != {row['id']}")
        out.append((row, record["text"]))
    return out


def score(pred: list[set], gold: list[set]) -> dict[str, tuple[float, float, float, int]]:
    """Per kind and overall: (P, R, F1, gold count) over exact (start, end, kind) triples."""
    out = {}
    for kind in (*KINDS, "all"):
        tp = fp = fn = 0
        for p, g in zip(pred, gold):
            p = {m for m in p if kind in ("all", m[2])}
            g = {m for m in g if kind in ("all", m[2])}
            tp += len(p & g)
            fp += len(p - g)
            fn += len(g - p)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        out[kind] = (prec, rec, 2 * prec * rec / (prec + rec) if prec + rec else 0.0, tp + fn)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", choices=("tune", "heldout", "all"), default="heldout")
    ap.add_argument("--errors", type=int, default=0, help="list this many errors per kind")
    ap.add_argument("--skip", action="append", default=[], metavar="CORPUS:LINE",
                    help="leave out one gold article (repeatable), to state a figure without it")
    args = ap.parse_args(argv)

    from searchkit.extraction import load_nlp
    from searchkit.extraction.pipeline import get_extractor

    skip = {tuple(s.rsplit(":", 1)) for s in args.skip}
    items = [(row, text) for row, text in load_gold(args.split)
             if (row["corpus"], str(row["line"])) not in skip]
    nlp = load_nlp()
    extractor = get_extractor(None)
    docs = list(nlp.pipe([text for _row, text in items], batch_size=16))
    gold = [{(m["start"], m["end"], m["kind"]) for m in row["mentions"]} for row, _t in items]
    raw = [{(e.start_char, e.end_char, RAW_KIND[e.label_]) for e in d.ents
            if e.label_ in RAW_KIND} for d in docs]
    ours = [{(m.start, m.end, m.kind) for m in extractor.entities(d)} for d in docs]
    print(f"{len(items)} articles ({args.split}), {sum(map(len, gold))} gold mentions; "
          f"model {nlp.meta['name']} {nlp.meta['version']}")
    print(f"{'':10s} {'kind':7s} {'P':>6s} {'R':>6s} {'F1':>6s}  gold")
    for name, pred in (("raw model", raw), ("searchkit", ours)):
        for kind, (p, r, f, n) in score(pred, gold).items():
            print(f"{name:10s} {kind:7s} {p:6.3f} {r:6.3f} {f:6.3f}  {n}")
    if args.errors:
        _show_errors(items, ours, gold, args.errors)
    return 0


def _show_errors(items, ours, gold, limit: int) -> None:
    missed, false = Counter(), Counter()
    for (row, text), p, g in zip(items, ours, gold):
        for s, e, k in g - p:
            near = [f"{text[a:b]}:{kk}" for a, b, kk in p if a < e and s < b]
            missed[f"{k} {text[s:e]!r} -> {near or 'nothing'}"] += 1
        for s, e, k in p - g:
            near = [f"{text[a:b]}:{kk}" for a, b, kk in g if a < e and s < b]
            false[f"{k} {text[s:e]!r} (gold {near or 'nothing'})"] += 1
    for name, errors in (("missed", missed), ("false", false)):
        print(f"\n{name}:")
        for err, n in errors.most_common(limit):
            print(f"  {n:3d}  {err}")


if __name__ == "__main__":
    sys.exit(main())
