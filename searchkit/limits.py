"""Query limits, as policy in one place: every query is answered or refused at once.

A query that would hang, eat memory or crash the parser is refused with a message naming
the limit it broke (exit code 2 on the command line). The values follow Lucene where it
has one (edit distance 2, 50 fuzzy expansions).
"""
from __future__ import annotations

from whoosh import query as wq

from .models import SearchkitError
from .store.analysis import MAX_TERM_CHARS

#: Characters in the query text.
MAX_QUERY_CHARS = 4_000
#: Longest word a query may search (longer words are not indexed either).
MAX_TERM = MAX_TERM_CHARS
#: Nesting of parentheses in the query text.
MAX_DEPTH = 20
#: Terms, phrases and patterns in one parsed query.
MAX_CLAUSES = 512
#: Edits a fuzzy term (word~N) may allow, as Lucene.
MAX_EDIT_DISTANCE = 2
#: Index terms a prefix, wildcard or range may expand to.
MAX_EXPANSIONS = 4_096
#: Closest index terms a fuzzy term keeps, as Lucene's FuzzyQuery.
MAX_FUZZY_EXPANSIONS = 50
#: Words longer than this get no "did you mean" (no word of the index is that long).
MAX_SUGGEST_CHARS = 40


def refuse(message: str) -> SearchkitError:
    return SearchkitError(message, exit_code=2)


def check_text(text: str) -> None:
    """Refuse query text that is too long, too deeply nested or not valid text."""
    if len(text) > MAX_QUERY_CHARS:
        raise refuse(f"the query is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise refuse("the query holds characters that are not valid text (lone surrogates)") from None
    depth = deepest = 0
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif not quoted and char == ")":
            depth = max(depth - 1, 0)
    if deepest > MAX_DEPTH:
        raise refuse(f"the query nests parentheses {deepest} deep; the limit is {MAX_DEPTH}")


def check_query(q: wq.Query) -> None:
    """Refuse a parsed query with too many clauses, an overlong term or a fuzzy term that
    allows too many edits."""
    clauses = 0
    stack = [q]
    while stack:
        node = stack.pop()
        children = [] if node.is_leaf() else list(node.children())
        stack.extend(children)
        if children:
            continue
        clauses += 1
        if clauses > MAX_CLAUSES:
            raise refuse(f"the query has more than {MAX_CLAUSES} terms; that is the limit")
        for word in _words(node):
            if len(word) > MAX_TERM:
                raise refuse(f"the query word {word[:20]!r}... is {len(word):,} characters long; "
                             f"the limit is {MAX_TERM}")
        if isinstance(node, wq.FuzzyTerm) and node.maxdist > MAX_EDIT_DISTANCE:
            raise refuse(f"{node.text}~{node.maxdist} allows {node.maxdist} edits; "
                         f"the limit is {MAX_EDIT_DISTANCE}")


def _words(node: wq.Query) -> list[str]:
    if isinstance(node, wq.Phrase):
        return [str(w) for w in node.words]
    text = getattr(node, "text", None)
    return [text] if isinstance(text, str) else []
