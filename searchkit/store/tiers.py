"""When segments merge: one tiered policy for the column segments and whoosh's segments of
stored articles alike, so that neither ever rewrites the whole index to add one article.

(whoosh's own default, MERGE_SMALL, merges every segment once their count passes a
Fibonacci bound: adding one article to a 95k-article index then rewrote all its stored
articles, 20 s; benchmarks/README.md, "The store".)
"""
from __future__ import annotations

import math

#: Segments of the same size tier (a power of this) that trigger a merge into one.
MERGE_FACTOR = 8
#: A segment whose share of deleted rows reaches this is rewritten without them.
EXPUNGE_SHARE = 0.3
#: Merging stops growing segments beyond this many rows or tokens: a merge's memory follows
#: its tokens (about 40 bytes each at the peak), so news articles of 500 words stop at ~40k.
MAX_MERGED_DOCS = 200_000
MAX_MERGED_TOKENS = 12_000_000
#: Whether a session's segments merge into one as it ends (`plan_session_merge`).
SESSION_MERGES = True


def plan_merge(segments: list[tuple[int, ...]]) -> list[int]:
    """Positions of the segments to merge next ((rows, deleted rows[, tokens]) each), or [].

    Segments are grouped in tiers by live rows (tier k holds up to MERGE_FACTOR**k rows);
    MERGE_FACTOR segments in one tier merge into one of the next tier, as in Lucene's
    LogMergePolicy. A segment with EXPUNGE_SHARE of its rows deleted is rewritten alone.
    """
    live, tokens = _live_sizes(segments)
    for i, (docs, deleted, *_) in enumerate(segments):
        if docs and (deleted / docs >= EXPUNGE_SHARE or live[i] == 0):
            return [i]
    tiers: dict[int, list[int]] = {}
    for i, n in enumerate(live):
        if n < MAX_MERGED_DOCS and tokens[i] < MAX_MERGED_TOKENS:
            tiers.setdefault(int(math.log(max(n, 1), MERGE_FACTOR)), []).append(i)
    for tier in sorted(tiers):
        members = tiers[tier]
        if len(members) >= MERGE_FACTOR:
            group = _fitting(sorted(members, key=lambda i: live[i])[:MERGE_FACTOR], live, tokens)
            if len(group) >= 2:
                return sorted(group)
    return []


def plan_session_merge(segments: list[tuple[int, ...]], mine: list[int]) -> list[int]:
    """Positions of the segments one writing session made that merge into one as it ends,
    smallest first within the size bounds, or [] when fewer than two fit.

    A bulk load then leaves one segment instead of one per batch (the 19,043 Reuters
    articles: four of 5,000), as Lucene's forceMerge or FTS5's optimize would: every query
    pays per segment (each word looked up in each vocabulary). Only this session's
    segments take part, so a run still costs what it adds."""
    if not SESSION_MERGES:
        return []
    live, tokens = _live_sizes(segments)
    group = _fitting(sorted(mine, key=lambda i: live[i]), live, tokens)
    return sorted(group) if len(group) >= 2 else []


def _live_sizes(segments: list[tuple[int, ...]]) -> tuple[list[int], list[float]]:
    """Live rows and their share of the tokens, per segment."""
    live = [s[0] - s[1] for s in segments]
    tokens = [s[2] * (s[0] - s[1]) / s[0] if len(s) > 2 and s[0] else 0 for s in segments]
    return live, tokens


def _fitting(group: list[int], live: list[int], tokens: list[float]) -> list[int]:
    """The smallest members of `group` whose merge stays within the size bounds."""
    fit, docs, words = [], 0, 0.0
    for i in group:
        if docs + live[i] > MAX_MERGED_DOCS or words + tokens[i] > MAX_MERGED_TOKENS:
            break
        fit.append(i)
        docs, words = docs + live[i], words + tokens[i]
    return fit


def whoosh_merge_policy(writer, segments):
    """whoosh's `mergetype` hook with the tiers of `plan_merge`: the segments chosen are
    read into the segment being committed, the others are kept."""
    from whoosh.reading import SegmentReader

    group = plan_merge([(s.doc_count_all(), s.deleted_count()) for s in segments])
    if len(group) < 2 and not (group and segments[group[0]].deleted_count()):
        return segments
    for i in group:
        reader = SegmentReader(writer.storage, writer.schema, segments[i])
        writer.add_reader(reader)
        reader.close()
    return [s for i, s in enumerate(segments) if i not in set(group)]
