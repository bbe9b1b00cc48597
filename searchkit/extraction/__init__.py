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

from ..models import Article, Extraction, one_or_many

__all__ = ["extract_text", "extract_articles", "extract_here", "load_nlp"]


def load_nlp():
    """The cached English spaCy pipeline (imports spaCy on first call)."""
    from .pipeline import load_nlp as _load_nlp

    return _load_nlp()


def extract_text(text: str, *, title: str = "", aliases: str | Path | None = None,
                 events: Iterable[str | Path] = ()) -> Extraction:
    """Extract mentions, amounts and event types from one text; offsets point into `text`.

    Names found only in `title` are not mentions, but the title is evidence for event
    types and the main event (`Extraction.main_event`). `aliases` is a user alias file
    merged over the built-in one; `events` are user event-type files merged over the
    built-in taxonomy.

    >>> extract_text("Kiev was hit.").facets()["places"]    # doctest: +SKIP
    ['Kyiv']
    """
    article = Article(id="", text=text, title=title)
    for _article, extraction in extract_articles([article], aliases=aliases, events=events):
        return extraction
    return Extraction()


def extract_articles(articles: Iterable[Article], *, aliases: str | Path | None = None,
                     events: Iterable[str | Path] = (), batch_size: int = 32,
                     n_process: int | str = 1, full_parse: bool = False
                     ) -> Iterator[tuple[Article, Extraction]]:
    """Stream (article, extraction) pairs in input order, parsing in batches.

    Offsets always point into `article.text`. `n_process` > 1 (or "auto": one per core)
    extracts in worker processes. Parsing is two-stage (entities and sentences everywhere,
    the full parse only in sentences some rule can use it in; see `stages.py`);
    `full_parse=True` parses every sentence, for comparison.

    >>> for article, ex in extract_articles(articles, batch_size=64):   # doctest: +SKIP
    ...     print(article.id, ex.facets()["people"])
    """
    from .workers import extract_in_processes, resolve_workers

    n_process = resolve_workers(n_process)
    options = {"aliases": aliases, "events": tuple(one_or_many(events)), "batch_size": batch_size,
               "full_parse": full_parse}
    if n_process > 1:
        yield from extract_in_processes(articles, n_process, **options)
    else:
        yield from extract_here(articles, **options)


def extract_here(articles: Iterable[Article], *, aliases: str | Path | None = None,
                 events: Iterable[str | Path] = (), batch_size: int = 32,
                 full_parse: bool = False) -> Iterator[tuple[Article, Extraction]]:
    """`extract_articles` in this process."""
    from .pipeline import get_extractor, load_nlp as _load_nlp
    from .workers import _batches

    limit = _load_nlp().max_length
    extractor = get_extractor(aliases, events)
    for batch in _batches(articles, batch_size):
        # Texts beyond the model's limit are cut: offsets stay valid, the tail goes unread.
        docs = extractor.parse((a.text[:limit] for a in batch), batch_size=batch_size,
                               full=full_parse)
        titles = extractor.parse_titles([a.title for a in batch], batch_size=batch_size,
                                        full=full_parse)
        for article, doc, title in zip(batch, docs, titles):
            yield article, extractor(doc, title=title, date=article.date)

