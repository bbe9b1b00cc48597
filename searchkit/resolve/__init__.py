"""Index-level work over many articles: boilerplate passages, near-duplicate clusters, entities.

Each module here is a pure library over plain values and numpy arrays (no whoosh, no spaCy):
the indexing run (build.py) feeds it what it analysed and stores what it returns.
"""
