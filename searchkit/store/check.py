"""`searchkit check`: read everything, name what is damaged; `--repair`: rebuild from the
stored articles.

The check reads every column file in full, checks each list column's layout, walks every
posting list against the token stream it was made from, reads every stored article and
finds it by its id, and compares the articles the columns hold with those stored. Repair
writes a new store from every stored article that can be read (no NLP: the payload holds
the extraction) and switches to it; it also converts indexes of searchkit's format 2.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .. import facetspec
from ..models import SearchkitError, counted
from . import layout, rows
from .columns import LIST_COLUMNS, TEXT_FIELDS, Segment, decode, pack_head, postings
from .snapshot import Snapshot
from .whoosh_store import StoredArticles
from .writer import IndexWriter


@dataclass
class Report:
    """What check or repair found: problems (each naming a file or an article) and counts."""

    articles: int = 0
    problems: list[str] = field(default_factory=list)
    repaired: bool = False
    lost: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.repaired:
            lost = f"; {len(self.lost)} could not be recovered: {', '.join(self.lost[:10])}" if self.lost else ""
            return f"repaired: {counted(self.articles, 'article')} restored from the stored articles{lost}"
        return f"{counted(self.articles, 'article')}, {counted(len(self.problems), 'problem')}"


def check_index(index_dir: str | Path) -> Report:
    """Read every file of the index; a Report whose problems name each damaged one."""
    path = Path(index_dir)
    if layout.is_legacy(path):
        return Report(problems=[f"{path}: written by an older searchkit (format 2); "
                                "`searchkit check --repair` converts it"])
    store = layout.current_store(path)
    if store is None:
        raise SearchkitError(f"no index at {path}")
    report = Report()
    try:
        articles = StoredArticles(store)
        generation = articles.generation()
        manifest = layout.read_manifest(store, generation)
    except SearchkitError as exc:
        report.problems.append(str(exc))
        return report
    if manifest is None:
        report.problems.append(f"{layout.manifest_path(store, generation)}: missing")
        return report
    try:
        snapshot = Snapshot(path, store, articles, generation, manifest)
    except layout.DamagedIndex as exc:
        report.problems += exc.problems
        return report
    report.problems += snapshot.problems()
    if manifest.get("entities_stale"):
        report.problems.append(f"{layout.manifest_path(store, generation)}: the entities table lags "
                               "behind the articles (a run ended early); the next `searchkit index` "
                               "or `check --repair` brings it up to date")
    for segment in snapshot.segments:
        report.problems += _segment_problems(segment)
    stored, problems = articles.salvage()
    report.problems += problems
    report.articles = len(stored)
    if not report.problems:
        report.problems += _agreement(snapshot, stored)
    return report


def repair_index(index_dir: str | Path, *, tables=None) -> Report:
    """Rebuild the index from its stored articles (no NLP) and switch to it; `tables` is
    the writer's hook for the index-level tables (see IndexWriter)."""
    path = Path(index_dir)
    report = Report(repaired=True)
    with IndexWriter(path, rebuild=True, tables=tables) as writer:
        payloads, report.problems, expected = _salvage(path)
        restored: set[str] = set()
        for article_id, payload in payloads:
            try:
                writer.add(rows.from_payload(payload))
                restored.add(article_id)
            except Exception as exc:  # noqa: BLE001 - one bad record costs only itself
                report.problems.append(f"article {article_id!r}: cannot be restored ({exc})")
        report.articles = len(restored)
        report.lost = sorted(set(expected) - restored)
    return report


# ---------------------------------------------------------------- reading what is there


def _salvage(path: Path) -> tuple[Iterator[tuple[str, Any]], list[str], list[str]]:
    """(readable stored payloads, problems, ids the damaged index claims to hold).

    Payloads come from whoosh's stored articles, and for articles whoosh cannot give back,
    from the segments' payload columns: either copy restores an article."""
    if layout.is_legacy(path):
        return _legacy_payloads(path)
    store = layout.current_store(path)
    if store is None:
        raise SearchkitError(f"no index at {path}")
    problems: list[str] = []
    found: dict[str, Any] = {}
    generation = None
    try:
        articles = StoredArticles(store)
        generation = articles.generation()
        stored, problems = articles.salvage()
        found.update(stored)
        articles.close()
    except SearchkitError as exc:
        problems.append(str(exc))
    columns_found, expected, column_problems = _column_payloads(store, generation)
    problems += column_problems
    for article_id, payload in columns_found:
        found.setdefault(article_id, payload)
    if not found and (problems or expected):
        raise SearchkitError(f"neither the stored articles nor the column files of {path} can be "
                             f"read, so the index cannot be repaired; rebuild it from your files "
                             f"with `searchkit index PATH... --rebuild --index {path}`")
    return iter(found.items()), problems, sorted(set(expected) | set(found))


