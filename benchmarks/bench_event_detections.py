"""Event detections on unlabelled articles, and what changed against another tree's run.

For checking trigger rules on text they were not tuned on: business and sport news hold
almost no event of the taxonomy, so what a new rule finds there is mostly false, and is read
one by one. Writes one JSON line per (article, type) detected (confidence, attached,
evidence) for the chosen articles (those of the hand-labelled sample left out), then, with
--against, prints the counts of both runs and every attachment gained or lost and every new
detection:

    PYTHONPATH=/tmp/old python benchmarks/bench_event_detections.py --out /tmp/before.jsonl
    PYTHONPATH=$PWD python benchmarks/bench_event_detections.py --out /tmp/after.jsonl \\
        --against /tmp/before.jsonl
    # the same with --corpus ukraine_war --corpus wikinews_crisis (every category)

Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from searchkit.models import Article

ROOT = Path(__file__).resolve().parent
NEWS = ROOT.parents[1] / "shared" / "data" / "news"
LABELS = ROOT / "data" / "event_labels.jsonl"


def unlabelled_articles(corpora: list[str], categories: set[str]) -> list[Article]:
    """The articles of `corpora` whose id names one of `categories` (all when empty),
    without those of the labelled sample."""
    with LABELS.open(encoding="utf-8") as handle:
        labelled = {json.loads(line)["id"] for line in handle if line.strip()}
    out = []
    for corpus in corpora:
        with (NEWS / f"{corpus}.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                rec = json.loads(line)
                if rec["id"] in labelled or (categories and not set(rec["id"].split("-")) & categories):
                    continue
                out.append(Article(id=rec["id"], text=rec.get("text") or "",
                                   title=rec.get("title") or "", date=rec.get("date")))
    return out


def detect(articles: list[Article], out: Path) -> None:
    from searchkit.extraction import extract_articles

    with out.open("w", encoding="utf-8") as handle:
        for article, ex in extract_articles(articles, batch_size=64):
            for e in ex.events:
                handle.write(json.dumps({"id": article.id, "type": e.type, "conf": e.confidence,
                                         "att": e.attached, "ev": e.evidence[:200]}) + "\n")


def compare(before: Path, after: Path) -> None:
    def load(path):
        with path.open(encoding="utf-8") as handle:
            return {(r["id"], r["type"]): r for r in map(json.loads, handle)}

    old, new = load(before), load(after)
    for name, rows in (("before", old), ("after", new)):
        print(f"{name:<7} detections {len(rows):5d}  attached {sum(r['att'] for r in rows.values()):5d}")
    gained = [r for k, r in new.items() if r["att"] and not (k in old and old[k]["att"])]
    lost = [r for k, r in old.items() if r["att"] and not (k in new and new[k]["att"])]
    found = [r for k, r in new.items() if k not in old and not r["att"]]
    for mark, rows in (("+ATT", gained), ("-ATT", lost), ("new ", found)):
        print(f"\n{mark}: {len(rows)}")
        for r in sorted(rows, key=lambda r: (r["type"], r["id"])):
            print(f"  {r['conf']:.2f} {r['type'][:30]:<30} {r['id']:<22} {r['ev'][:110]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", action="append", help="corpus under ../shared/data/news "
                        "(repeatable; default bbc)")
    parser.add_argument("--category", action="append",
                        help="id part to keep, e.g. business (default for bbc: business, sport)")
    parser.add_argument("--out", type=Path, required=True, help="JSONL of the detections")
    parser.add_argument("--against", type=Path, help="another run's --out, to compare with")
    args = parser.parse_args()
    corpora = args.corpus or ["bbc"]
    categories = set(args.category or (["business", "sport"] if corpora == ["bbc"] else []))
    articles = unlabelled_articles(corpora, categories)
    detect(articles, args.out)
    print(f"{len(articles)} articles of {', '.join(corpora)}"
          + (f" ({', '.join(sorted(categories))})" if categories else ""))
    if args.against:
        compare(args.against, args.out)


if __name__ == "__main__":
    main()
