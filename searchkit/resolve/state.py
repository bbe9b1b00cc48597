"""The index-level tables kept beside the segments, updated with every commit.

`IndexTables` is the hook the store's writer calls (store/writer.py knows nothing of what
is inside): before a segment is written it assigns each new article its near-duplicate
cluster (and the MinHash signature the segment keeps), and at the commit it updates

- the entities table (entities.py) with the names of added and removed articles,
- the boilerplate model (boilerplate.py) with the passages of added articles,
- the duplicate index's cluster merges (duplicates.py),

and writes them as files of the new generation, named in its manifest. Each update costs
what the commit adds; the duplicate index is rebuilt in memory from the segments' stored
signatures only when a writer first needs it.

The read side (`ReadTables`) loads what a snapshot's manifest names, lazily.
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Sequence
from urllib.parse import urlsplit

import numpy as np
import orjson

from ..facetspec import NAME_FACETS
from ..store.columns import decode, encode, span_column
from .boilerplate import BoilerplateModel
from .duplicates import DuplicateIndex, DuplicateSettings, hash_tokens, signatures
from .edits import Edits, read_edits
from .entities import EntityTable, Observations
from .evidence import WORD_COUNTS
from .near_duplicates import FEW, near_index

#: Commits between two writes of the entities table and the boilerplate model within one
#: writer session (each is written whole, so writing them at every commit of a long run
#: would cost the table's size each time); the last commit of a session always writes them.
SAVE_EVERY = 8
ENTITIES = "entities-{}.json"
BOILERPLATE = "boilerplate-{}.npz"
MERGES = "dupmerges-{}.npy"
#: Documents signed at a time (see `IndexTables._signatures`).
SIGNATURE_CHUNK = 500


def source_key(source: str, url: str) -> str:
    """Whose boilerplate a text shares: the site of its URL, else its source."""
    host = urlsplit(url).hostname if url else None
    return (host or source or "").lower()


class IndexTables:
    """The writer's hook (see the module docstring)."""

    def __init__(self, *, aliases: Path | str | None = None, edits_file: Path | str | None = None,
                 earlier_edits: Path | str | None = None):
        self.aliases_path = aliases
        self.edits_file = edits_file
        # Edits recorded in another file (the index folder's, when `edits_file` is the
        # user's alias file): they still hold, under the ones of `edits_file`.
        self.earlier_edits = earlier_edits if earlier_edits != edits_file else None
        self._entities: EntityTable | None = None
        self._boilerplate: BoilerplateModel | None = None
        self._duplicates: DuplicateIndex | None = None
        self._token_hashes: dict[str, int] = {}
        self._new_merges: dict[str, str] | None = None
        self._store = self._manifest = None
        self._dirty: set[str] = set()
        self._unsaved_commits = 0

    # ------------------------------------------------------------ the writer's calls

    def open(self, store: Path, manifest: dict[str, Any], snapshot) -> None:
        """The tables of the generation a writer starts from (loaded when first used)."""
        self._store, self._manifest, self._snapshot = store, manifest, snapshot
        self._entities = self._boilerplate = self._duplicates = None
        self._new_merges = None
        self._unsaved_commits = 0

    def pending(self) -> bool:
        """True when changes wait for a commit that writes them (the writer's last one)."""
        return bool(self._dirty)

    def outdated(self) -> bool:
        """Load the saved entity table and say whether it must be written again: it was
        resolved under other rules (a newer searchkit, changed alias data or edits) or
        before word cases were counted. Loading it brought it up to date; the writer
        commits it even when no article changed."""
        if not (self._manifest or {}).get("entities"):
            return False
        self.entities  # noqa: B018 - loading re-resolves an outdated table and marks it dirty
        return "entities" in self._dirty

    def advance(self, manifest: dict[str, Any], snapshot) -> None:
        """The writer committed `manifest`: keep what is loaded, read from the new snapshot."""
        self._manifest, self._snapshot = manifest, snapshot

    def extra_columns(self, arrays: dict[str, np.ndarray], rows: Sequence,
                      removed: Sequence[str]) -> dict[str, np.ndarray]:
        """Per-document arrays a new segment keeps: MinHash signatures, the cluster each
        article joined (the duplicate index learns the new articles here) and its
        boilerplate spans (the boilerplate model learns their passages here)."""
        ids = [r.id for r in rows]
        vocab = [decode(t) for t in arrays["text.vocab"]]
        term_hashes = hash_tokens(vocab, self._token_hashes) if vocab else np.zeros(0, np.uint64)
        sigs = self._signatures(term_hashes, arrays["text.values"], arrays["text.offsets"])
        if self._duplicates is None and len(ids) <= FEW:
            # A few articles: look them up in the stored signatures instead of loading all
            # of them; the merges found are carried to the index a later commit loads.
            duplicates = near_index(self._snapshot, sigs, ids, self._merges(),
                                    self._duplicate_settings)
        else:
            duplicates = self.duplicates
        duplicates.remove(removed)
        clusters = duplicates.add(list(ids), sigs)
        if duplicates is not self._duplicates:
            self._new_merges = duplicates.merges()
        self._dirty.add("duplicates")
        return {"minhash": sigs, "dup": encode(clusters), **self._boilerplate_spans(rows)}

    def _signatures(self, term_hashes: np.ndarray, tokens: np.ndarray,
                    offsets: np.ndarray) -> np.ndarray:
        """MinHash signatures of a batch's texts, SIGNATURE_CHUNK documents at a time (the
        shingle arrays take ~80 bytes a token: a whole 5,000-article batch took 100 MB)."""
        parts = []
        for first in range(0, len(offsets) - 1, SIGNATURE_CHUNK):
            last = min(first + SIGNATURE_CHUNK, len(offsets) - 1)
            lo, hi = int(offsets[first]), int(offsets[last])
            parts.append(signatures(term_hashes[tokens[lo:hi]], offsets[first:last + 1] - lo,
                                    **self._signature_settings()))
        if not parts:
            return signatures(np.zeros(0, np.uint64), np.zeros(1, np.int64), **self._signature_settings())
        return np.concatenate(parts)

    def _boilerplate_spans(self, rows: Sequence) -> dict[str, np.ndarray]:
        """Observe the rows' passages, then each text's boilerplate spans as now known (the
        query path reads them instead of fingerprinting every hit's text again)."""
        texts = [(source_key(r.payload["article"]["source"], r.payload["article"]["url"]),
                  r.payload["article"]["text"]) for r in rows]
        for source, text in texts:
            self.boilerplate.observe(source, text)
        self._dirty.add("boilerplate")
        return span_column("boilerplate", [self.boilerplate.spans(source, text)
                                           for source, text in texts])

    def commit(self, added: Sequence, removed: Sequence[int], generation: int, *,
               final: bool = True) -> tuple[dict[str, Any], list[Path]]:
        """Update the tables with a commit's added rows and the removed articles (docnums of
        the writer's snapshot); write them for `generation` when `final` (the session's
        last commit) or every SAVE_EVERY commits. Returns (manifest fields, files written);
        a manifest whose entities table was not written says so ("entities_stale")."""
        delta = Observations()
        for names in removed_names(self._snapshot, removed).values():
            delta.remove_article(**names)
        for row in added:
            delta.add_article(**_row_names(row))
        if delta.values or delta.acronyms or any(getattr(delta, n) for n in WORD_COUNTS):
            self.entities.update(delta)
            self._dirty.add("entities")
        self._unsaved_commits += 1
        if final or self._unsaved_commits >= SAVE_EVERY:
            self._unsaved_commits = 0
            return self._save(generation)
        manifest = self._manifest or {}
        fields = {k: manifest[k] for k in ("entities", "boilerplate", "dupmerges") if manifest.get(k)}
        if "entities" in self._dirty:
            fields["entities_stale"] = True
        return fields, []

    def reset(self) -> None:
        """Forget what was loaded or changed (after a failed commit): reload from disk."""
        self._entities = self._boilerplate = self._duplicates = None
        self._new_merges = None
        self._dirty.clear()

    def observe_boilerplate(self, articles: Iterable) -> None:
        """Count passages before extraction (a pre-scan), so that the first articles of a
        source are already read with its boilerplate blanked."""
        for article in articles:
            self.boilerplate.observe(source_key(article.source, article.url), article.text)
        self._dirty.add("boilerplate")

    def boilerplate_spans(self, article) -> list[tuple[int, int]]:
        return self.boilerplate.spans(source_key(article.source, article.url), article.text)

    def reresolve(self) -> None:
        """After the user's entity edits: apply them to the table (saved at the commit)."""
        self.entities.set_rules(edits=self._edits())
        self._dirty.add("entities")

    # ------------------------------------------------------------ the tables, loaded lazily

    @property
    def entities(self) -> EntityTable:
        if self._entities is None:
            name = (self._manifest or {}).get("entities")
            aliases, edits = self._alias_groups(), self._edits()
            if name:
                data = _read_table(self._store / name)
                self._entities = EntityTable.from_dict(data, aliases=aliases, edits=edits)
                if self._entities.rebuilt:  # the alias data or the edits changed since
                    self._dirty.add("entities")
            else:
                self._entities = EntityTable(aliases=aliases, edits=edits)
            stale = (self._manifest or {}).get("entities_stale")
            if (stale or not self._entities.case_counted) and self._snapshot is not None:
                # A run ended before writing the table, or the table was saved before word
                # cases were counted: count the articles again.
                self._entities.update(_resync(self._entities, inventory(self._snapshot)))
                self._entities.case_counted = True
                self._dirty.add("entities")
        return self._entities

    @property
    def boilerplate(self) -> BoilerplateModel:
        if self._boilerplate is None:
            name = (self._manifest or {}).get("boilerplate")
            if name:
                with np.load(self._store / name, allow_pickle=False) as arrays:
                    self._boilerplate = BoilerplateModel.from_arrays(arrays)
            else:
                self._boilerplate = BoilerplateModel()
        return self._boilerplate

    @property
    def duplicates(self) -> DuplicateIndex:
        """The duplicate index of the live articles, rebuilt from the segments' columns."""
        if self._duplicates is None:
            settings = self._duplicate_settings
            index = DuplicateIndex(settings)
            snapshot = self._snapshot
            keys, clusters, sigs = [], [], []
            for i, segment in enumerate(snapshot.segments if snapshot else ()):
                live = ~snapshot.deleted_mask(i)
                if "minhash.npy" not in segment.files:
                    continue
                keys += [decode(v) for v in np.asarray(segment.array("ids"))[live]]
                clusters += [decode(v) for v in np.asarray(segment.array("dup"))[live]]
                sigs.append(np.asarray(segment.array("minhash"))[live])
            merges = self._merges()
            if keys:
                index = DuplicateIndex.of_articles(settings, keys, clusters, np.concatenate(sigs), merges)
            self._duplicates = index
        return self._duplicates

    # ------------------------------------------------------------ internals

    @cached_property
    def _duplicate_settings(self) -> DuplicateSettings:
        return DuplicateSettings.load()

    def _signature_settings(self) -> dict[str, int]:
        s = self._duplicate_settings
        return {"shingle": s.shingle, "num_perm": s.num_perm, "seed": s.seed}

    def _merges(self) -> dict[str, str]:
        """Cluster merges: those the generation saved, and any found since by `near_index`."""
        if self._new_merges is not None:
            return dict(self._new_merges)
        return _read_merges(self._store, (self._manifest or {}).get("dupmerges"))

    def _alias_groups(self):
        from ..extraction.canonical import load_aliases

        return load_aliases(self.aliases_path).groups()

    def _edits(self) -> Edits:
        edits = read_edits(self.edits_file)
        return read_edits(self.earlier_edits).then(edits) if self.earlier_edits else edits

    def _save(self, generation: int) -> tuple[dict[str, Any], list[Path]]:
        fields, written = {}, []
        manifest = self._manifest or {}
        for key in ("entities", "boilerplate", "dupmerges"):
            if manifest.get(key):
                fields[key] = manifest[key]
        if "entities" in self._dirty:
            path = self._store / ENTITIES.format(generation)
            path.write_bytes(orjson.dumps(self.entities.to_dict(), option=orjson.OPT_NON_STR_KEYS))
            fields["entities"] = path.name
            written.append(path)
        if "boilerplate" in self._dirty:
            path = self._store / BOILERPLATE.format(generation)
            with open(path, "wb") as f:
                np.savez(f, **self.boilerplate.to_arrays())
            fields["boilerplate"] = path.name
            written.append(path)
        if "duplicates" in self._dirty:
            merges = self._duplicates.merges() if self._duplicates is not None else self._merges()
            path = self._store / MERGES.format(generation)
            pairs = np.array([list(merges), list(merges.values())], dtype=str) if merges \
                else np.zeros((2, 0), dtype=str)
            np.save(path, pairs, allow_pickle=False)
            fields["dupmerges"] = path.name
            written.append(path)
        self._dirty.clear()
        self._manifest = {**manifest, **fields}
        return fields, written


