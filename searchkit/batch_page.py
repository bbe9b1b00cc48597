"""The digest page of a batch folder (templates/batch.html): finished view data only.

Each search shows its total, its conditions, links to its files and what is new since the
previous run into the folder: an "N new" badge and the first new hits' titles.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from . import facetspec
from .models import SearchRequest
from .report_views import date_label

#: New hits listed under each search (the rest are counted).
NEW_LISTED = 10


def articles_label(count: int) -> str:
    return f"{count:,} matching article{'' if count == 1 else 's'}"


def describe(request: SearchRequest) -> tuple[tuple[str, str], ...]:
    """The filters and ranges of a request as (label, value) pairs for people to read."""
    pairs = [(facetspec.spec(k).label, " or ".join(v)) for k, v in request.filters.items()]
    for label, value in (("From", request.date_from), ("To", request.date_to),
                         ("Amount at least", request.amount_min),
                         ("Amount at most", request.amount_max),
                         ("Currency", request.currency), ("Similar to", request.like)):
        if value is not None:
            pairs.append((label, f"{value:g}" if isinstance(value, float) else str(value)))
    if request.match == "any":
        pairs.append(("Match", "any word"))
    if request.sort != "relevance":
        pairs.append(("Sort", f"{request.sort} first"))
    return tuple(pairs)


def digest_view(summary, searches_name: str) -> dict[str, Any]:
    """The view data of the digest page: finished labels, links and new hits."""
    labels = {"report": "Report", "json": "JSON", "csv": "CSV"}
    searches = []
    for o in summary.outcomes:
        links = [{"label": labels[k], "href": quote(o.files[k])} for k in labels if k in o.files]
        searches.append({
            "name": o.name, "query": o.query, "conditions": o.conditions,
            "total_label": "failed" if o.total is None else articles_label(o.total),
            "href": quote(o.files["report"]) if "report" in o.files else None,
            "links": links, "warnings": o.warnings, "error": o.error,
            **_news_view(o),
        })
    failed = len(summary.failed)
    return {"title": f"Searches of {searches_name}", "searches": searches, "root": "",
            "query": "",
            "count_line": f"{len(searches)} search{'es' if len(searches) != 1 else ''}"
                          + (f", {failed} failed" if failed else ""),
            "generated": dt.datetime.now().strftime("%Y-%m-%d %H:%M")}


def _news_view(o) -> dict[str, Any]:
    """A search's badge ('3 new'), what changed since when, and its first new hits."""
    if not o.ok:
        return {"badge": None, "changes": None, "new_hits": [], "more_new": 0}
    if o.since is None:
        changes = "First run into this folder: every hit is new."
    else:
        changes = (f"Since the run of {_when(o.since)}: {len(o.new)} new, "
                   f"{len(o.gone)} no longer found.")
    new_hits = [{"title": h.title, "meta": " · ".join(x for x in (date_label(h.date), h.source)
                                                      if x)} for h in o.new_hits]
    return {"badge": f"{len(o.new)} new" if o.new else None, "changes": changes,
            "new_hits": new_hits, "more_new": len(o.new) - len(new_hits)}


def _when(stamp: str) -> str:
    """'2024-06-01T09:30:00+00:00' -> '2024-06-01 09:30 UTC' (as it is, if it is no time)."""
    try:
        return f"{dt.datetime.fromisoformat(stamp).astimezone(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"
    except ValueError:
        return stamp
