"""Extraction in worker processes: `--workers N|auto`.

Each worker loads the model once and extracts whole batches of articles (parse and rules),
so only articles go out and Extractions come back: no Doc is ever pickled. Results come back
in input order, with a bounded number of batches in flight so memory stays flat however
many articles stream in.

    >>> resolve_workers("auto") == (os.cpu_count() or 1)
    True
"""
from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Iterable, Iterator

from ..models import Article, Extraction, SearchkitError

#: Batches queued per worker: enough to keep every worker busy, few enough to bound memory.
IN_FLIGHT_PER_WORKER = 2


def resolve_workers(value: int | str | None) -> int:
    """The number of worker processes for `value`: an int >= 1, or "auto" (one per core).

    >>> resolve_workers(3), resolve_workers("2")
    (3, 2)
    """
    if value is None or value == "auto":
        return max(1, os.cpu_count() or 1)
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1 or (isinstance(value, float) and value != number):
        raise SearchkitError(f"workers must be a whole number >= 1 or 'auto', not {value!r}",
                             exit_code=2)
    return number


def extract_in_processes(articles: Iterable[Article], workers: int, *, batch_size: int = 32,
                         **options) -> Iterator[tuple[Article, Extraction]]:
    """Stream (article, extraction) pairs computed by `workers` processes, in input order.

    `options` are `extract_here`'s keywords (aliases, events, full_parse).
    """
    pending: deque = deque()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for batch in _batches(articles, batch_size):
            pending.append((batch, pool.submit(_extract_batch, batch, batch_size, options)))
            while len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                yield from _finished(*pending.popleft())
        while pending:
            yield from _finished(*pending.popleft())


def _finished(batch: list[Article], future) -> Iterator[tuple[Article, Extraction]]:
    yield from zip(batch, future.result())


def _extract_batch(batch: list[Article], batch_size: int, options: dict) -> list[Extraction]:
    """Runs in a worker: the extractions of one batch (the model loads once per process)."""
    from . import extract_here

    return [ex for _article, ex in extract_here(batch, batch_size=batch_size, **options)]


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
