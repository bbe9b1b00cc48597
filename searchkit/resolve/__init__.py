"""Index-level work over many articles: entity clusters (and, from other modules,
boilerplate passages and near-duplicate clusters). Nothing here imports spaCy.

    >>> from searchkit.resolve.entities import EntityTable, Observations
"""
