"""Index-level work over many articles: entity clusters (entities.py), boilerplate passages
(boilerplate.py) and near-duplicate clusters (duplicates.py).

Each module is a pure library over plain values and numpy arrays (no whoosh, no spaCy):
the indexing run (build.py) feeds it what it analysed and stores what it returns.

    >>> from searchkit.resolve.entities import EntityTable, Observations
"""
