"""Shared helpers for the issue-3 benchmarks: data loaders and the peer engines.

Data (never copied into the repo; located as ../shared/data from the repo root):
- Reuters-21578 with gold tags, rewritten as a temp JSONL whose `tags` are the topics.
- Cranfield: 1,400 abstracts, 225 queries (numbered 1..225 in file order), graded qrels.
- CISI: 1,460 library-science abstracts, 112 queries of which 76 are judged, binary qrels.

Peers, each built from the same records and asked the same thing:
- WhooshFacets: plain whoosh, `FieldFacet(allow_overlap=True)` over KEYWORD fields (the naive baseline).
- Fts5Facets / fts5_ranker: SQLite FTS5 (porter) through the standard library, facet table + GROUP BY.
- TantivyFacets / tantivy_ranker: tantivy-py, en_stem text fields, raw fast fields + terms aggregation.
- bm25s_ranker: bm25s with PyStemmer's English stemmer when installed.

A facet engine's `query(text)` returns `(total, [(id, title), ...top 10], {facet: [(value, count), ...top 10]})`.
"""
from __future__ import annotations

import heapq
import json
import os
import re
import sqlite3
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
REUTERS = DATA / "news" / "reuters21578.jsonl"
CRANFIELD = DATA / "ir" / "cranfield"
CISI = DATA / "ir" / "cisi"

#: The four multi-valued facets of the Reuters benchmark (topics are renamed to tags).
FACETS = ("people", "places", "orgs", "tags")
TOP = 10


def require(path: Path) -> Path:
    """Return `path`, or exit with a clear message when the shared data is absent."""
    if not path.exists():
        raise SystemExit(f"missing benchmark data: {path} (expected ../shared/data beside the repo)")
    return path


# ---------------------------------------------------------------- Reuters