def _column_payloads(store: Path, generation: int | None):
    """(id, payload) of the live rows of every readable segment, the live ids the columns
    hold, and a problem per segment that cannot be read."""
    found, ids, problems = [], [], []
    try:
        manifest = layout.read_manifest(store, generation) if generation is not None else None
        manifest = manifest or _newest_manifest(store)
    except layout.DamagedIndex as exc:
        return found, ids, exc.problems
    if manifest is None:
        return found, ids, problems
    for entry in manifest["segments"]:
        segment = Segment(store / entry["name"], entry["docs"], entry["files"])
        try:
            live = ~_deleted(store, entry)
            rows = np.flatnonzero(live)
            ids_here = [decode(v) for v in np.asarray(segment.array("ids"))[rows]]
            ids += ids_here
            for article_id, row in zip(ids_here, rows):
                payload = segment.payload(int(row))
                if payload is not None:
                    found.append((article_id, payload))
        except Exception as exc:  # noqa: BLE001 - a damaged segment costs only itself
            problems.append(f"{segment.folder}: unreadable ({type(exc).__name__})")
    return found, ids, problems


def _deleted(store: Path, entry: dict) -> np.ndarray:
    if not entry.get("deleted"):
        return np.zeros(entry["docs"], dtype=bool)
    return np.load(store / entry["deleted"], allow_pickle=False)


def _newest_manifest(store: Path):
    numbers = sorted(int(p.stem.split("-")[1]) for p in store.glob("manifest-*.json")
                     if p.stem.split("-")[1].isdigit())
    return layout.read_manifest(store, numbers[-1]) if numbers else None


def _segment_problems(segment: Segment) -> list[str]:
    """Every array of a segment read in full and checked against the others."""
    problems = []
    for name in segment.files:
        try:
            np.load(segment.folder / name, allow_pickle=False)
        except Exception as exc:  # noqa: BLE001 - np.load raises many kinds on damage
            problems.append(f"{segment.folder / name}: unreadable ({type(exc).__name__})")
    if problems:
        return problems
    docs = segment.docs
    for column in LIST_COLUMNS:
        problems += _list_problems(segment, column, docs)
    for name in ("ids", "hashes", "dates"):
        if len(segment.array(name)) != docs:
            problems.append(f"{segment.folder / (name + '.npy')}: {len(segment.array(name))} rows, not {docs}")
    for field_name in TEXT_FIELDS:
        if not _list_problems(segment, field_name, docs):
            problems += _posting_problems(segment, field_name, docs)
    problems += _payload_problems(segment)
    return problems


def _payload_problems(segment: Segment) -> list[str]:
    """Every stored payload of the segment decompressed and parsed."""
    if "payload.data.npy" not in segment.files:
        return []
    offsets = segment.array("payload.offsets")
    if len(offsets) != segment.docs + 1 or offsets[-1] != len(segment.array("payload.data")):
        return [f"{segment.folder / 'payload.offsets.npy'}: does not cover the payload bytes"]
    heads = "heads.data.npy" in segment.files
    if heads and len(segment.array("heads.offsets")) != segment.docs + 1:
        return [f"{segment.folder / 'heads.offsets.npy'}: does not cover the {segment.docs} rows"]
    for row in range(segment.docs):
        try:
            payload = segment.payload(row)
        except Exception as exc:  # noqa: BLE001 - zlib and json raise several kinds
            return [f"{segment.folder / 'payload.data.npy'}: row {row} unreadable ({type(exc).__name__})"]
        try:
            same = not heads or segment.head(row) == json.loads(pack_head(payload))
        except Exception:  # noqa: BLE001 - json raises several kinds
            same = False
        if not same:
            return [f"{segment.folder / 'heads.data.npy'}: row {row} disagrees with its stored article"]
    return []


