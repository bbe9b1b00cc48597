"""Extraction spread over a dask.distributed cluster (`searchkit index --dask ADDRESS`).

Batches of articles go to the workers, each of which runs the same `extract_articles` as a
local run (the model loads once per worker process), and the results come back in input
order. Workers need searchkit installed; alias and event files are sent as their contents,
so they need not exist on the workers' disks.
"""
from __future__ import annotations

import hashlib
import itertools
import shutil
import tempfile
from collections import deque
from pathlib import Path
from typing import Iterable, Iterator

from ..models import Article, Extraction, SearchkitError

#: Articles a worker extracts per task: big enough to keep spaCy batching, small enough
#: to spread a few thousand articles over many workers.
TASK_SIZE = 64
#: Tasks submitted ahead of the one being collected: keeps workers busy while memory stays
#: bounded by a few batches, not the corpus.
IN_FLIGHT = 32
#: Seconds to wait for the scheduler before giving up.
CONNECT_TIMEOUT = 10


def extract_on_cluster(articles: Iterable[Article], address: str, *,
                       aliases: str | Path | None = None, events: Iterable[str | Path] = ()
                       ) -> Iterator[tuple[Article, Extraction]]:
    """Stream (article, extraction) pairs computed by the dask cluster at `address`."""
    try:
        from distributed import Client
    except ImportError:
        raise SearchkitError(
            "--dask needs dask.distributed: pip install 'searchkit[dask]'") from None
    rules = _read_rules(aliases, events)
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise SearchkitError(f"cannot reach the dask scheduler at {address}: {exc}") from None
    with client:
        pending: deque = deque()
        stream = iter(articles)
        while batch := list(itertools.islice(stream, TASK_SIZE)):
            pending.append(client.submit(_extract_batch, batch, rules=rules, pure=False))
            if len(pending) >= IN_FLIGHT:
                yield from pending.popleft().result()
        while pending:  # in submission order, so the index sees input order
            yield from pending.popleft().result()


def _read_rules(aliases, events) -> dict:
    """The user's rule files as {"aliases": bytes | None, "events": [bytes, ...]}."""
    try:
        return {"aliases": Path(aliases).read_bytes() if aliases else None,
                "events": [Path(e).read_bytes() for e in events]}
    except OSError as exc:
        raise SearchkitError(f"{exc.filename}: cannot read ({exc.strerror})") from None


def _extract_batch(batch: list[Article], rules: dict) -> list[tuple[Article, Extraction]]:
    """Runs on a worker: extract as a local run does, with the rule files made local."""
    from . import extract_articles

    aliases, events = _local_rules(rules)
    return list(extract_articles(batch, aliases=aliases, events=events))


def _local_rules(rules: dict) -> tuple[Path | None, list[Path]]:
    """The rule files written once per worker under a name made from their contents, so
    every batch finds the same files and reuses the worker's cached extractor."""
    digest = hashlib.sha256(repr(rules).encode()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / f"searchkit-rules-{digest}"
    files = {"aliases.json": rules["aliases"],
             **{f"events-{i}.json": data for i, data in enumerate(rules["events"])}}
    if not folder.exists():
        staging = Path(tempfile.mkdtemp(prefix="searchkit-rules-"))
        for name, data in files.items():
            if data is not None:
                (staging / name).write_bytes(data)
        try:
            staging.rename(folder)  # atomic: concurrent tasks never see half a folder
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)  # another task got there first
    aliases = folder / "aliases.json" if rules["aliases"] is not None else None
    return aliases, [folder / f"events-{i}.json" for i in range(len(rules["events"]))]