def reuters_records(path: Path = REUTERS) -> list[dict]:
    """Reuters articles that have text, with `tags` = gold topics (every other field kept)."""
    out = []
    with open(require(path), encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if not (rec.get("text") or "").strip():
                continue
            rec["tags"] = list(rec.pop("topics", []) or [])
            out.append(rec)
    return out


def write_jsonl(records: list[dict], path: Path) -> Path:
    """Write records one JSON object a line."""
    with open(path, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path


def copies(records: list[dict], n: int) -> list[dict]:
    """The records `n` times over: copy 0 as it is, copy k with ids `<id>-c<k>` (the issue-8
    corpora: Reuters' 19,043 articles with text x 5 = 95,215)."""
    return [rec if k == 0 else {**rec, "id": f"{rec['id']}-c{k}"}
            for k in range(n) for rec in records]


def top_counts(counts: dict, n: int = TOP) -> list[tuple[str, int]]:
    """The n largest (value, count) pairs, ties by value so every engine orders alike."""
    return heapq.nsmallest(n, counts.items(), key=lambda kv: (-kv[1], kv[0]))


# ---------------------------------------------------------------- plain whoosh (naive baseline)


class WhooshFacets:
    """Plain whoosh: StemmingAnalyzer text, KEYWORD facets counted by FieldFacet(allow_overlap=True)."""

    name = "whoosh FieldFacet"

    def __init__(self, records: list[dict], index_dir: Path):
        from whoosh import fields, index
        from whoosh.analysis import StemmingAnalyzer

        kw = dict(stored=True, commas=True, lowercase=False)
        schema = fields.Schema(
            id=fields.ID(stored=True, unique=True),
            title=fields.TEXT(stored=True, analyzer=StemmingAnalyzer()),
            text=fields.TEXT(analyzer=StemmingAnalyzer()),
            **{f: fields.KEYWORD(**kw) for f in FACETS},
        )
        os.makedirs(index_dir, exist_ok=True)
        ix = index.create_in(str(index_dir), schema)
        # Facet values contain spaces (org names) so join on commas, whoosh's multi-value form.
        with ix.writer(limitmb=256, procs=1) as w:
            for rec in records:
                w.add_document(id=rec["id"], title=rec.get("title") or "", text=rec["text"],
                               **{f: ",".join(rec.get(f) or []) for f in FACETS})
        self.ix = ix
        self.searcher = ix.searcher()

    def query(self, text: str):
        """Query with all words required; count the four facets with FieldFacet."""
        from whoosh import qparser, sorting

        parser = qparser.MultifieldParser(["title", "text"], self.ix.schema, group=qparser.AndGroup)
        q = parser.parse(text)
        groups = {f: sorting.FieldFacet(f, allow_overlap=True) for f in FACETS}
        res = self.searcher.search(q, limit=TOP, groupedby=groups)
        hits = [(h["id"], h["title"]) for h in res]
        facets = {}
        for f in FACETS:
            counts = {k: len(v) for k, v in res.groups(f).items() if k is not None}
            facets[f] = top_counts(counts)
        return len(res), hits, facets

    def close(self):
        self.searcher.close()


# ---------------------------------------------------------------- SQLite FTS5


def fts5_match_all(text: str) -> str:
    """An FTS5 MATCH expression requiring every word (each word quoted: no operators)."""
    return " AND ".join(f'"{w}"' for w in words(text))


def fts5_match_any(text: str) -> str:
    """An FTS5 MATCH expression matching any word."""
    return " OR ".join(f'"{w}"' for w in words(text))


def words(text: str) -> list[str]:
    """Lower-cased alphanumeric runs: the query words every engine is given."""
    return re.findall(r"[a-z0-9]+", text.lower())


class Fts5Facets:
    """SQLite FTS5 (porter unicode61) plus a (doc_id, field, value) facet table counted by GROUP BY."""

    name = "SQLite FTS5"

    def __init__(self, records: list[dict], db_path: Path):
        if db_path.exists():
            db_path.unlink()
        db = sqlite3.connect(str(db_path))
        db.executescript(
            """
            CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, text, tokenize='porter unicode61');
            CREATE TABLE facets(doc_id INTEGER, field TEXT, value TEXT,
                                PRIMARY KEY (doc_id, field, value)) WITHOUT ROWID;
            """
        )
        with db:
            for n, rec in enumerate(records, 1):
                db.execute("INSERT INTO docs(rowid, id, title, text) VALUES (?,?,?,?)",
                           (n, rec["id"], rec.get("title") or "", rec["text"]))
                db.executemany("INSERT OR IGNORE INTO facets VALUES (?,?,?)",
                               [(n, f, v) for f in FACETS for v in rec.get(f) or []])
        db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        db.commit()
        self.db = db

    def query(self, text: str):
        """Top 10 by bm25, exact total, and facet counts over the matching rowids."""
        match = fts5_match_all(text)
        db = self.db
        hits = db.execute("SELECT id, title FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?",
                          (match, TOP)).fetchall()
        total = db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
        rows = db.execute(
            "SELECT field, value, count(*) FROM facets WHERE doc_id IN "
            "(SELECT rowid FROM docs WHERE docs MATCH ?) GROUP BY field, value", (match,))
        per_field: dict[str, dict[str, int]] = {f: {} for f in FACETS}
        for field, value, count in rows:
            per_field[field][value] = count
        return total, hits, {f: top_counts(c) for f, c in per_field.items()}

    def close(self):
        self.db.close()


# ---------------------------------------------------------------- tantivy


def tantivy_index(records: list[dict], index_dir: Path, facet_fields=()):
    """A tantivy index: id (raw, stored), title + text (en_stem), raw fast fields for facets."""
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("text", stored=False, tokenizer_name="en_stem")
    for f in facet_fields:
        sb.add_text_field(f, stored=True, tokenizer_name="raw", fast=True)
    os.makedirs(index_dir, exist_ok=True)
    ix = tantivy.Index(sb.build(), path=str(index_dir))
    writer = ix.writer(heap_size=200_000_000, num_threads=1)
    for rec in records:
        doc = tantivy.Document(id=rec["id"], title=rec.get("title") or "", text=rec["text"])
        for f in facet_fields:
            for v in rec.get(f) or []:
                doc.add_text(f, v)
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    ix.reload()
    return ix


class TantivyFacets:
    """tantivy-py: conjunctive query over title+text, top 10, and `searcher.aggregate` terms buckets."""

    name = "tantivy"

    def __init__(self, records: list[dict], index_dir: Path):
        self.ix = tantivy_index(records, index_dir, FACETS)
        self.searcher = self.ix.searcher()
        # Ask for more buckets than shown, then order ties by value like the other engines.
        self.aggs = {f: {"terms": {"field": f, "size": 50}} for f in FACETS}

    def query(self, text: str):
        """Top 10 with exact count, then one terms aggregation per facet (done inside tantivy)."""
        q = self.ix.parse_query(" ".join(words(text)), ["title", "text"], conjunction_by_default=True)
        res = self.searcher.search(q, TOP, count=True)
        hits = []
        for _score, addr in res.hits:
            doc = self.searcher.doc(addr)
            hits.append((doc.get_first("id"), doc.get_first("title")))
        aggs = self.searcher.aggregate(q, self.aggs)
        facets = {f: top_counts({b["key"]: b["doc_count"] for b in aggs[f]["buckets"]})
                  for f in FACETS}
        return res.count, hits, facets

    def close(self):
        pass


# ---------------------------------------------------------------- searchkit


class SearchkitFacets:
    """searchkit through its public API: `index_paths(..., extract=False)` then `Index.search`."""

    name = "searchkit"

    def __init__(self, jsonl: Path, index_dir: Path, build: bool = True):
        import searchkit

        if build:
            searchkit.index_paths([str(jsonl)], index_dir=str(index_dir), extract=False, rebuild=True)
        self.ix = searchkit.open_index(str(index_dir))

    def query(self, text: str):
        """All words must match; top 10 hits and the four facets' top 10 values."""
        res = self.ix.search(text, facets=FACETS, limit=TOP, facet_limit=TOP, match="all")
        hits = [(h.id, h.title) for h in res.hits]
        facets = {f: [(v.value, v.count) for v in res.facets.get(f, ())] for f in FACETS}
        return res.total, hits, facets

    def close(self):
        close = getattr(self.ix, "close", None)
        if close:
            close()


# ---------------------------------------------------------------- Cranfield


def _cran_blocks(path: Path):
    """Yield (id, {marker: text}) for each `.I` record of a SMART-format file (Cranfield,
    CISI): `.I id` opens a record, a line holding only `.T`, `.A`, `.W`, ... a field."""
    rec_id, fields, key = None, {}, None
    for line in open(require(path), encoding="latin-1"):
        line = line.rstrip("\n")
        if line.startswith(".I "):
            if rec_id is not None:
                yield rec_id, fields
            rec_id, fields, key = int(line[3:].strip()), {}, None
        elif re.fullmatch(r"\.[A-Z]", line.strip()):
            key = line.strip()[1]
            fields[key] = ""
        elif key:
            fields[key] += line + "\n"
    if rec_id is not None:
        yield rec_id, fields


def cranfield_docs(root: Path = CRANFIELD) -> list[dict]:
    """The 1,400 abstracts as records: id (str), title (.T), text (.W)."""
    return [{"id": str(i), "title": " ".join(f.get("T", "").split()),
             "text": " ".join(f.get("W", "").split())}
            for i, f in _cran_blocks(root / "cran.all.1400")]


def cranfield_queries(root: Path = CRANFIELD) -> dict[int, str]:
    """Queries numbered 1..225 in file order (the qrels use this numbering, not the .I ids)."""
    return {n: " ".join(f.get("W", "").split())
            for n, (_i, f) in enumerate(_cran_blocks(root / "cran.qry"), 1)}


def cranfield_qrels(root: Path = CRANFIELD) -> dict[int, dict[str, int]]:
    """qid -> {docid: gain}; Cleverdon grade 1 (complete answer) .. 4 (minimum interest)
    becomes gain 4 .. 1; grade -1 (no interest) is dropped (gain 0)."""
    qrels: dict[int, dict[str, int]] = {}
    for line in open(require(root / "cranqrel"), encoding="latin-1"):
        parts = line.split()
        if len(parts) < 3:
            continue
        qid, doc, grade = int(parts[0]), parts[1], int(parts[2])
        if 1 <= grade <= 4:
            qrels.setdefault(qid, {})[doc] = 5 - grade
    return qrels


# ---------------------------------------------------------------- CISI


def cisi_docs(root: Path = CISI) -> list[dict]:
    """The 1,460 abstracts as records: id (.I), title (.T), text (.W); authors and
    cross-references (.A, .X) are left out."""
    return [{"id": str(i), "title": " ".join(f.get("T", "").split()),
             "text": " ".join(f.get("W", "").split())}
            for i, f in _cran_blocks(root / "CISI.ALL")]


def cisi_qrels(root: Path = CISI) -> dict[int, dict[str, int]]:
    """qid -> {docid: 1}: CISI's judgements are binary (`qid docid 0 0.000000`)."""
    qrels: dict[int, dict[str, int]] = {}
    for line in open(require(root / "CISI.REL"), encoding="latin-1"):
        parts = line.split()
        if len(parts) >= 2:
            qrels.setdefault(int(parts[0]), {})[parts[1]] = 1
    return qrels


def cisi_queries(root: Path = CISI, judged_only: bool = True) -> dict[int, str]:
    """Query id (.I) -> its text (.W); only the 76 judged queries unless asked (the others
    have no relevant document and are left out of averages, as the collection intends)."""
    judged = cisi_qrels(root) if judged_only else None
    return {i: " ".join(f.get("W", "").split()) for i, f in _cran_blocks(root / "CISI.QRY")
            if judged is None or i in judged}


def fts5_ranker(docs: list[dict], db_path: Path):
    """SQLite FTS5 (porter unicode61) ranking by bm25() over title+text, OR of the query words."""
    if db_path.exists():
        db_path.unlink()
    db = sqlite3.connect(str(db_path))
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, text, "
               "tokenize='porter unicode61')")
    with db:
        db.executemany("INSERT INTO docs(id, title, text) VALUES (?,?,?)",
                       [(d["id"], d["title"], d["text"]) for d in docs])

    def rank(text: str, k: int) -> list[str]:
        match = fts5_match_any(text)
        if not match:
            return []
        rows = db.execute("SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?",
                          (match, k))
        return [r[0] for r in rows]

    return rank


def tantivy_ranker(docs: list[dict], index_dir: Path):
    """tantivy en_stem over title+text, OR of the query words (tantivy's BM25, default boosts)."""
    ix = tantivy_index(docs, index_dir)
    searcher = ix.searcher()

    def rank(text: str, k: int) -> list[str]:
        q = ix.parse_query(" ".join(words(text)), ["title", "text"])
        return [searcher.doc(addr).get_first("id") for _s, addr in searcher.search(q, k).hits]

    return rank


def bm25s_ranker(docs: list[dict]):
    """bm25s (Lucene BM25, k1=1.5 b=0.75) over title+text, English stop words, PyStemmer when present.

    Returns (rank, label) where label says whether a stemmer was used.
    """
    import bm25s

    try:
        import Stemmer

        stemmer, label = Stemmer.Stemmer("english"), "bm25s (PyStemmer english)"
    except ImportError:
        stemmer, label = None, "bm25s (no stemmer)"
    corpus = [f"{d['title']} {d['text']}" for d in docs]
    ids = [d["id"] for d in docs]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus, stopwords="en", stemmer=stemmer, show_progress=False),
                    show_progress=False)

    def rank(text: str, k: int) -> list[str]:
        toks = bm25s.tokenize([" ".join(words(text))], stopwords="en", stemmer=stemmer,
                              show_progress=False)
        if not toks.vocab:
            return []
        results, scores = retriever.retrieve(toks, k=min(k, len(ids)), show_progress=False)
        # bm25s fills k slots even with zero scores: keep only documents that matched a word.
        return [ids[i] for i, s in zip(results[0], scores[0]) if s > 0]

    return rank, label


