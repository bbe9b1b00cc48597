"""A Doc's text and per-token flags read once: spaCy rebuilds them from Token objects.

`Doc.text` joins every token anew on each read (a Token object per word), and several
rules need it, so it is kept in `doc.user_data` the first time (or when the Doc is made,
by whoever has the text already).

    >>> doc = nlp.make_doc("Kyiv was hit.")     # doctest: +SKIP
    >>> doc_text(doc)                           # doctest: +SKIP
    'Kyiv was hit.'
"""
from __future__ import annotations

_TEXT = "searchkit.text"


def doc_text(doc) -> str:
    """`doc.text`, built once per Doc."""
    text = doc.user_data.get(_TEXT)
    if text is None:
        text = doc.user_data[_TEXT] = doc.text
    return text


def remember_text(doc, text: str):
    """`doc` with its text kept (the text it was made from: spaCy's tokens keep every
    character, so `doc.text == text`)."""
    doc.user_data[_TEXT] = text
    return doc


def lowercase_words(doc) -> set[str]:
    """Alphabetic words written in lower case outside the model's entities ("the
    budget"), read from arrays instead of a Token per word."""
    from spacy.attrs import ENT_IOB, IS_ALPHA, IS_LOWER, LOWER

    values = doc.to_array([IS_LOWER, IS_ALPHA, ENT_IOB, LOWER])
    plain = (values[:, 0] == 1) & (values[:, 1] == 1) & (values[:, 2] == _OUTSIDE)
    strings = doc.vocab.strings
    return {strings[h] for h in set(values[plain, 3].tolist())}


def in_entities(doc) -> set[int]:
    """Indexes of the tokens whose entity tag is not "O" (inside a name, or untagged)."""
    import numpy
    from spacy.attrs import ENT_IOB

    return set(numpy.flatnonzero(doc.to_array(ENT_IOB) != _OUTSIDE).tolist())


#: spaCy's ENT_IOB value for "O" (outside every entity).
_OUTSIDE = 2
