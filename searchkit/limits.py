"""Query limits, as policy in one place: every query is answered or refused at once.

A query that would hang, eat memory or crash the parser is refused with a message naming
the limit it broke (exit code 2 on the command line). The values follow Lucene where it
has one (edit distance 2, 50 fuzzy expansions, 1,024 expansions a query). The text is
checked before parsing (`check_text`), the parsed query before evaluation
(`check_query`), and what prefix, wildcard, fuzzy and range terms expand to while it is
evaluated (`Expansions`).
"""
from __future__ import annotations

import re

from whoosh import query as wq

from .models import SearchkitError
from .store.analysis import MAX_TERM_CHARS

#: Characters in the query text.
MAX_QUERY_CHARS = 4_000
#: Longest word a query may search (longer words are not indexed either).
MAX_TERM = MAX_TERM_CHARS
#: Nesting of parentheses in the query text.
MAX_DEPTH = 20
#: Terms in one parsed query: words, patterns and each word of a phrase.
MAX_CLAUSES = 512
#: Edits a fuzzy term (word~N) may allow, as Lucene.
MAX_EDIT_DISTANCE = 2
#: Index terms the prefix, wildcard, fuzzy and range terms of one query may expand to,
#: together, as Lucene's maxClauseCount: each expansion is scored over every document.
MAX_EXPANSIONS = 1_024
#: Closest index terms a fuzzy term keeps, as Lucene's FuzzyQuery.
MAX_FUZZY_EXPANSIONS = 50
#: Index words and facet values that one query's fuzzy terms, wildcards without a leading
#: prefix and facet prefixes (person:, ...) may compare themselves with, together: each
#: compares itself with a whole field's vocabulary or a whole facet.
MAX_SCANNED_WORDS = 1_000_000
#: Words longer than this get no "did you mean" (no word of the index is that long).
MAX_SUGGEST_CHARS = 40
#: Unknown words of one query that "did you mean" looks up (each is a vocabulary scan).
MAX_SUGGEST_WORDS = 8

#: A word longer than any indexed term, found before parsing: whoosh's tagger takes time
#: that grows with the square of a run of word characters.
_LONG_WORD = re.compile(r"\w{%d,}" % (MAX_TERM + 1))
#: A fuzzy term as typed (word~N), for refusing it in the words the user wrote.
_FUZZY = re.compile(r"(?<![^\s\"()~])([^\s\"()~]+)~(\d+)")


def refuse(message: str) -> SearchkitError:
    return SearchkitError(message, exit_code=2)


def check_text(text: str) -> None:
    """Refuse query text that is too long, too deeply nested, not valid text, or that asks
    a fuzzy term for too many edits."""
    if len(text) > MAX_QUERY_CHARS:
        raise refuse(f"the query is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise refuse("the query holds characters that are not valid text (lone surrogates)") from None
    depth = deepest = 0
    for char in text:  # quotes ignored: whoosh drops an unclosed quote and parses what follows
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(depth - 1, 0)
    if deepest > MAX_DEPTH:
        raise refuse(f"the query nests parentheses {deepest} deep; the limit is {MAX_DEPTH}")
    long_word = _LONG_WORD.search(text)
    if long_word:
        raise refuse(_too_long(long_word.group()))
    for part in text.split('"')[::2]:  # word~N inside a phrase is words, not a fuzzy term
        for word, edits in _FUZZY.findall(part):
            # whoosh reads one digit of word~99, so the number is checked as typed
            if len(edits.lstrip("0")) > 1 or int(edits) > MAX_EDIT_DISTANCE:
                raise refuse(_too_many_edits(word, edits.lstrip("0")))


def check_query(q: wq.Query) -> None:
    """Refuse a parsed query with too many terms, an overlong term or a fuzzy term that
    allows too many edits.

    Terms are counted as the user wrote them: a word sought in title and text is one term,
    a phrase is as many terms as it has words (each is looked up).
    """
    seen: set[tuple] = set()
    clauses = 0
    stack = [q]
    while stack:
        node = stack.pop()
        children = [] if node.is_leaf() else list(node.children())
        stack.extend(children)
        if children:
            continue
        words = _words(node)
        key = (type(node).__name__, *words) if words else (repr(node),)
        if key not in seen:
            seen.add(key)
            clauses += max(len(words), 1)
        if clauses > MAX_CLAUSES:
            raise refuse(f"the query has more than {MAX_CLAUSES} terms; the limit is {MAX_CLAUSES}")
        for word in words:
            if len(word) > MAX_TERM:
                raise refuse(_too_long(word))
        if isinstance(node, wq.FuzzyTerm) and node.maxdist > MAX_EDIT_DISTANCE:
            raise refuse(_too_many_edits(node.text, str(node.maxdist)))


def _too_long(word: str) -> str:
    return f"the query word {word[:20]!r}... is {len(word):,} characters long; the limit is {MAX_TERM}"


def _too_many_edits(word: str, edits: str) -> str:
    edits = edits if len(edits) <= 6 else f"{edits[:6]}..."
    return (f"{_short(word)}~{edits} asks for {edits} edits; the limit is {MAX_EDIT_DISTANCE} "
            "(word~1 or word~2, as Lucene)")


def _short(text: str, width: int = 40) -> str:
    return text if len(text) <= width else f"{text[:width]}..."


def _words(node: wq.Query) -> list[str]:
    if isinstance(node, wq.Phrase):
        return [str(w) for w in node.words]
    text = getattr(node, "text", None)
    return [text] if isinstance(text, str) else []


class Expansions:
    """What the prefix, wildcard, fuzzy and range terms of one query expand to, within
    MAX_EXPANSIONS words found and MAX_SCANNED_WORDS words (and facet values) compared for
    the whole query.

    `ranking.Evaluator` asks for a term's expansion both to match and to mark snippets:
    the second time it is remembered, so it is neither computed nor charged twice.
    """

    def __init__(self):
        self.found: dict[str, list[str]] = {}
        self.total = 0
        self.scanned = 0

    def known(self, key: str) -> list[str] | None:
        return self.found.get(key)

    def scan(self, count: int, what: str) -> None:
        """Charge comparing `what` with `count` words of the index (before doing it)."""
        self.scanned += count
        if self.scanned > MAX_SCANNED_WORDS:
            raise refuse(f"the fuzzy, wildcard and facet terms of the query, up to {what}, compare "
                         f"{self.scanned:,} words and values of the index; the limit is "
                         f"{MAX_SCANNED_WORDS:,}: use fewer of them, or start them with a few "
                         "letters (oil*, not *oil)")

    def add(self, key: str, terms: list[str], what: str) -> list[str]:
        """Keep the expansion of one term (refused when it, or the query's sum, is too many)."""
        self.check(len(terms), what)
        self.total += len(terms)
        self.found[key] = terms
        return terms

    def check(self, count: int, what: str) -> None:
        """Refuse `count` more words for `what` if they break the limit (checked before a
        slice of the vocabulary is decoded, too)."""
        if count > MAX_EXPANSIONS:
            raise refuse(f"{what} matches {count:,} words of the index; the limit is "
                         f"{MAX_EXPANSIONS:,}: make it longer")
        if self.total + count > MAX_EXPANSIONS:
            raise refuse(f"the prefix, wildcard, fuzzy and range terms of the query, up to {what}, "
                         f"match {self.total + count:,} words of the index together; the limit is "
                         f"{MAX_EXPANSIONS:,}: use fewer or longer ones")
