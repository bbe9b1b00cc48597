"""The CPU-time ratio of `extract_articles` to the bare NER pass, quickly, for comparing trees.

Runs the peer (the model with only its `ner` pipe) and `extract_articles` (two-stage) in
turn, `--repeat` times in one process, on the first `--n` articles of a corpus, and prints
each pair's CPU seconds and ratio. Meant to be run alternately on two checkouts (the
benchmarks folder of the newer one, `PYTHONPATH` naming the tree under test), so that load
from other jobs falls on both alike:

    PYTHONPATH=/tmp/old python benchmarks/bench_extract_ratio.py
    PYTHONPATH=$PWD python benchmarks/bench_extract_ratio.py

`bench_extract_speed.py` gives the full picture (wall time, full parse, stage costs).
"""
from __future__ import annotations

import argparse

import searchkit
from bench_extract_speed import BATCH, bare_ner, read_articles, timed
from searchkit.extraction import extract_articles
from searchkit.extraction.pipeline import load_nlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="bbc")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    articles = read_articles(args.corpus, args.n)
    texts = [a.text for a in articles]
    nlp = load_nlp()
    peer = bare_ner(f"{nlp.meta['lang']}_{nlp.meta['name']}")
    list(extract_articles(articles[:30], batch_size=BATCH))  # load every table once
    cells = []
    for _ in range(args.repeat):
        _wall, peer_cpu = timed(lambda: list(peer.pipe(texts, batch_size=BATCH)))
        _wall, ours = timed(lambda: list(extract_articles(articles, batch_size=BATCH)))
        cells.append(f"peer {peer_cpu:.2f} s, extract {ours:.2f} s ({ours / peer_cpu:.2f}x)")
    print(f"{searchkit.__file__.rsplit('/searchkit/', 1)[0]}: " + "; ".join(cells))


if __name__ == "__main__":
    main()
