"""Parsed corpora cached on disk, so entity benchmarks re-run extraction without re-parsing.

spaCy's parse is the slow part of extraction (minutes for BBC on 2 cores); the entity rules
run in seconds over parsed docs. `parsed(corpus)` parses a corpus once with the real model
(reading it with searchkit's own reader, so datelines open texts as at index time) and
keeps the DocBin under a cache folder outside the repo; later calls load it.

    python benchmarks/doc_cache.py bbc ukraine_war wikinews_crisis reuters:3000

Corpus names are files of ../shared/data/news/ without `.jsonl`; `name:N` takes the first
N records with text.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

NEWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "news"
CACHE = Path(os.environ.get("SEARCHKIT_DOC_CACHE", "/work/scratch/resolve/docs"))
FILES = {"reuters": "reuters21578.jsonl"}


def articles(corpus: str) -> list:
    """The Articles of `corpus` ("bbc", "reuters:3000"), read as `searchkit index` reads them."""
    from searchkit.models import Article
    from searchkit.sources import read_articles

    name, _, limit = corpus.partition(":")
    path = NEWS / FILES.get(name, f"{name}.jsonl")
    out = []
    for item in read_articles([str(path)]):
        if isinstance(item, Article) and item.text.strip():
            out.append(item)
            if limit and len(out) >= int(limit):
                break
    return out


def parsed(corpus: str, *, batch_size: int = 32) -> tuple[list, list]:
    """(articles, docs) of a corpus; parses and caches on first use."""
    from spacy.tokens import DocBin

    from searchkit.extraction import load_nlp

    nlp = load_nlp()
    arts = articles(corpus)
    path = CACHE / f"{corpus.replace(':', '-')}-{nlp.meta['name']}-{nlp.meta['version']}.spacy"
    if path.exists():
        docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
        if len(docs) == len(arts):
            return arts, docs
    t = time.perf_counter()
    docs = list(nlp.pipe((a.text[: nlp.max_length] for a in arts), batch_size=batch_size))
    print(f"parsed {corpus}: {len(docs)} docs in {time.perf_counter() - t:.0f} s",
          file=sys.stderr)
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(store_user_data=False, docs=docs).to_disk(path)
    return arts, docs


def parsed_texts(name: str, texts: list[str], *, batch_size: int = 32) -> list:
    """Docs of `texts`, cached under `name` plus a digest of the texts (parsed on first use)."""
    import hashlib

    from spacy.tokens import DocBin

    from searchkit.extraction import load_nlp

    nlp = load_nlp()
    digest = hashlib.sha256("\0".join(texts).encode()).hexdigest()[:12]
    path = CACHE / f"{name}-{digest}-{nlp.meta['name']}-{nlp.meta['version']}.spacy"
    if path.exists():
        return list(DocBin().from_disk(path).get_docs(nlp.vocab))
    docs = list(nlp.pipe(texts, batch_size=batch_size))
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(store_user_data=False, docs=docs).to_disk(path)
    return docs


def extractions(corpus: str, *, aliases=None) -> list[tuple]:
    """(article, Extraction) pairs of a corpus from the cached parse and the current rules.

    Event types are left out (they do not touch entities); amounts are kept.
    """
    from searchkit.extraction.pipeline import get_extractor

    arts, docs = parsed(corpus)
    ex = get_extractor(aliases)
    return [(a, _entities_only(ex, d)) for a, d in zip(arts, docs)]


def _entities_only(extractor, doc):
    from searchkit.models import Extraction

    from searchkit.extraction.acronyms import find_acronyms

    found = tuple(extractor.entities(doc))
    return Extraction(mentions=found, acronyms=find_acronyms(doc.text, found))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpora", nargs="+")
    args = ap.parse_args(argv)
    for corpus in args.corpora:
        arts, docs = parsed(corpus)
        print(f"{corpus}: {len(docs)} docs cached under {CACHE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
