"""Near-duplicate articles: MinHash signatures and LSH bands, a whole batch at once in numpy.

An article is its array of token hashes (uint64, one per analysed token, in text order: the
indexing analysis already stems and drops stop words). Its shingles are the runs of
`shingle` consecutive tokens; two articles are near-duplicates when the Jaccard similarity of
their shingle sets, estimated from their signatures, reaches the threshold in
`extraction/data/duplicates.json`.

Signatures are one-permutation MinHash (Li, Owen & Zhang, NIPS 2012) with rotation
densification (Shrivastava & Li, ICML 2014): each shingle is hashed once, the hash's top bits
pick one of `num_perm` slots and its low 32 bits compete for that slot's minimum; an empty slot
borrows the next filled slot's value, offset by the distance, so equal sets still give equal
signatures and the fraction of equal slots stays an unbiased Jaccard estimate. Cost is
O(shingles) for a batch, not O(shingles x num_perm) as with k independent permutations.

In an indexing run: analyse each new article once; hand `signatures` the batch's token hashes
(`hash_tokens` of the analysed terms, or any uint64 per token that is the same in every
process and run: never Python's `hash()`, which changes per process); `add` the batch in
arrival order and store each article's signature and returned cluster id beside it (the
store's `minhash` and `dup` columns); `remove` deleted articles; save `merges()`. A later
run rebuilds the index with `of_articles` from what was stored. Search folds hits whose
`cluster_of(key)` is equal. Stored signatures are only comparable under the same shingle,
num_perm and seed: a changed data file means re-signing the articles.

Memory (a 200k-article build holds the index whole): the index keeps the low 16 bits of
each signature slot to estimate Jaccard (two unequal slots agree by chance once in 65,536:
an estimate 64 slots wide moves by less than 0.001) and 32-bit band keys (a chance
collision only adds a candidate that the estimate then rejects). The band keys are made
from the full 32-bit slots the caller stores, so a reloaded index finds the same buckets.

>>> story = "russia ukrain swap 390 prison talk istanbul broker turkey deal".split()
>>> hashes = hash_tokens(story + story + story[::-1])   # a, its copy b, an unrelated c
>>> sigs = signatures(hashes, np.array([0, 10, 20, 30]))  # (3, 64) uint32, one row a document
>>> index = DuplicateIndex()
>>> index.add(["a", "b", "c"], sigs)            # b is a's copy: it joins a's cluster
['a', 'a', 'c']
>>> index.cluster_of("b")
'a'
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..models import SearchkitError
from .datafile import load_settings

SETTINGS_FILE = Path(__file__).resolve().parents[1] / "extraction" / "data" / "duplicates.json"

EMPTY = np.uint32(0xFFFFFFFF)          # slot value of a document without a single token
ROW = np.int32                         # row numbers in the band tables (16 a document)
SLOT = np.uint16                       # a signature slot as the index keeps it (see above)
BAND_KEY = np.uint32                   # a band key as the band tables keep it
_U64 = np.uint64
_GOLDEN = 0x9E3779B97F4A7C15


def _step(i: int) -> np.uint64:
    """A distinct odd-ish 64-bit constant per step, computed in Python ints (no overflow warning)."""
    return _U64((i * _GOLDEN) % 2**64)


@dataclass(frozen=True)
class DuplicateSettings:
    """How signatures are made and when two of them count as near-duplicates (see the data file)."""

    shingle: int = 3
    num_perm: int = 64
    bands: int = 16
    threshold: float = 0.5
    max_bucket: int = 32
    seed: int = 1

    def __post_init__(self) -> None:
        problems = []
        if not (isinstance(self.shingle, int) and 1 <= self.shingle <= 16):
            problems.append(f"shingle must be an integer in 1..16, not {self.shingle!r}")
        m = self.num_perm
        if not (isinstance(m, int) and 8 <= m <= 1024 and m & (m - 1) == 0):
            problems.append(f"num_perm must be a power of two in 8..1024, not {m!r}")
        elif not (isinstance(self.bands, int) and self.bands >= 1 and m % self.bands == 0):
            problems.append(f"bands must divide num_perm ({m}), not {self.bands!r}")
        if not (isinstance(self.threshold, (int, float)) and 0 < self.threshold <= 1):
            problems.append(f"threshold must be in (0, 1], not {self.threshold!r}")
        if not (isinstance(self.max_bucket, int) and self.max_bucket >= 1):
            problems.append(f"max_bucket must be a positive integer, not {self.max_bucket!r}")
        if not (isinstance(self.seed, int) and self.seed >= 0):
            problems.append(f"seed must be a non-negative integer, not {self.seed!r}")
        if problems:
            raise SearchkitError("duplicate settings: " + "; ".join(problems))

    @classmethod
    def load(cls, path: str | Path | None = None) -> "DuplicateSettings":
        """Read and validate a settings file (default: the built-in `duplicates.json`)."""
        return load_settings(cls, path or SETTINGS_FILE, "duplicate settings")

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands


# --------------------------------------------------------------------------- hashing

def hash_token(token: str) -> int:
    """A stable 64-bit hash of one token string (same value in every process and run)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


