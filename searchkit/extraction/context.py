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
#: Capitalised last words that make a name a place ("Federally Administered Tribal Areas",
#: "Government Palace", "Palestine Street"), whatever label the model gave it.
PLACE_HEADS = frozenset("""province provinces region regions oblast district districts
territory territories areas county street square avenue boulevard road palace tower towers
bridge airport valley mountains river sea island islands peninsula strait gulf bay lake
desert canal""".split())
#: Words of natural features: a name holding one is a place even when no gazetteer knows
#: it ("Indian Ocean", "Mount Everest", "Lake Victoria").
FEATURE_WORDS = PLACE_HEADS | frozenset("""ocean oceans mount mountain coast hemisphere
shire isle isles cape""".split())
#: First words that make a name part of a larger area ("Eastern Ukraine", "Central Asia").
AREA_MODIFIERS = frozenset("""north south east west northern southern eastern western central
upper lower greater inner outer middle north-east north-west south-east south-west""".split())
#: Prepositions after which a name the model calls a person is a place ("in Khan Younis").
INSIDE_PREPS = frozenset("in near outside inside around across throughout".split())
#: Lowercase nouns that name a work: a name right after one is its title ("her debut hit
#: Genie", "the novel Vanity Fair"), not a person or an organisation.
WORK_NOUNS = frozenset("""film films movie movies album albums single singles song songs track
tracks hit hits novel novels book books show shows series sitcom drama dramas documentary play
plays musical musicals opera game games feature""".split())
#: Lowercase nouns that name a group: a name right after one is an organisation ("indie band
#: Kasabian", "the studio Focus Features", "newspaper Variety").
GROUP_NOUNS = frozenset("""band bands group club label firm company companies carmaker
retailer airline studio studios broadcaster newspaper magazine website network channel
outfit""".split())
#: Last words of sports clubs' names ("Manchester United", "Aston Villa", "Leicester City").
CLUB_WORDS = frozenset("""united city rovers athletic wanderers albion villa hotspur rangers
county fc afc""".split())
#: Last words of events' names ("Champions League" is left out: leagues are bodies too):
#: "European Indoor Championships", "Consumer Electronics Show", "Academy Awards".
EVENT_WORDS = frozenset("""championships championship cup awards show open games olympics
festival prix trophy tournament marathon""".split())
#: Verbs of contests: their subject or object is a side ("Wigan beat Leeds").
CONTEST_VERBS = frozenset("""beat defeat play face host draw lose win thrash edge overcome
meet visit eliminate outplay trounce""".split())
#: Roles in a side: "Leicester's striker", "Wigan manager".
SIDE_ROLES = frozenset("""striker defender midfielder goalkeeper keeper winger captain coach
manager boss skipper squad fans supporters players side team""".split())
#: Words after a name that make it an award ("Grammy award", "Oscar-winning").
AWARD_WORDS = frozenset("award awards prize prizes nomination nominations".split())
AWARD_SUFFIXES = frozenset("winning winner nominated".split())
#: Verbs whose subject is a speaker: a person or an organisation, not a town or a thing.
SPEECH_VERBS = frozenset("""say tell add announce claim state note deny warn report reply
explain insist urge argue confirm write ask predict estimate""".split())


def after_location_prep(span) -> bool:
    """True when the span is the object of a place preposition ("in Lipetsk")."""
    root = span.root
    return root.dep_ == "pobj" and root.head.lower_ in LOCATION_PREPS


def has_place_head(span) -> bool:
    """True when a multi-word name ends in a capitalised place word ("Tribal Areas")."""
    last = span[-1]
    return len(span) > 1 and last.text[:1].isupper() and last.lower_ in PLACE_HEADS


def names_a_region(span) -> bool:
    """True for a name holding a feature word or starting with an area word and more
    ("Indian Ocean", "Mount Everest", "South Yorkshire"), whatever the gazetteer says."""
    first = span[0].lower_
    return any(t.lower_ in FEATURE_WORDS for t in span) or \
        (len(span) > 1 and first in AREA_MODIFIERS)


def inside_place(span) -> bool:
    """True when the span is the object of "in", "near", ... and no possessive follows."""
    root = span.root
    nxt = span.doc[span.end] if span.end < len(span.doc) else None
    return root.dep_ == "pobj" and root.head.lower_ in INSIDE_PREPS \
        and not (nxt is not None and nxt.tag_ == "POS")


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


def is_described(span) -> bool:
    """True when a common noun in apposition describes the span ("Mike Lake, a spokesman
    for ...", "a spokesman, Mike Lake")."""
    root = span.root
    if any(t.dep_ == "appos" and t.tag_ in ("NN", "NNS") and t.is_alpha for t in root.children):
        return True
    return root.dep_ == "appos" and root.head.i < span.start and root.head.tag_ in ("NN", "NNS")


def _before(span, skip_comma: bool):
    """The token before the span, past one comma if `skip_comma` ("single, Car Wash,")."""
    i = span.start - 1
    if skip_comma and i > 0 and span.doc[i].text == ",":
        i -= 1
    return span.doc[i] if i >= 0 else None


def names_a_work(span) -> bool:
    """True for the title of a work or an award: "the novel Vanity Fair", "her most recent
    single, Car Wash, featuring ...", "Grammy-winning", "an Oscar award"."""
    doc = span.doc
    nxt = doc[span.end] if span.end < len(doc) else None
    if nxt is not None and nxt.lower_ in AWARD_WORDS:
        return True
    if nxt is not None and nxt.text == "-" and span.end + 1 < len(doc) \
            and doc[span.end + 1].lower_ in AWARD_SUFFIXES:
        return True
    appositive = nxt is not None and nxt.text == ","
    prev = _before(span, skip_comma=appositive)
    return prev is not None and prev.is_lower and prev.pos_ == "NOUN" and prev.lower_ in WORK_NOUNS


def after_group_noun(span) -> bool:
    """True when a group noun introduces the name ("indie band Kasabian")."""
    prev = _before(span, skip_comma=False)
    return prev is not None and prev.is_lower and prev.pos_ == "NOUN" and prev.lower_ in GROUP_NOUNS


def competes(span) -> bool:
    """True for a side in a contest: the subject or object of "beat", "face", "host"...
    ("Wigan beat Leeds 2-1"), or a name owning a side's role ("Leicester's striker",
    "Wigan manager Paul Jewell")."""
    root = span.root
    if root.dep_ in ("nsubj", "dobj") and root.head.lemma_ in CONTEST_VERBS:
        return True
    doc = span.doc
    nxt = span.end
    if nxt < len(doc) and doc[nxt].tag_ == "POS":
        nxt += 1
    return nxt < len(doc) and doc[nxt].is_lower and doc[nxt].lower_ in SIDE_ROLES