def inventory(snapshot) -> Observations:
    """What the entities table counts, read from the columns: articles per (value, kind)
    and per acronym definition, over the live articles; and how their texts write their
    words, read from the stored payloads (every live article's: a recovery path)."""
    found = Observations()
    org_column = next(spec.column for spec in NAME_FACETS if spec.entity_kind == "org")
    for doc in np.flatnonzero(snapshot.live).tolist():
        found.add_text(_stored_text(snapshot, doc), orgs=snapshot.doc_values(org_column, doc))
    for spec in NAME_FACETS:
        view = snapshot.list_view(spec.column)
        live = snapshot.live[view.docs]
        counts = np.bincount(view.values[live], minlength=len(view.vocab))
        for value, n in zip(view.strings(), counts.tolist()):
            if n:
                found.values[value, spec.entity_kind] += n
    shorts, longs = snapshot.list_view("acronyms.short"), snapshot.list_view("acronyms.long")
    live = snapshot.live[shorts.docs]
    short_names, long_names = shorts.strings(), longs.strings()
    pairs = set(zip(shorts.docs[live].tolist(), shorts.values[live].tolist(), longs.values[live].tolist()))
    for _, short, long in pairs:
        found.acronyms[short_names[short], long_names[long]] += 1
    return found


def _resync(table: EntityTable, counted: Observations) -> Observations:
    """The delta that makes the table's counts equal `counted`."""
    delta = Observations()
    have = {(v, k): n for v, kinds in table.counts.items() for k, n in kinds.items()}
    for key in set(have) | set(counted.values):
        delta.values[key] = counted.values.get(key, 0) - have.get(key, 0)
    defined = {(s, l): n for l, shorts in table.definitions.items() for s, n in shorts.items()}
    for key in set(defined) | set(counted.acronyms):
        delta.acronyms[key] = counted.acronyms.get(key, 0) - defined.get(key, 0)
    for name in WORD_COUNTS:
        have_words, counted_words, change = (getattr(table, name), getattr(counted, name),
                                             getattr(delta, name))
        for word in set(have_words) | set(counted_words):
            change[word] = counted_words.get(word, 0) - have_words.get(word, 0)
    return delta


