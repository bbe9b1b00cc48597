"""View data for the report pages: everything a template shows, computed before rendering.

Templates receive finished values (counts, labels, selected flags, relative links, SVG
geometry) so they hold no logic and a user's own copies cannot get the semantics wrong.
The in-page script recomputes the same counts from the JSON made by `client_data`;
`facet_counts` is its Python twin, so the page reads the same with and without JavaScript.
"""
from __future__ import annotations

import hashlib
import heapq
import html
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import chain
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from . import facetspec
from .models import FacetValue

FACET_LABELS = {spec.name: spec.label for spec in facetspec.FACETS}
#: Entity kinds that get their own pages: mention kind -> (facet name, display label).
ENTITY_KINDS = {spec.entity_kind: (spec.name, spec.singular.capitalize())
                for spec in facetspec.NAME_FACETS}
KIND_OF_FACET = {facet: kind for kind, (facet, _) in ENTITY_KINDS.items()}
#: Facet values listed at once in the sidebar; the rest sit behind "More".
FACET_SHOWN = 8
#: Facet values rendered into the sidebar at most (the entities page lists every name).
FACET_CAP = 100
#: Facet chips under a result: at most this many of each kind, first named first.
CHIPS_PER_KIND = (*((spec.name, 2 if spec.entity_kind == "org" else 3) for spec in facetspec.NAME_FACETS),
                  (facetspec.EVENTS.name, 2))
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ---------------------------------------------------------------- small safe helpers


def safe_snippet(snippet: str) -> Markup:
    """A search snippet as markup in which only <mark> and </mark> survive as tags.

    The search side already escapes snippets; unescaping then escaping again makes this
    idempotent for those and safe for any snippet that was not escaped.
    """
    parts = re.split(r"(</?mark>)", snippet or "")
    return Markup("".join(p if p in ("<mark>", "</mark>") else str(escape(html.unescape(p)))
                          for p in parts))


def safe_url(url: str | None) -> str | None:
    """The url when it is an absolute http(s) link, else None (no javascript:, data:, ...)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc and not re.search(r"\s", url):
        return url
    return None


def embed_json(data: Any) -> Markup:
    """JSON safe inside <script type="application/json">: no "</", "<!--" or "]]>" can appear."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return Markup(text)


def slugify(text: str, limit: int = 60) -> str:
    """ASCII, lower-case, hyphenated: "Volodymyr Zelenskyy" -> "volodymyr-zelenskyy"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-")


class PageNames:
    """Unique, filesystem-safe page names, the same for a key however often it is asked."""

    def __init__(self) -> None:
        self._names: dict[Any, str] = {}
        self._used: set[str] = set()

    def add(self, key: Any, prefix: str, label: str) -> str:
        """The name for `key`, made from `prefix` and `label` on first use."""
        if key in self._names:
            return self._names[key]
        base = slugify(label) or hashlib.sha1(label.encode()).hexdigest()[:8]
        base = f"{prefix}-{base}" if prefix else base
        name, n = base, 2
        while name in self._used:  # names are lower-case: safe on case-blind file systems
            name, n = f"{base}-{n}", n + 1
        self._used.add(name)
        self._names[key] = name
        return name

    def get(self, key: Any) -> str | None:
        return self._names.get(key)


def date_label(when: str | None) -> str:
    """"2022-01-25T09:00:00" -> "25 Jan 2022"; "2022-01" -> "Jan 2022"; "2022" -> "2022"."""
    if not when:
        return ""
    m = re.match(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", when)
    if not m:
        return when
    year, month, day = m.groups()
    if month is None:
        return year
    label = f"{MONTHS[int(month) - 1]} {year}"
    return f"{int(day)} {label}" if day else label


def link_html(name: str, href: str | None, root: str) -> Markup:
    """<a href="ROOT+HREF">NAME</a> escaped, or the escaped name alone when there is no page."""
    if not href:
        return Markup(html.escape(name))
    return Markup(f'<a href="{html.escape(root + href)}">{html.escape(name)}</a>')


def plural(n: int, words: str) -> str:
    """plural(1, "article") == "1 article"; plural(3, "new article") == "3 new articles"."""
    return f"{n:,} {words}{'' if n == 1 else 's'}"


# ---------------------------------------------------------------- facet counting


@dataclass
class FacetSpace:
    """The facet values of a report and, per hit, the ordinals of the values it carries."""

    names: list[str]  # facet names in display order
    values: dict[str, list[FacetValue]]  # per facet, in the library's order
    hit_keys: list[dict[str, list[int]]]  # per hit, per facet, value ordinals

    @classmethod
    def build(cls, names: Sequence[str], facets: Mapping[str, Sequence[FacetValue]],
              keys: Sequence[Mapping[str, Sequence[str]]]) -> "FacetSpace":
        """From the library's facet values and `hit_facet_keys` of every hit."""
        values: dict[str, list[FacetValue]] = {}
        index: dict[str, dict[str, int]] = {}
        for name in names:
            values[name] = list(facets.get(name, ()))
            index[name] = {v.value: i for i, v in enumerate(values[name])}
        ords = []
        for hit in keys:
            row = {}
            for name in names:
                row[name] = sorted({_ordinal(values[name], index[name], k)
                                    for k in hit.get(name, ())})
            ords.append(row)
        return cls(list(names), values, ords)

    def select(self, filters: Mapping[str, Sequence[str]]) -> dict[str, set[int]]:
        """Filter values as ordinals; a value no hit carries still gets one (and counts 0)."""
        selection = {}
        for name, chosen in filters.items():
            if name in self.values:
                index = {v.value: i for i, v in enumerate(self.values[name])}
                selection[name] = {_ordinal(self.values[name], index, v) for v in chosen}
        return selection


