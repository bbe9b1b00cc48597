"""What the parse says about a span's role: place preposition, area word, list, speaker.

Small predicates over spaCy spans, shared by the rules that decide what a name is.
"""
from __future__ import annotations

from typing import Container

#: Prepositions whose object is usually a place ("in Lipetsk", "near Kyiv").
LOCATION_PREPS = frozenset("""in at near from to into outside around across toward towards
through throughout inside within via beyond off""".split())
#: Words after a place name that make it a larger area ("Lipetsk region").
AREA_WORDS = frozenset("""region oblast province city state county district area krai
republic governorate prefecture""".split())
#: Verbs whose subject is a speaker: a person or an organisation, not a town or a thing.
SPEECH_VERBS = frozenset("""say tell add announce claim state note deny warn report reply
explain insist urge argue confirm write ask predict estimate""".split())


def after_location_prep(span) -> bool:
    """True when the span is the object of a place preposition ("in Lipetsk")."""
    root = span.root
    return root.dep_ == "pobj" and root.head.lower_ in LOCATION_PREPS


def before_area_word(span) -> bool:
    """True when the span names an area: "Kherson region", "Kherson and Zaporizhia regions"."""
    nxt = span.doc[span.end] if span.end < len(span.doc) else None
    return nxt is not None and nxt.lower_.rstrip("s") in AREA_WORDS


def listed_with(span, tokens: Container[int]) -> bool:
    """True when the span is joined by a conjunction to one of `tokens` ("Donetsk and Crimea")."""
    root = span.root
    linked = [root.head] if root.dep_ == "conj" else []
    linked += [t for t in root.children if t.dep_ == "conj"]
    return any(t.i in tokens for t in linked)


def is_speaker(span) -> bool:
    """True when the span is the subject of a speech verb ("Rogers said")."""
    root = span.root
    return root.dep_ == "nsubj" and root.head.lemma_ in SPEECH_VERBS
