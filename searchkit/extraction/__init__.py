"""Extraction: people, places, organisations, amounts and event types from article text.

This package is the only place spaCy is imported, and only when a function here runs.

    >>> from searchkit.extraction import extract_text
    >>> ex = extract_text("Ukrainian President Volodymyr Zelenskyy visited Kiev.")  # doctest: +SKIP
    >>> ex.facets()["people"], ex.facets()["places"]                               # doctest: +SKIP
    (['Volodymyr Zelenskyy'], ['Kyiv'])
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from ..models import Article, Extraction

__all__ = ["extract_text", "extract_articles", "load_nlp"]


def load_nlp():
    """The cached English spaCy pipeline (imports spaCy on first call)."""
    from .pipeline import load_nlp as _load_nlp

    return _load_nlp()


def extract_text(text: str, *, title: str = "", aliases: str | Path | None = None,
                 events: Iterable[str | Path] = ()) -> Extraction:
    """Extract mentions, amounts and event types from one text; offsets point into `text`.

    `title` is accepted for symmetry with articles but names found only in a title are
    not mentions. `aliases` is a user alias file merged over the built-in one; `events`
    are user event-type files merged over the built-in taxonomy.

    >>> extract_text("Kiev was hit.").facets()["places"]    # doctest: +SKIP
    ['Kyiv']
    """
    article = Article(id="", text=text, title=title)
    for _article, extraction in extract_articles([article], aliases=aliases, events=events):
        return extraction
    return Extraction()


def extract_articles(articles: Iterable[Article], *, aliases: str | Path | None = None,
                     events: Iterable[str | Path] = (), batch_size: int = 32,
                     n_process: int = 1) -> Iterator[tuple[Article, Extraction]]:
    """Stream (article, extraction) pairs in input order, parsing in batches with `nlp.pipe`.

    Offsets always point into `article.text`. `n_process` > 1 parses in worker processes.

    >>> for article, ex in extract_articles(articles, batch_size=64):   # doctest: +SKIP
    ...     print(article.id, ex.facets()["people"])
    """
    from .pipeline import get_extractor, load_nlp as _load_nlp

    nlp = _load_nlp()
    extractor = get_extractor(aliases, events)
    # Texts beyond the model's limit are cut: offsets stay valid, the tail goes unread.
    pairs = ((a.text[: nlp.max_length], a) for a in articles)
    for doc, article in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size,
                                 n_process=n_process):
        yield article, extractor(doc)