def _ordinal(values: list[FacetValue], index: dict[str, int], key: str) -> int:
    """The ordinal of `key`, appending it when the library's list did not hold it."""
    if key not in index:
        index[key] = len(values)
        values.append(FacetValue(key, 0))
    return index[key]


def facet_counts(space: FacetSpace, selection: Mapping[str, set[int]]
                 ) -> tuple[list[int], dict[str, list[int]]]:
    """Visible hits and multi-select counts: OR within a facet, AND across, own filter excluded.

    The same algorithm as `report.js`: a hit failing no facet is visible and counts
    everywhere; a hit failing exactly one facet counts only for that facet.
    """
    counts = {name: [0] * len(space.values[name]) for name in space.names}
    active = [(n, s) for n, s in selection.items() if s and n in counts]
    visible = []
    for i, row in enumerate(space.hit_keys):
        failing = [n for n, chosen in active if not chosen.intersection(row[n])]
        if not failing:
            visible.append(i)
            for name in space.names:
                for v in row[name]:
                    counts[name][v] += 1
        elif len(failing) == 1:
            for v in row[failing[0]]:
                counts[failing[0]][v] += 1
    return visible, counts


def client_data(space: FacetSpace, selection: Mapping[str, set[int]], page_size: int,
                timeline: Mapping[str, Any] | None = None,
                map_data: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON the in-page script reads: values, each hit's ordinals, the initial selection,
    and the geometry it needs to redraw the timeline and the map."""
    data = {
        "facets": [{"name": n, "label": facet_label(n),
                    "values": [v.value for v in space.values[n]]} for n in space.names],
        "hits": [[row[n] for n in space.names] for row in space.hit_keys],
        "selected": {n: sorted(s) for n, s in selection.items() if s},
        "pageSize": page_size,
        "undated": UNDATED,
    }
    if timeline and timeline.get("bars"):
        data["chart"] = {"height": timeline["height"], "base": timeline["base"]}
    if map_data:
        data["map"] = {"radius": list(map_data["radius"]), "labels": MAP_LABELS,
                       "tries": MAP_LABEL_TRIES, "places": TOP_PLACES,
                       "box": list(map_data["box"]), "font": map_data["font"],
                       "phoneFont": PHONE_FONT, "char": LABEL_CHAR, "gap": map_data["gap"]}
    return data


# ---------------------------------------------------------------- the results page


def sidebar_view(space: FacetSpace, selection: Mapping[str, set[int]],
                 counts: Mapping[str, list[int]], base: Mapping[str, list[int]]
                 ) -> list[dict[str, Any]]:
    """Facet groups for the sidebar: the first values shown, the rest under "More".

    Which values get a control, and their order, follow `base` (the counts with nothing
    selected) so un-ticking a value never needs a control the page does not have."""
    groups = []
    for f, name in enumerate(space.names):
        values = space.values[name]
        if not values:
            continue
        chosen = selection.get(name, set())
        order = range(len(values))
        if name != "dates":  # a histogram reads in time order; the rest by current count
            order = sorted(order, key=lambda i: (-base[name][i], values[i].value))
        listed = [i for i in order if base[name][i] or i in chosen]
        kept = listed[:FACET_CAP] + [i for i in listed[FACET_CAP:] if i in chosen]
        items = [{
            "id": f"f{f}-{i}", "facet": f, "ordinal": i, "value": values[i].value,
            "label": _value_label(name, values[i]), "count": counts[name][i],
            "selected": i in chosen,
        } for i in kept]
        groups.append({
            "name": name, "label": facet_label(name),
            "names": facetspec.spec(name).kind == "names",  # listed in full on entities.html
            "index": f, "shown": items[:FACET_SHOWN], "more": items[FACET_SHOWN:],
            "omitted": len(listed) - len(kept), "selected": sum(i["selected"] for i in items),
        })
    return groups


#: What the page says while no filter is ticked (report.js says the same).
NO_FILTERS = "No filter ticked: every article in this report is listed."


def selection_words(space: FacetSpace, selection: Mapping[str, set[int]]) -> str:
    """The in-page filters as a sentence: "Places: Kyiv or Lviv; and People: Joe Biden."

    report.js words a changed selection the same way (describeSelection).
    """
    parts = [f"{facet_label(name)}: "
             + " or ".join(_value_label(name, space.values[name][i]) for i in sorted(chosen))
             for name in space.names if (chosen := selection.get(name))]
    if not parts:
        return NO_FILTERS
    return "Filtered to " + "; and ".join(parts) + "."


def facet_label(name: str) -> str:
    """The label of a facet for people to read ("event_types" -> "Event types")."""
    return FACET_LABELS.get(name, name.replace("_", " ").capitalize())


def _value_label(name: str, value: FacetValue) -> str:
    if name == "dates" and value.value == UNDATED:
        return "No date"
    if name == "dates":
        return date_label(value.value)
    return value.label or value.value


def result_view(position: int, hit, href: str, entity_href, visible: bool) -> dict[str, Any]:
    """One result of the list: title link, date, source, snippet, facet chips."""
    chips, total = [], 0
    for facet, room in CHIPS_PER_KIND:  # a few of each kind, not eight people and no place
        names = getattr(hit, facet)
        total += len(names)
        kind = KIND_OF_FACET.get(facet, "event")
        chips += [{"kind": kind, "label": name,
                   "href": entity_href(kind, name) if facet in KIND_OF_FACET else None}
                  for name in names[:room]]
    return {
        "position": position, "id": hit.id, "href": href, "title": hit.title or hit.id,
        "date": (hit.date or "")[:10], "date_label": date_label(hit.date),
        "source": hit.source, "snippet": safe_snippet(hit.snippet), "visible": visible,
        "chips": chips, "more_chips": total - len(chips),
        "duplicates": list(hit.duplicate_titles or hit.duplicates),
    }


# ---------------------------------------------------------------- timeline and map


#: The in-page dates value of hits without a date ("#dates=undated" lists them).
UNDATED = "undated"
#: Timeline geometry in SVG units: the count axis' gutter, room above its top label, a label row.
AXIS_GUTTER, CHART_TOP, TICK_ROW = 56.0, 10.0, 18.0
#: Extra room under a wide chart's second label row: report.css moves that row down when
#: the chart shrinks to a phone screen and its type grows.
PHONE_ROW = 16.0
#: Room one time label needs, in SVG units, at desktop size and at the larger phone size
#: (report.css enlarges the labels of a chart shrunk to a phone screen).
MONTH_ROOM, YEAR_ROOM = (30.0, 64.0), (40.0, 80.0)
#: Label every k-th month (or year): the smallest k that leaves the label its room.
MONTH_STRIDES, YEAR_STRIDES = (1, 2, 3, 6), (1, 2, 5, 10, 20, 50, 100)


def mark_undated(keys: Sequence[Mapping[str, Sequence[str]]]) -> list[dict[str, list[str]]]:
    """Per hit facet keys in which a hit without a date carries the value UNDATED.

    So "no date" counts, filters and links like any dates value, and a reader can list
    the articles the timeline leaves out.
    """
    out = []
    for hit in keys:
        row = {name: list(values) for name, values in hit.items()}
        if "dates" in row and not row["dates"]:
            row["dates"] = [UNDATED]
        out.append(row)
    return out


def axis_top(peak: int) -> int:
    """The count at the top of the timeline's axis: a round number >= peak with a whole half.

    report.js has the same function (axisTop): the axis is redrawn after every filter click.
    """
    if peak <= 1:
        return 1
    for top in (2, 4, 6, 8):
        if top >= peak:
            return top
    scale = 1
    while True:
        for mantissa in (10, 12, 16, 20, 30, 40, 50, 60, 80):
            if mantissa * scale >= peak:
                return mantissa * scale
        scale *= 10


def _stride(step: float, room: float, strides: Sequence[int], of: int = 1) -> int | None:
    """The smallest stride (a multiple of `of`) whose labels are `room` units apart, if any."""
    return next((k for k in strides if k % of == 0 and k * step >= room), None)


def timeline_view(space: FacetSpace, counts: Mapping[str, list[int]],
                  selection: Mapping[str, set[int]], height: float = 100.0,
                  width: float = 800.0, widest: float = 56.0) -> dict[str, Any] | None:
    """An SVG bar chart of the dates facet: a bar for every month (or year) in the span,
    a count axis, time labels as dense as they fit, and the number of undated articles.

    Bars are at most `widest` units apart, so a short span does not draw slabs. Labels
    marked `dense` are dropped when the chart shrinks to a phone screen.
    """
    values = space.values.get("dates") or []
    ordinal = {v.value: i for i, v in enumerate(values)}
    undated = ordinal.pop(UNDATED, None)
    undated_count = counts["dates"][undated] if undated is not None else 0
    if not ordinal:  # nothing dated: the results list is the list of undated articles
        return None
    buckets = _bucket_range(min(ordinal), max(ordinal))
    monthly = len(buckets[0]) == 7
    step = min(width / len(buckets), widest)
    bar_counts = [counts["dates"][ordinal[k]] if k in ordinal else 0 for k in buckets]
    peak = max(max(bar_counts), 1)
    top = axis_top(peak)
    base = CHART_TOP + height
    chosen = selection.get("dates", set())
    bars = []
    for n, (key, count) in enumerate(zip(buckets, bar_counts)):
        i = ordinal.get(key, -1)
        h = round(height * count / top, 2)
        bars.append({"x": round(AXIS_GUTTER + n * step + step * 0.1, 2),
                     "width": round(step * 0.8, 2), "y": round(base - h, 2), "height": h,
                     "ordinal": i, "count": count, "label": date_label(key),
                     "selected": i in chosen})
    labels, rows = _time_labels(buckets, step, monthly)
    used = AXIS_GUTTER + round(max(len(buckets) * step, 240.0), 2)
    wide = used > 400  # shrinks on a phone, where report.css enlarges its type
    return {"bars": bars, "labels": labels, "rows": rows, "height": height, "top": top,
            "peak": peak, "base": base, "left": AXIS_GUTTER, "width": used,
            "axis": _count_axis(top, base, height),
            "wide": wide, "monthly": monthly,
            "total_height": base + 8 + TICK_ROW * rows + (PHONE_ROW if wide and rows > 1 else 0),
            "summary": ", ".join(f"{b['label']}: {b['count']}" for b in bars if b["count"]),
            "undated": _undated_view(undated, undated_count)}


def _count_axis(top: int, base: float, height: float) -> list[dict[str, Any]]:
    """Three gridlines (0, half, top) at fixed heights; report.js renames them after a click."""
    return [{"slot": slot, "count": count, "y": round(base - height * share, 2),
             "hidden": slot == "mid" and top == 1}
            for slot, count, share in (("low", 0, 0.0), ("mid", top // 2, 0.5),
                                       ("high", top, 1.0))]


def _undated_view(ordinal: int | None, count: int) -> dict[str, Any] | None:
    """The note under the timeline: how many undated articles it leaves out, and their link."""
    if ordinal is None:
        return None
    return {"ordinal": ordinal, "count": count, "shown": count > 0,
            "text": plural(count, "undated article") + (" is" if count == 1 else " are"),
            "href": f"#dates={UNDATED}&page=1"}


def _time_labels(buckets: Sequence[str], step: float, monthly: bool
                 ) -> tuple[list[dict[str, Any]], int]:
    """Month and year labels under the bars, and the number of label rows.

    Labels of a row stay at least their room apart at desktop size; those not marked
    `dense` also at phone size.
    """
    labels = []
    months = monthly and _stride(step, MONTH_ROOM[0], MONTH_STRIDES)
    if months:
        phone = _stride(step, MONTH_ROOM[1], MONTH_STRIDES, of=months)
        for n, key in enumerate(buckets):
            month = int(key[5:7]) - 1
            if month % months == 0:
                labels.append(_label(n, step, MONTHS[month], 1,
                                     dense=phone is None or month % phone != 0))
    row = 2 if months else 1
    year_step = step * 12 if monthly else step
    years = _stride(year_step, YEAR_ROOM[0], YEAR_STRIDES) or YEAR_STRIDES[-1]
    phone = _stride(year_step, YEAR_ROOM[1], YEAR_STRIDES, of=years)
    for n, key in enumerate(buckets):
        year = int(key[:4])
        if monthly and not key.endswith("-01"):
            # The first bar names its year when the next labelled January is far enough away.
            ahead = 13 - int(key[5:7]) + 12 * ((-year - 1) % years)
            gap = ahead * step if n + ahead < len(buckets) else float("inf")
            if n == 0 and gap >= YEAR_ROOM[0]:
                labels.append(_label(n, step, key[:4], row, dense=gap < YEAR_ROOM[1]))
        elif year % years == 0:
            labels.append(_label(n, step, key[:4], row,
                                 dense=phone is None or year % phone != 0))
    return labels, row


def _label(n: int, step: float, text: str, row: int, dense: bool) -> dict[str, Any]:
    return {"x": round(AXIS_GUTTER + n * step, 2), "text": text, "row": row, "dense": dense}


def _bucket_range(first: str, last: str) -> list[str]:
    """Every bucket key from first to last: months ("2022-11".."2023-02") or years."""
    if len(first) == 4 or len(last) == 4:
        return [str(y) for y in range(int(first[:4]), int(last[:4]) + 1)]
    y, m = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    out = []
    while (y, m) <= end:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


#: The map window of the equirectangular projection: no Antarctica, no pole.
MAP_NORTH, MAP_SOUTH, MAP_SCALE = 85.0, -60.0, 2.0
MAP_WIDTH, MAP_HEIGHT = 360 * MAP_SCALE, (MAP_NORTH - MAP_SOUTH) * MAP_SCALE
#: Sizes in map units when the whole world shows; a map zoomed into a region divides them
#: by its zoom, so dots and labels keep their size on screen.
MAP_RADIUS = (3.0, 15.0)  # the dot of one article, the dot of the most named place
MAP_FONT = 15.0  # place labels (report.css enlarges them by PHONE_FONT on a phone)
LEGEND_HEIGHT = 44.0  # the strip under the map that shows what the dot sizes mean
PHONE_FONT = 1.6
LABEL_GAP = 0.25  # between a dot and its label, in label heights
#: A label's width per character, in label heights (measured: 0.51 to 0.75, mean 0.63, for the
#: bold sans-serif labels); report.js places labels with the same estimate, so a click never
#: waits for the browser to lay the page out to measure them.
LABEL_CHAR = 0.7
#: Places labelled on the map (the most named that fit, among the first MAP_LABEL_TRIES)
#: and listed beside it.
MAP_LABELS, MAP_LABEL_TRIES, TOP_PLACES = 8, 32, 10


def map_xy(lat: float, lon: float) -> tuple[float, float]:
    """Equirectangular projection into the map's SVG coordinates."""
    lat = min(max(lat, MAP_SOUTH), MAP_NORTH)
    return round((lon + 180.0) * MAP_SCALE, 2), round((MAP_NORTH - lat) * MAP_SCALE, 2)


def map_radius(count: int, peak: int, radius: Sequence[float] = MAP_RADIUS) -> float:
    """Dot radius growing with the square root of the count, so areas compare fairly."""
    if count <= 0:
        return 0.0
    low, high = radius
    return round(low + (high - low) * (count / max(peak, 1)) ** 0.5, 2)


def legend_counts(peak: int) -> list[int]:
    """The counts the map's legend draws a dot for: 1, about a quarter of the peak, the peak.

    report.js has the same function (legendCounts).
    """
    return sorted({1, max(1, int(peak / 4 + 0.5)), max(peak, 1)})  # halves up, as in JS


def map_window(points: Sequence[tuple[float, float]]) -> tuple[float, float, float, float]:
    """The part of the world the map shows (x, y, width, height): the dots with a margin.

    A region-wide report gets a regional map; dots spread over much of the world get the
    whole world. The window keeps a landscape shape so it reads on a phone too.
    """
    xs, ys = [x for x, _ in points], [y for _, y in points]
    pad = 0.15 * max(max(xs) - min(xs), max(ys) - min(ys)) + 20.0
    w = max(max(xs) - min(xs) + 2 * pad, 160.0)
    h = max(ys) - min(ys) + 2 * pad
    w, h = max(w, h * 1.5), max(h, w / 2.5)
    if w >= 0.7 * MAP_WIDTH or h >= 0.8 * MAP_HEIGHT:
        return 0.0, 0.0, MAP_WIDTH, MAP_HEIGHT
    x = min(max((min(xs) + max(xs) - w) / 2, 0.0), MAP_WIDTH - w)
    y = min(max((min(ys) + max(ys) - h) / 2, 0.0), MAP_HEIGHT - h)
    return round(x, 2), round(y, 2), round(w, 2), round(h, 2)


def map_view(space: FacetSpace, counts: Mapping[str, list[int]],
             coords: Mapping[str, tuple[float, float]], entity_href) -> dict[str, Any] | None:
    """Dots for places that resolved to coordinates (biggest drawn first, so small ones stay
    clickable), labels for the most named that fit, a size legend and the top places list."""
    values = space.values.get("places") or []
    placed = [(i, v.value) for i, v in enumerate(values) if v.value in coords]
    if not placed:
        return None
    peak = max(max(counts["places"][i] for i, _ in placed), 1)
    points = {name: map_xy(*coords[name]) for _, name in placed}
    x0, y0, w, h = map_window(list(points.values()))
    zoom = MAP_WIDTH / w
    radius = tuple(round(r / zoom, 3) for r in MAP_RADIUS)
    dots = []
    for i, name in placed:
        count = counts["places"][i]
        x, y = points[name]
        dots.append({"ordinal": i, "name": name, "x": x, "y": y, "count": count,
                     "r": map_radius(count, peak, radius), "href": entity_href("place", name),
                     "words": f"{name}: {plural(count, 'article')}"})
    dots.sort(key=lambda d: (-d["count"], d["name"]))
    # One tab stop for the map (the most named place); the arrow keys reach the others.
    first = next((d for d in dots if d["href"]), None)
    for d in dots:
        d["tabindex"] = 0 if d is first else -1
    font = round(MAP_FONT / zoom, 2)
    _place_labels(dots, (x0, y0, w, h), font)
    return {"dots": dots, "box": (x0, y0, w, h), "zoom": round(zoom, 3), "font": font,
            "gap": round(font * LABEL_GAP, 2),
            "view": f"{x0} {y0} {w} {round(h + LEGEND_HEIGHT / zoom, 2)}",
            "radius": radius, "legend": _legend(peak, (x0, y0, w, h), zoom, radius),
            "places": [d for d in dots if d["count"]][:TOP_PLACES],
            "summary": ", ".join(f"{d['name']} ({d['count']})" for d in dots[:12] if d["count"])}


def _place_labels(dots: list[dict[str, Any]], box: tuple[float, float, float, float],
                  font: float) -> None:
    """Give every dot a label position; mark `top` the most named that fit without overlap.

    Widths are estimated at the phone size, the larger one, so the labels shown without
    the page's script never collide; report.js does the same at the size of the screen.
    """
    x0, y0, w, h = box
    size = font * PHONE_FONT
    taken: list[tuple[float, float, float, float]] = []
    for n, d in enumerate(dots):
        width, gap = LABEL_CHAR * size * len(d["name"]), d["r"] + font * LABEL_GAP
        right = (d["x"] + gap, d["y"] - size / 2, width, size)
        left = (d["x"] - gap - width, d["y"] - size / 2, width, size)
        fits = [b for b in (right, left) if x0 <= b[0] and b[0] + b[2] <= x0 + w
                and y0 <= b[1] and b[1] + b[3] <= y0 + h]
        free = [b for b in fits if not any(_overlap(b, t) for t in taken)]
        d["top"] = bool(d["count"] and free and len(taken) < MAP_LABELS and n < MAP_LABEL_TRIES)
        chosen = (free or fits or [right])[0]
        if d["top"]:
            taken.append(chosen)
        start = chosen is right
        d["label"] = {"x": round(d["x"] + (gap if start else -gap), 2),
                      "y": round(d["y"] + font * 0.35, 2), "anchor": "start" if start else "end"}


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _legend(peak: int, box: tuple[float, float, float, float], zoom: float,
            radius: Sequence[float]) -> dict[str, Any]:
    """The strip under the map: a dot for a few counts, drawn at the map's own scale."""
    x0, y0, w, h = box
    middle = y0 + h + LEGEND_HEIGHT / zoom / 2
    slot = 110.0 / zoom  # room for a dot and a count at the phone's larger type
    counts = legend_counts(peak)
    items = []
    for n in range(3):  # three slots, so report.js can refill them after a click
        count = counts[n] if n < len(counts) else None
        cx = x0 + w - (3 - n) * slot
        items.append({"count": count, "cx": round(cx, 2),
                      "r": map_radius(count or 0, peak, radius),
                      "x": round(cx + radius[1] + 4 / zoom, 2)})
    return {"x": x0, "y": round(y0 + h, 2), "width": w, "height": round(LEGEND_HEIGHT / zoom, 2),
            "middle": round(middle, 2), "text_x": round(x0 + 8 / zoom, 2),
            "text_y": round(middle + MAP_FONT * 0.35 / zoom, 2), "items": items}


# ---------------------------------------------------------------- article pages


@dataclass(frozen=True)
class Span:
    """A marked stretch of an article's text."""

    start: int
    end: int
    kind: str  # person | place | org | amount
    title: str
    href: str | None = None


def article_spans(article: Mapping[str, Any], entity_href) -> list[Span]:
    """Mentions and amounts of a stored article as spans to mark."""
    spans = []
    for m in article.get("mentions", ()):
        if m.get("kind") in ENTITY_KINDS:
            label = ENTITY_KINDS[m["kind"]][1]
            # The canonical name only where it says more than the words in the text.
            title = label if m["canonical"] == m.get("text") else f"{label}: {m['canonical']}"
            spans.append(Span(m["start"], m["end"], m["kind"], title,
                              entity_href(m["kind"], m["canonical"])))
    for a in article.get("amounts", ()):
        spans.append(Span(a["start"], a["end"], "amount",
                          f"Amount ({a.get('kind', '')}): {_amount_value(a)}"))
    return spans


def _amount_value(a: Mapping[str, Any]) -> str:
    value = a.get("value")
    shown = f"{value:,.0f}" if isinstance(value, (int, float)) and value == int(value) else value
    return f"{shown} {a.get('unit', '')}".strip()


def marked_paragraphs(text: str, spans: Iterable[Span]) -> list[list[tuple]]:
    """The text split into paragraphs of (text, span-or-None) segments; overlaps dropped."""
    ordered, end = [], -1
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if s.start >= end and 0 <= s.start < s.end <= len(text):
            ordered.append(s)
            end = s.end
    paragraphs, k = [], 0
    for m in re.finditer(r"[^\n]+", text):
        start, stop = m.span()
        segments, pos = [], start
        while k < len(ordered) and ordered[k].start < stop:
            s = ordered[k]
            a, b = max(s.start, pos), min(s.end, stop)
            if a > pos:
                segments.append((text[pos:a], None))
            if b > a:
                segments.append((text[a:b], s))
            pos = max(pos, b)
            if s.end > stop:
                break  # the span runs on into the next paragraph
            k += 1
        if pos < stop:
            segments.append((text[pos:stop], None))
        if any(seg[0].strip() for seg in segments):
            paragraphs.append(segments)
    return paragraphs


def paragraph_html(segments: Sequence[tuple], root: str) -> Markup:
    """One marked paragraph as escaped HTML: <mark class="k-KIND" title=..> around spans.

    Built here rather than in the template: an article has hundreds of segments and
    rendering each through jinja2 costs a thousand reports' worth of time.
    """
    out = []
    for text, span in segments:
        text = html.escape(text, quote=False)
        if span is None:
            out.append(text)
            continue
        if span.href:
            text = f'<a href="{html.escape(root + span.href)}">{text}</a>'
        out.append(f'<mark class="k-{html.escape(span.kind)}" title="{html.escape(span.title)}">'
                   f"{text}</mark>")
    return Markup("".join(out))


def article_view(article: Mapping[str, Any], title: str, entity_href,
                 root: str = "../") -> dict[str, Any]:
    """An article page: marked paragraphs, legend counts, events with evidence, entity lists.

    `paragraphs` holds each paragraph as (text, Span-or-None) segments; `body` the same
    as finished HTML with links relative to a page `root` away from the site's top.
    """
    spans = article_spans(article, entity_href)
    paragraphs = marked_paragraphs(article.get("text", ""), spans)
    kinds = Counter(s.kind for s in spans)
    entities = []
    for kind, (facet, label) in ENTITY_KINDS.items():
        names = article.get(facet) or []
        entities.append({"kind": kind, "label": FACET_LABELS[facet], "items": [
            _entity_item(kind, n, entity_href, root) for n in names]})
    main = article.get("main_event")
    found = list(article.get("events", ()))
    # Types the record gave itself have no evidence sentence; they are sure.
    found += [{"type": t, "confidence": 1.0} for t in article.get("event_types") or ()
              if t not in {e.get("type") for e in found}]
    events = [{"type": e.get("type", ""), "code": e.get("code"),
               "confidence": round(100 * float(e.get("confidence") or 0)),
               "evidence": e.get("evidence", ""), "main": e.get("type") == main}
              for e in sorted(found, key=lambda e: (e.get("type") != main, -(e.get("confidence") or 0)))]
    return {
        "id": article["id"], "title": title, "date": (article.get("date") or "")[:10],
        "date_label": date_label(article.get("date")), "source": article.get("source", ""),
        "url": safe_url(article.get("url")), "raw_url": article.get("url") or "",
        "paragraphs": paragraphs, "body": [paragraph_html(p, root) for p in paragraphs],
        "legend": [{"kind": k, "label": lbl, "count": kinds.get(k, 0)} for k, lbl in
                   (("person", "Person"), ("place", "Place"), ("org", "Organisation"),
                    ("amount", "Amount"))],
        "linked": any(s.href for s in spans),
        "entities": entities, "events": events, "tags": list(article.get("tags") or []),
        "amounts": [{"text": a.get("text", ""), "value": _amount_value(a),
                     "kind": a.get("kind", "")} for a in article.get("amounts", ())],
    }


# ---------------------------------------------------------------- entity pages


def entity_articles(ids: Sequence[str], names: Mapping[str, Sequence[tuple]]
                    ) -> dict[tuple, list[int]]:
    """(kind, name) -> positions in `ids` of the articles naming it (`names[id]`: its pairs)."""
    positions: dict[tuple, list[int]] = {}
    for n, article_id in enumerate(ids):
        for pair in dict.fromkeys(names[article_id]):
            positions.setdefault(pair, []).append(n)
    return positions


def entity_views(results: Sequence[Mapping[str, Any]], names: Mapping[str, Sequence[tuple]],
                 positions: Mapping[tuple, list[int]], pages: Iterable[tuple], entity_href,
                 top: int = 10, variants: Mapping[str, Sequence[str]] | None = None
                 ) -> list[dict[str, Any]]:
    """Entity pages for the (kind, name) `pages`: their articles, who appears beside them,
    and the other spellings the index folded into the name (`variants`: name -> spellings).

    `results` are result views (id, href, title, date); co-occurrence counts the articles
    naming both.
    """
    unique = [list(dict.fromkeys(names[r["id"]])) for r in results]
    views = []
    for kind, name in pages:
        seen = Counter(chain.from_iterable(unique[p] for p in positions[(kind, name)]))
        del seen[(kind, name)]
        groups = []
        for other_kind, (facet, _) in ENTITY_KINDS.items():
            ranked = heapq.nsmallest(top, ((c, n) for (k, n), c in seen.items()
                                           if k == other_kind), key=lambda cn: (-cn[0], cn[1]))
            groups.append({"kind": other_kind, "label": FACET_LABELS[facet], "items": [
                _entity_item(other_kind, n, entity_href, "../", count=c) for c, n in ranked]})
        views.append({"kind": kind, "kind_label": ENTITY_KINDS[kind][1], "name": name,
                      "also": [v for v in (variants or {}).get(name, ()) if v != name],
                      "key": (kind, name), "count": len(positions[(kind, name)]),
                      "articles": [results[p] for p in positions[(kind, name)]],
                      "together": groups})
    return views


def entity_index_view(positions: Mapping[tuple, list[int]], entity_href) -> list[dict]:
    """The entities page: every person, place and organisation of the report, most named first."""
    groups = []
    for kind, (facet, _) in ENTITY_KINDS.items():
        items = sorted(((-len(p), name) for (k, name), p in positions.items() if k == kind))
        groups.append({"kind": kind, "label": FACET_LABELS[facet], "items": [
            _entity_item(kind, name, entity_href, "", count=-count) for count, name in items]})
    return groups


def _entity_item(kind: str, name: str, entity_href, root: str, **extra) -> dict[str, Any]:
    """A name in an entity list: its page link (root-relative href) and finished `link`."""
    href = entity_href(kind, name)
    return {"name": name, "href": href, "link": link_html(name, href, root), **extra}