def _stored_text(snapshot, doc: int) -> str:
    stored = snapshot.payload(doc)
    return (stored or {}).get("article", {}).get("text", "") or ""


def _row_names(row) -> dict[str, Any]:
    """A row's names as the entities table's keywords (the names facets' names)."""
    by_kind = {spec.entity_kind: [] for spec in NAME_FACETS}
    for value, kind in row.names:
        by_kind[kind].append(value)
    return {**{s.name: by_kind[s.entity_kind] for s in NAME_FACETS}, "acronyms": list(row.acronyms),
            "text": row.payload["article"]["text"]}


def removed_names(snapshot, docs: Iterable[int]) -> dict[str, dict[str, list[str]]]:
    """The names (and acronym definitions) of articles about to be removed, by id."""
    out = {}
    for doc in docs:
        names = {spec.name: snapshot.doc_values(spec.column, doc) for spec in NAME_FACETS}
        shorts = snapshot.doc_values("acronyms.short", doc)
        longs = snapshot.doc_values("acronyms.long", doc)
        out[snapshot.id_of(doc)] = {**names, "acronyms": list(zip(shorts, longs)),
                                    "text": _stored_text(snapshot, doc)}
    return out


def _read_merges(store: Path | None, name: str | None) -> dict[str, str]:
    if not store or not name:
        return {}
    pairs = np.load(store / name, allow_pickle=False)
    return dict(zip((str(a) for a in pairs[0]), (str(b) for b in pairs[1])))


