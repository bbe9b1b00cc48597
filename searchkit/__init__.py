"""searchkit: a local search engine for news archives.

    import searchkit
    searchkit.index_paths(["seeds/"], index_dir="index")
    res = searchkit.open_index("index").search("prisoner exchange", facets=["people", "places"])

`import searchkit` stays light: spaCy is imported only when extraction runs.
"""
from __future__ import annotations

from .models import (
    Amount,
    Article,
    Event,
    Extraction,
    FacetValue,
    Hit,
    Mention,
    SearchkitError,
    SearchRequest,
    SearchResult,
)

from . import _renamed

_renamed.install()

__version__ = "0.1.0"

__all__ = [
    "Amount", "Article", "Event", "Extraction", "FacetValue", "Hit", "Mention",
    "SearchkitError", "SearchRequest", "SearchResult",
    "delete", "extract", "index_paths", "open_index",
]


def index_paths(paths, *, index_dir="index", extract=True, workers=1, rebuild=False, prune=False,
                aliases=None, events=(), dask=None):
    """Read articles from files, folders or "-" (stdin JSONL) and index them.

    `workers` is a number of extraction processes or "auto"; `rebuild` builds the index
    anew beside the old one; `prune` deletes articles read earlier from files under
    `paths` that no longer exist. `aliases` (a JSON file) and `events` (JSON files) extend
    the built-in name aliases and event taxonomy; `dask` ("tcp://host:8786") extracts on a
    dask.distributed cluster. Returns a `build.BuildSummary` (indexed / unchanged /
    skipped with reasons / pruned).

    >>> searchkit.index_paths(["seeds/"], index_dir="index")   # doctest: +SKIP
    """
    from .build import index_paths as _index_paths

    return _index_paths(paths, index_dir=index_dir, extract=extract, workers=workers,
                        rebuild=rebuild, prune=prune, aliases=aliases, events=events, dask=dask)


def delete(ids, *, index_dir="index"):
    """Delete articles by id; returns the ids the index held.

    >>> searchkit.delete(["gdelt-ua-1"], index_dir="index")   # doctest: +SKIP
    ['gdelt-ua-1']
    """
    from .build import delete_articles

    return delete_articles(ids, index_dir=index_dir)


def open_index(index_dir="index"):
    """Open an existing index for searching; raises SearchkitError when there is none.

    >>> ix = searchkit.open_index("index")          # doctest: +SKIP
    >>> ix.search("prisoner exchange").total        # doctest: +SKIP
    1
    """
    from .search import open_index as _open_index

    return _open_index(index_dir)


def extract(text, *, title="", aliases=None, events=()):
    """Run extraction on one text and return an Extraction (mentions, amounts, events).

    Offsets point into `text` (the title is not part of it here).

    >>> searchkit.extract("Kyiv was hit.").facets()["places"]   # doctest: +SKIP
    ['Kyiv']
    """
    from .extraction import extract_text

    return extract_text(text, title=title, aliases=aliases, events=events)