def hash_tokens(tokens: Iterable[str], cache: dict[str, int] | None = None) -> np.ndarray:
    """The uint64 hashes of `tokens`, hashing each distinct token once through `cache`.

    >>> hash_tokens(["war", "peace", "war"]).dtype
    dtype('uint64')
    """
    cache = {} if cache is None else cache
    out = []
    for token in tokens:
        value = cache.get(token)
        if value is None:
            value = cache[token] = hash_token(token)
        out.append(value)
    return np.array(out, dtype=np.uint64)


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, element-wise: spreads every input bit over the 64 output bits."""
    z = z ^ (z >> _U64(30))
    z *= _U64(0xBF58476D1CE4E5B9)
    z ^= z >> _U64(27)
    z *= _U64(0x94D049BB133111EB)
    z ^= z >> _U64(31)
    return z


def _salt(seed: int, what: int) -> np.uint64:
    return _mix(np.array([((seed * 0x10001 + what) * _GOLDEN) % 2**64], dtype=np.uint64))[0]


# --------------------------------------------------------------------------- signatures

def signatures(token_hashes: np.ndarray, doc_offsets: np.ndarray, *, shingle: int = 3,
               num_perm: int = 64, seed: int = 1) -> np.ndarray:
    """MinHash signatures of a batch: document d is token_hashes[doc_offsets[d]:doc_offsets[d+1]].

    Returns a (n_docs, num_perm) uint32 array. A document shorter than `shingle` tokens is one
    shingle of all its tokens; a document without tokens gets the all-EMPTY signature, which
    `DuplicateIndex` never matches.

    >>> sig = signatures(np.arange(10, dtype=np.uint64), np.array([0, 5, 10]))
    >>> sig.shape, sig.dtype
    ((2, 64), dtype('uint32'))
    """
    hashes = np.ascontiguousarray(token_hashes, dtype=np.uint64)
    offsets = np.asarray(doc_offsets, dtype=np.int64)
    _check_batch(hashes, offsets)
    settings = DuplicateSettings(shingle=shingle, num_perm=num_perm, bands=1, seed=seed)
    n_docs = len(offsets) - 1
    sig = np.full((n_docs, num_perm), EMPTY, dtype=np.uint32)
    doc_of, shingle_hashes = _shingle_hashes(hashes, offsets, settings)
    if len(shingle_hashes):
        slot_bits = num_perm.bit_length() - 1
        slots = (shingle_hashes >> _U64(64 - slot_bits)).astype(np.int64) if slot_bits else 0
        values = (shingle_hashes & _U64(0xFFFFFFFF)).astype(np.uint32)
        # EMPTY marks a slot nobody reached, so a real hash may not take that value
        np.minimum(values, EMPTY - np.uint32(1), out=values)
        np.minimum.at(sig.reshape(-1), doc_of * num_perm + slots, values)
    _densify(sig, settings)
    return sig


def _check_batch(hashes: np.ndarray, offsets: np.ndarray) -> None:
    if hashes.ndim != 1 or offsets.ndim != 1 or len(offsets) < 1:
        raise SearchkitError("signatures: token_hashes and doc_offsets must be 1-d arrays")
    if offsets[0] != 0 or offsets[-1] != len(hashes) or np.any(np.diff(offsets) < 0):
        raise SearchkitError("signatures: doc_offsets must rise from 0 to len(token_hashes)")


def _shingle_hashes(hashes: np.ndarray, offsets: np.ndarray,
                    settings: DuplicateSettings) -> tuple[np.ndarray, np.ndarray]:
    """(document index, 64-bit hash) of every shingle of every document, without a Python loop.

    A shingle's hash is a sum of its token hashes times a distinct constant per position
    (token hashes are already uniform), mixed once; positions past a short document's end
    count as zero.
    """
    k = settings.shingle
    n = len(hashes)
    lengths = np.diff(offsets)
    doc_of_token = np.repeat(np.arange(len(lengths)), lengths)
    ends = offsets[1:][doc_of_token]
    position = np.arange(n)
    padded = np.concatenate([hashes, np.zeros(k, dtype=np.uint64)])
    combined = padded[:n] * _step(1)
    for j in range(1, k):
        combined += padded[j:j + n] * _step(j + 1)
    short_first = np.flatnonzero((position == offsets[:-1][doc_of_token]) & (lengths[doc_of_token] < k))
    if len(short_first):
        # a document shorter than a shingle: one shingle of its tokens alone
        fixed = np.zeros(len(short_first), dtype=np.uint64)
        for j in range(k):
            inside = short_first + j < ends[short_first]
            fixed += np.where(inside, padded[short_first + j], _U64(0)) * _step(j + 1)
        combined[short_first] = fixed
    keep = position + k <= ends
    keep[short_first] = True
    return doc_of_token[keep], _mix(combined[keep] ^ _salt(settings.seed, 0))


def _densify(sig: np.ndarray, settings: DuplicateSettings) -> None:
    """Fill each empty slot of a non-empty document from the next filled slot to its right.

    Rotation densification (Shrivastava & Li, ICML 2014): the borrowed value is offset by the
    distance travelled, so two documents agree on an empty slot only when they borrow the same
    value from the same distance. One vectorised pass, whatever the number of empty slots.
    """
    n, m = sig.shape
    empty = sig == EMPTY
    todo = empty.any(axis=1) & ~empty.all(axis=1)
    if not todo.any():
        return
    part = sig[todo]
    filled = np.tile(~empty[todo], 2)
    position = np.where(filled, np.arange(2 * m), 2 * m)
    nearest = np.minimum.accumulate(position[:, ::-1], axis=1)[:, ::-1][:, :m] % m
    distance = (nearest - np.arange(m)) % m
    borrowed = np.take_along_axis(part, nearest, axis=1)
    offset = (distance.astype(np.uint64) * _U64(0x9E3779B1)).astype(np.uint32)
    part = np.where(empty[todo], np.minimum(borrowed + offset, EMPTY - np.uint32(1)), part)
    sig[todo] = part


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Share of equal signature slots, row by row (an unbiased estimate of shingle Jaccard)."""
    return (np.asarray(a) == np.asarray(b)).mean(axis=-1)