class ReadTables:
    """What a snapshot's manifest names, loaded on first use by the query path."""

    def __init__(self, store: Path, manifest: dict[str, Any]):
        self.store, self.manifest = store, manifest

    @cached_property
    def entities(self) -> EntityTable | None:
        name = self.manifest.get("entities")
        if not name:
            return None
        return EntityTable.from_dict(_read_table(self.store / name), stale_ok=True)

    @cached_property
    def boilerplate(self) -> BoilerplateModel | None:
        name = self.manifest.get("boilerplate")
        if not name:
            return None
        with np.load(self.store / name, allow_pickle=False) as arrays:
            return BoilerplateModel.from_arrays(arrays)

    @cached_property
    def merges(self) -> tuple[np.ndarray, np.ndarray]:
        """Cluster merges as sorted (from, into) byte arrays for vectorised look-ups."""
        pairs = _read_merges(self.store, self.manifest.get("dupmerges"))
        if not pairs:
            return np.zeros(0, "S1"), np.zeros(0, "S1")
        frm, into = encode(pairs), encode(pairs.values())
        order = np.argsort(frm)
        return frm[order], into[order]

    def boilerplate_spans(self, source: str, url: str, text: str) -> list[tuple[int, int]]:
        model = self.boilerplate
        return model.spans(source_key(source, url), text) if model is not None else []


def _read_table(path: Path) -> dict[str, Any]:
    """A saved entities table: JSON read by orjson (the table is read and written by every
    writer, and the standard library's json took a third of what adding one article to a
    95k-article index costs beyond adding it to a 1-article one)."""
    return orjson.loads(path.read_bytes())