# ---------------------------------------------------------------- Reuters topics as a ranking check

#: Reuters topics (with 20+ articles) as queries: the topic's own word, or for coded topics
#: the category name of the Reuters-21578 documentation (money-fx "money foreign exchange").
#: The articles tagged with the topic are its relevant set: a check on news text, not a
#: test collection (earn and acq are left out: their names are not what a reader types).
TOPIC_QUERIES = {
    "money-fx": "money foreign exchange", "grain": "grain", "crude": "crude oil",
    "trade": "trade", "interest": "interest rates", "ship": "shipping", "wheat": "wheat",
    "corn": "corn", "oilseed": "oilseed", "sugar": "sugar", "dlr": "dollar",
    "gnp": "gross national product", "coffee": "coffee", "veg-oil": "vegetable oil",
    "gold": "gold", "money-supply": "money supply", "nat-gas": "natural gas",
    "livestock": "livestock", "soybean": "soybean", "cpi": "consumer price index",
    "bop": "balance of payments", "copper": "copper", "carcass": "carcass",
    "reserves": "reserves", "cocoa": "cocoa", "jobs": "employment", "rice": "rice",
    "iron-steel": "iron steel", "cotton": "cotton", "alum": "aluminium", "yen": "yen",
    "ipi": "industrial production index", "gas": "gasoline", "meal-feed": "meal feed",
    "rubber": "rubber", "barley": "barley", "zinc": "zinc", "palm-oil": "palm oil",
    "pet-chem": "petrochemicals", "silver": "silver", "rapeseed": "rapeseed", "lead": "lead",
    "sorghum": "sorghum", "tin": "tin", "strategic-metal": "strategic metals",
    "wpi": "wholesale price index", "fuel": "fuel oil", "soy-meal": "soy meal",
    "hog": "hogs", "soy-oil": "soy oil", "heat": "heating oil", "orange": "orange juice",
    "retail": "retail sales",
}


def reuters_topic_collection(path: Path = REUTERS):
    """(docs, queries, qrels): query n names a topic; the articles tagged with it are relevant."""
    records = reuters_records(path)
    docs = [{"id": r["id"], "title": r.get("title") or "", "text": r["text"]} for r in records]
    tags = {r["id"]: set(r["tags"]) for r in records}
    topics = dict(enumerate(TOPIC_QUERIES, 1))
    queries = {n: TOPIC_QUERIES[topic] for n, topic in topics.items()}
    qrels = {n: {d: 1 for d, t in tags.items() if topic in t} for n, topic in topics.items()}
    return docs, queries, qrels