# --------------------------------------------------------------------------- LSH index

class _BandTable:
    """Sorted (band key, row) pairs in two runs: a large main run and a small recent one.

    Appending merges into `recent` only; `recent` folds into `main` when it outgrows a quarter
    of it, so each entry is re-sorted O(log n) times over the index's life (amortised, like
    Lucene's segment merges), and lookups are two `searchsorted` calls.
    """

    def __init__(self) -> None:
        empty = (np.empty(0, BAND_KEY), np.empty(0, ROW))
        self.main = empty
        self.recent = empty

    def add(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """Add entries; `keys` sorted, rows ascending within equal keys and newer than any stored."""
        self.recent = _merge(self.recent, (keys, rows.astype(ROW, copy=False)))
        if len(self.recent[0]) > max(4096, len(self.main[0]) // 4):
            self.main = _merge(self.main, self.recent)
            self.recent = (np.empty(0, BAND_KEY), np.empty(0, ROW))

    def lookup(self, queries: np.ndarray, max_bucket: int) -> tuple[np.ndarray, np.ndarray]:
        """(query position, row) for every stored entry whose key equals a query key.

        `queries` must be sorted: sorted probes walk the table cache-friendly (3x faster).
        """
        out_q, out_rows = [], []
        for keys, rows in (self.main, self.recent):
            if not len(keys):
                continue
            lo = np.searchsorted(keys, queries, side="left")
            # most band keys are unique: look for the bucket's end only where it is not empty
            hit = np.flatnonzero(keys[np.minimum(lo, len(keys) - 1)] == queries)
            if not len(hit):
                continue
            lo = lo[hit]
            hi = np.minimum(np.searchsorted(keys, queries[hit], side="right"), lo + max_bucket)
            counts = hi - lo
            q = np.repeat(hit, counts)
            first = np.repeat(lo - np.cumsum(counts) + counts, counts)
            out_q.append(q)
            out_rows.append(rows[first + np.arange(len(q))])
        if not out_q:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.concatenate(out_q), np.concatenate(out_rows)

    def keep_rows(self, new_row_of: np.ndarray) -> None:
        """Drop entries of rows mapped to -1 and renumber the others (after compaction)."""
        keys = np.concatenate([self.main[0], self.recent[0]])
        rows = new_row_of[np.concatenate([self.main[1], self.recent[1]])].astype(ROW)
        alive = rows >= 0
        keys, rows = keys[alive], rows[alive]
        order = np.lexsort((rows, keys))
        self.main = (keys[order], rows[order])
        self.recent = (np.empty(0, BAND_KEY), np.empty(0, ROW))


def _merge(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]):
    """Merge two sorted runs whose rows in `b` are all newer than a's, in linear time."""
    # equal keys: a's (older) rows first, so the oldest candidates come first in a bucket
    at = np.searchsorted(a[0], b[0], side="right") + np.arange(len(b[0]))
    keys = np.empty(len(a[0]) + len(b[0]), dtype=BAND_KEY)
    rows = np.empty(len(keys), dtype=ROW)
    from_a = np.ones(len(keys), dtype=bool)
    from_a[at] = False
    keys[at], rows[at] = b
    keys[from_a], rows[from_a] = a
    return keys, rows


def band_keys(sigs: np.ndarray, settings: DuplicateSettings) -> np.ndarray:
    """(n_docs, bands) keys: one hash per band of `rows` consecutive signature slots, folded
    to 32 bits (BAND_KEY)."""
    n = sigs.shape[0]
    grouped = sigs.reshape(n, settings.bands, settings.rows).astype(np.uint64)
    key = np.broadcast_to(
        _mix(np.arange(settings.bands, dtype=np.uint64) + _salt(settings.seed, 2)),
        (n, settings.bands)).copy()
    for r in range(settings.rows):
        key = _mix(key ^ (grouped[:, :, r] + _step(r + 1)))
    return (key ^ (key >> _U64(32))).astype(BAND_KEY)


class DuplicateIndex:
    """Signatures, LSH band tables and duplicate clusters of the articles added so far.

    A new article joins the cluster of its most similar article already present whose
    estimated Jaccard is >= the threshold, else starts a cluster named by its own key. When it
    matches articles of several clusters, those clusters merge through a union-find remap, so
    ids already handed out never need rewriting: `cluster_of(key)` resolves them.
    """

    def __init__(self, settings: DuplicateSettings | None = None) -> None:
        self.settings = settings or DuplicateSettings.load()
        self._keys: list[str | None] = []          # row -> key (None once removed)
        self._row_of: dict[str, int] = {}
        self._assigned: list[str | None] = []       # row -> cluster id given at add time
        self._parent: dict[str, str] = {}           # cluster id -> the cluster it merged into
        # Cluster ids handed out or loaded, but for the commonest kind: a live article's own
        # key naming its own cluster, which `_taken` reads from `_row_of` and `_assigned`
        # (a set of every id cost ~40 bytes an article).
        self._other_names: set[str] = set()
        self._sigs = np.empty((0, self.settings.num_perm), dtype=SLOT)
        self._alive = np.empty(0, dtype=bool)
        self._n = 0
        self._bands = _BandTable()

    # ---- public interface
    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, key: object) -> bool:
        return key in self._row_of

    def add(self, keys: Sequence[str], sigs: np.ndarray) -> list[str]:
        """Add a batch (keys in arrival order, signatures row by row); return each one's cluster id.

        A key already present is replaced (removed, then added again).
        """
        keys = [str(k) for k in keys]
        sigs = np.ascontiguousarray(sigs, dtype=np.uint32)
        if sigs.shape != (len(keys), self.settings.num_perm):
            raise SearchkitError(f"add: expected signatures of shape ({len(keys)}, "
                                 f"{self.settings.num_perm}), got {sigs.shape}")
        if len(set(keys)) != len(keys):
            raise SearchkitError("add: a batch may not repeat a key")
        self.remove([k for k in keys if k in self._row_of])
        first = self._append_rows(keys, sigs)
        # one sort of the batch's band keys serves the look-up, the in-batch pairs and the insert
        bkeys, docs = _sorted_band_keys(sigs, self.settings)
        matches = self._matches(bkeys, docs, first)
        out = []
        for i, key in enumerate(keys):
            row = first + i
            self._assigned[row] = self._cluster_for(key, matches.get(row, ()))
            out.append(self._find(self._assigned[row]))
        self._bands.add(bkeys, docs + first)
        return out

    def remove(self, keys: Iterable[str]) -> None:
        """Forget articles; their cluster ids stay valid labels for the other members."""
        for key in map(str, keys):
            row = self._row_of.pop(key, None)
            if row is not None:
                if self._assigned[row] == key:      # its name lives on with its copies
                    self._other_names.add(key)
                self._keys[row] = None
                self._alive[row] = False
        if self._n > 1024 and len(self._row_of) < self._n // 2:
            self._compact()

    def cluster_of(self, key: str) -> str:
        """The cluster id of an article present in the index (KeyError otherwise)."""
        return self._find(self._assigned[self._row_of[str(key)]])

    def clusters(self) -> dict[str, list[str]]:
        """Every cluster with more than one member: id -> member keys in arrival order."""
        groups: dict[str, list[str]] = {}
        for key, row in sorted(self._row_of.items(), key=lambda kv: kv[1]):
            groups.setdefault(self._find(self._assigned[row]), []).append(key)
        return {cid: members for cid, members in groups.items() if len(members) > 1}

    def take_names(self, names: Iterable[str]) -> None:
        """Cluster names in use elsewhere (stored articles this index does not hold): a new
        cluster is never given one of them."""
        self._other_names.update(names)

    def merges(self) -> dict[str, str]:
        """Cluster merges so far: cluster id -> the cluster it merged into."""
        return dict(self._parent)

    def members(self) -> tuple[list[str], list[str]]:
        """The keys present in arrival order and the cluster id each was given (what a
        caller stores beside the signatures to rebuild the index with `of_articles`)."""
        rows = sorted(self._row_of.values())
        return [self._keys[r] for r in rows], [self._assigned[r] for r in rows]

    @classmethod
    def of_articles(cls, settings: DuplicateSettings, keys: list[str], clusters: list[str],
                    sigs: np.ndarray, merges: dict[str, str]) -> "DuplicateIndex":
        """An index of articles already clustered: their keys in arrival order, the cluster
        id each was given, their signatures, and the cluster merges so far."""
        index = cls(settings)
        sigs = np.asarray(sigs, dtype=np.uint32).reshape(len(keys), settings.num_perm)
        first = index._append_rows(keys, sigs)
        index._assigned[first:] = clusters
        index._parent = dict(merges)
        index._other_names = {cid for key, cid in zip(keys, clusters) if cid != key}
        index._other_names.update(*index._parent.items())
        bkeys, rows = _sorted_band_keys(sigs, settings)
        index._bands.add(bkeys, rows)
        return index

    # ---- internals
    def _append_rows(self, keys: list[str], sigs: np.ndarray) -> int:
        first = self._n
        need = first + len(keys)
        if need > len(self._sigs):
            grown = np.empty((max(need, 2 * len(self._sigs), 256), self.settings.num_perm), SLOT)
            grown[:first] = self._sigs[:first]
            self._sigs = grown
            alive = np.zeros(len(grown), dtype=bool)
            alive[:first] = self._alive[:first]
            self._alive = alive
        self._sigs[first:need] = sigs          # keeps the low 16 bits of each slot
        self._alive[first:need] = True
        self._n = need
        self._keys.extend(keys)
        self._assigned.extend([None] * len(keys))
        for i, key in enumerate(keys):
            self._row_of[key] = first + i
        return first

    def _matches(self, bkeys: np.ndarray, docs: np.ndarray, first: int) -> dict[int, list]:
        """New row -> [(similarity, older row)] for verified candidates, best first."""
        q, cand = self._bands.lookup(bkeys, self.settings.max_bucket)
        bq, bcand = _within_batch(bkeys, docs, self.settings.max_bucket)
        q = np.concatenate([docs[q], bq]) + first
        cand = np.concatenate([cand, bcand + first])
        ok = self._alive[cand]
        if not ok.any():
            return {}
        code = np.unique(q[ok] * np.int64(self._n) + cand[ok])   # one (new, older) pair once
        pairs = np.stack([code // self._n, code % self._n], axis=1)
        sim = estimated_jaccard(self._sigs[pairs[:, 0]], self._sigs[pairs[:, 1]])
        good = sim >= self.settings.threshold
        out: dict[int, list] = {}
        for (row, other), s in zip(pairs[good].tolist(), sim[good].tolist()):
            out.setdefault(row, []).append((s, other))
        for found in out.values():
            found.sort(key=lambda so: (-so[0], so[1]))   # most similar, then oldest
        return out

    def _cluster_for(self, key: str, found: Sequence[tuple[float, int]]) -> str:
        if not found:
            return self._new_cluster_id(key)
        roots = [self._find(self._assigned[row]) for _, row in found]
        best = roots[0]
        for other in roots[1:]:
            if other != best:
                self._parent[other] = best
        return best

    def _new_cluster_id(self, key: str) -> str:
        """A cluster named by its first article's key, unless that name is taken: an article
        replaced by a new text leaves its old cluster (and name) to the copies it had."""
        cid, n = key, 1
        while self._taken(cid):
            n += 1
            cid = f"{key}~{n}"
        if cid != key:
            self._other_names.add(cid)
        return cid

    def _taken(self, cid: str) -> bool:
        """Whether `cid` was ever handed out or loaded as a cluster id (a new article's
        own row has no id yet, so its own key counts only if an earlier one used it)."""
        row = self._row_of.get(cid)
        return cid in self._other_names or (row is not None and self._assigned[row] == cid)

    def _find(self, cid: str) -> str:
        path = []
        while cid in self._parent:
            path.append(cid)
            cid = self._parent[cid]
        for step in path[:-1]:          # path compression keeps later look-ups O(1)
            self._parent[step] = cid
        return cid

    def _compact(self) -> None:
        """Drop removed rows from signatures and band tables (rows are internal numbers)."""
        keep = np.array([r for r in range(self._n) if self._keys[r] is not None], dtype=np.int64)
        new_row_of = np.full(self._n, -1, dtype=np.int64)
        new_row_of[keep] = np.arange(len(keep))
        self._bands.keep_rows(new_row_of)
        self._sigs = self._sigs[keep].copy()
        self._alive = np.ones(len(keep), dtype=bool)
        self._keys = [self._keys[r] for r in keep]
        self._assigned = [self._assigned[r] for r in keep]
        self._n = len(keep)
        self._row_of = {k: i for i, k in enumerate(self._keys)}


def _sorted_band_keys(sigs: np.ndarray, settings: DuplicateSettings) -> tuple[np.ndarray, np.ndarray]:
    """The batch's band keys sorted, with the batch position of each (ascending within a key).

    Documents without tokens get no band entries: they never match anything.
    """
    nonempty = np.flatnonzero(~(sigs == EMPTY).all(axis=1))
    keys = band_keys(sigs[nonempty], settings).ravel()
    docs = np.repeat(nonempty, settings.bands)
    order = np.argsort(keys, kind="stable")
    return keys[order], docs[order]


def _within_batch(keys: np.ndarray, docs: np.ndarray, max_bucket: int):
    """(later doc, earlier doc) pairs of one batch that share a band key (keys sorted)."""
    later, earlier = [], []
    for d in range(1, max_bucket + 1):
        same = keys[d:] == keys[:-d]
        if not same.any():
            break
        a, b = docs[d:][same], docs[:-d][same]
        distinct = a != b
        later.append(a[distinct])
        earlier.append(b[distinct])
    if not later:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(later), np.concatenate(earlier)