def _list_problems(segment: Segment, column: str, docs: int) -> list[str]:
    offsets = segment.array(f"{column}.offsets")
    values = segment.array(f"{column}.values")
    vocab = segment.array(f"{column}.vocab")
    where = segment.folder / f"{column}.offsets.npy"
    if len(offsets) != docs + 1 or (len(offsets) and (offsets[0] != 0 or offsets[-1] != len(values))):
        return [f"{where}: does not cover the {docs} rows and {len(values)} values"]
    if np.any(np.diff(offsets) < 0):
        return [f"{where}: offsets go backwards"]
    if len(values) and (values.min() < 0 or values.max() >= len(vocab)):
        return [f"{segment.folder / (column + '.values.npy')}: values outside the vocabulary"]
    if len(vocab) > 1 and not np.all(vocab[1:] > vocab[:-1]):
        return [f"{segment.folder / (column + '.vocab.npy')}: not sorted"]
    return []


def _posting_problems(segment: Segment, field_name: str, docs: int) -> list[str]:
    arrays = {f"{field_name}.{part}": np.asarray(segment.array(f"{field_name}.{part}"))
              for part in ("offsets", "values", "vocab")}
    expected = postings(arrays, field_name, docs)
    return [f"{segment.folder / (name + '.npy')}: the postings disagree with the token stream"
            for name, array in expected.items()
            if not np.array_equal(np.asarray(segment.array(name)), array)]


def _agreement(snapshot: Snapshot, stored: list[tuple[str, Any]]) -> list[str]:
    """Articles in the columns but not stored, stored but not in the columns, or changed."""
    columns = {}
    for i, segment in enumerate(snapshot.segments):
        live = ~snapshot.deleted_mask(i)
        for article_id, digest in zip(np.asarray(segment.array("ids"))[live],
                                      np.asarray(segment.array("hashes"))[live]):
            columns[decode(article_id)] = decode(digest)
    problems = []
    stored_ids = set()
    for article_id, payload in stored:
        stored_ids.add(article_id)
        if article_id not in columns:
            problems.append(f"article {article_id!r}: stored but missing from the column files")
            continue
        article = rows.restore_article(payload)
        digest = rows.content_hash(article, payload.get("extract", True), payload.get("rules", ""))
        if digest != columns[article_id]:
            problems.append(f"article {article_id!r}: the column files hold another version")
    problems += [f"article {i!r}: in the column files but not stored" for i in sorted(set(columns) - stored_ids)]
    return problems


# ---------------------------------------------------------------- format 2


def _legacy_payloads(path: Path):
    """Payloads from an index of searchkit's format 2 (whoosh fields + details JSON)."""
    from whoosh import index as whoosh_index

    try:
        ix = whoosh_index.open_dir(str(path), indexname="searchkit")
        reader = ix.reader()
    except Exception as exc:  # noqa: BLE001
        raise SearchkitError(f"{path}: the old index cannot be read ({exc}); rebuild it with "
                             "`searchkit index PATH... --rebuild`") from None
    found, problems = [], []
    for docnum in reader.all_doc_ids():
        try:
            fields_ = reader.stored_fields(docnum)
            found.append((fields_["id"], _legacy_payload(fields_)))
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{path}: article #{docnum} of the old index unreadable ({exc})")
    reader.close()
    return iter(found), problems, [i for i, _ in found]


def _legacy_payload(stored: dict[str, Any]) -> dict[str, Any]:
    details = json.loads(stored.get("details") or "{}")
    when = stored.get("date")
    date = None
    if isinstance(when, dt.datetime):
        date = when.date().isoformat() if not (when.hour or when.minute or when.second) \
            else when.isoformat(timespec="seconds")
    # Format 2 kept the record's own facet values and extraction's together; what
    # extraction found is in `details`, so the rest is what the record gave.
    found = {spec.record_field: {m["canonical"] for m in details.get("mentions", [])
                                 if m["kind"] == spec.entity_kind} for spec in facetspec.NAME_FACETS}
    found[facetspec.EVENTS.record_field] = {e["type"] for e in details.get("events", [])}
    found[facetspec.TAGS.record_field] = set()
    given = {name: tuple(v for v in (stored.get(name) or "").split(",") if v and v not in extracted)
             for name, extracted in found.items()}
    article = {"id": stored["id"], "text": stored.get("text", ""), "title": stored.get("title", ""),
               "date": date, "source": stored.get("source", ""), "url": stored.get("url", ""),
               "origin": "", "given": {k: list(v) for k, v in given.items() if v},
               "meta": json.loads(stored.get("meta") or "{}")}
    extraction = {key: details.get(key, []) for key in ("mentions", "amounts", "events")}
    return {"article": article, "extraction": extraction, "extract": bool(any(extraction.values())),
            "rules": ""}
