"""Static HTML result sites: `write_report(index, request, "out/")` writes pages to open from disk.

The site is a folder: `index.html` (a header saying what the report covers, the timeline and
the map above the results, the facet sidebar), `entities.html`,
`articles/*.html`, `entities/*.html` and `assets/` (the style sheet and the small script).
Nothing in it loads anything from the network. Pages render from the jinja2 templates in
the top-level `templates/` folder (shipped as `searchkit/templates`); `templates_dir` puts
a user's own copies first, so a user overrides only the files they change.

Facet filters of the request become the in-page selection whenever every hit of the
unfiltered query fits into the report (`max_hits`), so a reader can widen the search as well
as narrow it; with more hits than that the library applies them and they stay fixed.
"""
from __future__ import annotations

import datetime as dt
import gc
import os
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping, Sequence
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup

from . import __version__
from . import report_views as views
from .facets import hit_facet_keys
from .models import ALL_FACETS, SearchkitError, SearchRequest, SearchResult, counted

#: Results per page of the in-page pager.
PAGE_SIZE = 50
#: Chart height of the timeline, in SVG units.
CHART_HEIGHT = 110.0
#: Hand-written files copied beside the pages (looked up like templates).
ASSETS = ("report.css", "report.js")
#: A report naming at most this many people, places and organisations gives each a page;
#: a larger one only those named in two or more of its articles (a page for a name in a
#: single article repeats that article, and thousands of them cost more than all the rest).
ENTITY_PAGES_ALL = 500
#: Threads writing finished pages to disk.
WRITER_THREADS = 4
#: Written into every report folder, so a rerun may clear its own old pages (and only those).
MARKER = ".searchkit-report"
_SORT_LABELS = {"relevance": "relevance", "newest": "newest first", "oldest": "oldest first"}


@dataclass(frozen=True)
class ReportSummary:
    """What `write_report` wrote."""

    out_dir: Path
    index_page: Path  # out_dir / "index.html", the page to open
    total: int  # articles matching the request (the library's exact total)
    shown: int  # articles in the report (at most max_hits)
    articles: int  # article pages written
    entities: int  # entity pages written
    files: int  # every file written, assets included
    fixed_filters: bool  # facet filters applied by the library rather than in the page
    warnings: tuple[str, ...] = ()  # filter values that match nothing, with close values

    def line(self) -> str:
        """One line for the end of a run."""
        if self.shown > self.total:  # the filters are ticked in the page, which can untick them
            held = f"shown among all {self.shown:,} found without the filters"
        elif self.shown < self.total:
            held = f"the first {self.shown:,} in the report"
        else:
            held = "all in the report"
        return (f"{counted(self.total, 'matching article')}, {held}: {self.files:,} files "
                f"({self.articles:,} article and {self.entities:,} entity pages) -> "
                f"{self.index_page}")


def default_templates_dir() -> Path:
    """The templates shipped with searchkit (the package's `templates`, or the checkout's)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "base.html").is_file():
            return candidate
    raise SearchkitError("searchkit's report templates are missing from this installation")


class _ViewEnvironment(jinja2.Environment):
    """Templates read views, which are dicts: `item.link` looks the key up first.

    jinja2 tries the attribute first and the key after it, so every `item.link` on a dict
    raised and caught an AttributeError: a tenth of a 1,000-hit report's rendering time.
    (A key named like a dict method, `group.items`, now gives the key's value.)
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def make_environment(templates_dir: str | Path | None = None) -> jinja2.Environment:
    """A jinja2 environment with autoescape on; `templates_dir` comes before the defaults."""
    dirs = [default_templates_dir()]
    if templates_dir is not None:
        user = Path(templates_dir)
        if not user.is_dir():
            raise SearchkitError(f"templates folder {str(user)!r} does not exist", exit_code=2)
        dirs.insert(0, user)
    return _ViewEnvironment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        # An environment lives for one report: templates do not change under it, and every
        # page's `extends`/`import` would otherwise stat its template files again.
        auto_reload=False,
    )


def write_report(index, request: SearchRequest, out_dir: str | Path, *,
                 templates_dir: str | Path | None = None, max_hits: int = 1000,
                 page_size: int = PAGE_SIZE,
                 entity_min_articles: int | None = None,
                 generated: dt.datetime | None = None) -> ReportSummary:
    """Write the static result site of `request` into `out_dir` and say what was written.

    The request's text, date and amount ranges, match and sort apply as in `Index.run`;
    its `limit`, `page` and `facet_limit` are replaced (the report holds up to `max_hits`
    hits and every facet value). `page_size` results show per page of the in-page pager.
    People, places and organisations named in at least `entity_min_articles` of the
    report's articles get a page of their own; the rest are marked and listed, not linked.
    By default (None) every name gets one when there are at most ENTITY_PAGES_ALL names,
    else the names found in two or more articles. The pages say when they were
    `generated` (default: now) and from which index.

    >>> ix = searchkit.open_index("index")                              # doctest: +SKIP
    >>> write_report(ix, SearchRequest("prisoner exchange"), "out").index_page  # doctest: +SKIP
    PosixPath('out/index.html')
    """
    if max_hits < 1 or page_size < 1:
        raise SearchkitError("max_hits and page_size must be 1 or more", exit_code=2)
    env = make_environment(templates_dir)
    result, filters, fixed = _fetch(index, request, max_hits)
    # Filters the page applies itself are not checked by the library's run: check them here
    # (no hits asked), so a value that matches nothing is named as `query` names it.
    warnings = index.run(replace(request, limit=0, facets=())).warnings if filters else result.warnings
    out = Path(out_dir)
    try:
        _prepare(out)
        with _collector_paused():
            articles = {hit.id: index.get(hit.id) or {} for hit in result.hits}
            variants = {e["value"]: list(e["variants"]) for e in index.entities()}
            site = _Site(result, articles, filters, fixed, page_size, entity_min_articles,
                         _provenance(index, generated), variants)
            written = _render_all(env, site, out)
    except OSError as exc:
        raise SearchkitError(f"cannot write the report into {str(out)!r}: {exc}") from exc
    # With in-page filters the hits are the unfiltered query's, all of them: the request's
    # own answer is what the page shows at first.
    total = site.visible if filters else result.total
    return ReportSummary(out_dir=out, index_page=out / "index.html", total=total,
                         shown=len(result.hits), articles=len(site.results),
                         entities=len(site.entities), files=written, fixed_filters=fixed,
                         warnings=tuple(warnings))


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while views and pages are built.

    A report keeps a few hundred thousand small objects alive (articles, views) and builds
    millions more; the collector's full passes over them tripled the time of article pages.
    Nothing built here forms reference cycles that need collecting before the end.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _fetch(index, request: SearchRequest, max_hits: int
           ) -> tuple[SearchResult, Mapping[str, Sequence[str]], bool]:
    """The hits of the report, the filters the page applies itself, and whether any are fixed."""
    facets = tuple(dict.fromkeys([*(request.facets or ALL_FACETS), *request.filters]))
    base = replace(request, limit=max_hits, page=1, facet_limit=None, facets=facets)
    if not request.filters:
        return index.run(base), {}, False
    open_result = index.run(replace(base, filters={}))
    if open_result.total <= max_hits:
        return open_result, dict(request.filters), False
    return index.run(base), {}, True


def _prepare(out: Path) -> None:
    """Create the folder; clear the pages of an earlier report there (never other files)."""
    if out.exists() and not out.is_dir():
        raise SearchkitError(f"{str(out)!r} exists and is not a folder", exit_code=2)
    if (out / MARKER).is_file():
        for sub in ("articles", "entities"):
            for old in (out / sub).glob("*.html"):
                old.unlink()
    for sub in ("", "articles", "entities", "assets"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by searchkit report; its pages may be replaced\n",
                              encoding="utf-8")


class _Site:
    """Every view of one report, computed once from the search result and stored articles."""

    def __init__(self, result: SearchResult, articles: Mapping[str, Mapping[str, Any]],
                 filters: Mapping[str, Sequence[str]], fixed: bool, page_size: int,
                 entity_min: int | None, provenance: Mapping[str, str],
                 variants: Mapping[str, Sequence[str]] | None = None):
        self.result, self.articles, self.fixed = result, articles, fixed
        self.page_size, self.provenance = page_size, provenance
        # Every page gets its name before any view asks for a link.
        self.names = views.PageNames()
        for hit in result.hits:
            self.names.add(("article", hit.id), "", hit.id)
        named = {h.id: [(kind, name) for facet, kind in views.KIND_OF_FACET.items()
                        for name in getattr(h, facet)] for h in result.hits}
        self.positions = views.entity_articles([h.id for h in result.hits], named)
        if entity_min is None:
            entity_min = 1 if len(self.positions) <= ENTITY_PAGES_ALL else 2
        self.entity_min = entity_min
        pages = sorted(p for p, found in self.positions.items() if len(found) >= entity_min)
        for kind, name in pages:
            self.names.add((kind, name), kind, name)

        facet_names = [n for n in result.request.facets if n in result.facets]
        self.space = views.FacetSpace.build(facet_names, result.facets, views.mark_undated(
            [hit_facet_keys(h, result) for h in result.hits]))
        self.selection = self.space.select(filters)
        visible, self.counts = views.facet_counts(self.space, self.selection)
        self.base_counts = views.facet_counts(self.space, {})[1] if filters else self.counts
        self.visible = len(visible)
        shown = set(visible)
        self.results = [views.result_view(n, hit, self.article_href(hit.id), self.entity_href,
                                          n in shown)
                        for n, hit in enumerate(result.hits)]
        self.entities = views.entity_views(self.results, named, self.positions, pages,
                                           self.entity_href, variants=variants)

    def render_items(self, env: jinja2.Environment) -> None:
        """Render each result's entry of the entity pages' lists once; many pages repeat it."""
        item = env.get_template("_article_item.html")
        for result in self.results:
            result["item"] = Markup(item.render(r=result, root="../"))

    def article_href(self, article_id: str) -> str:
        return f"articles/{self.names.get(('article', article_id))}.html"

    def entity_href(self, kind: str, name: str) -> str | None:
        """The root-relative link of an entity page, None for names without a page."""
        slug = self.names.get((kind, name))
        return f"entities/{slug}.html" if slug else None

    # ------------------------------------------------------------ page contexts

    def index_context(self) -> dict[str, Any]:
        coords = _coordinates(self.articles.values())
        map_data = views.map_view(self.space, self.counts, coords, self.entity_href)
        timeline = views.timeline_view(self.space, self.counts, self.selection,
                                       height=CHART_HEIGHT)
        return {
            **self.common(), "request": _request_view(self.result.request, self.fixed),
            "title": _page_title(self.result.request.text),
            "total": self.result.total, "shown": len(self.results), "visible": self.visible,
            "total_label": f"{self.result.total:,}", "shown_label": f"{len(self.results):,}",
            "count_line": _count_line(self.visible, len(self.results), bool(self.selection)),
            "selection_words": views.selection_words(self.space, self.selection),
            # Near-identical copies fold under their hit: they are in the report too.
            "truncated": self.result.total > sum(1 + len(h.duplicates) for h in self.result.hits),
            "results": self.results, "facets": views.sidebar_view(
                self.space, self.selection, self.counts, self.base_counts),
            "timeline": timeline, "map": map_data, "suggestion": self.result.suggestion,
            "page_size": self.page_size,
            "data": views.embed_json(views.client_data(
                self.space, self.selection, self.page_size, timeline, map_data)),
        }

    def common(self, root: str = "") -> dict[str, Any]:
        """What every page of the site shows: where it is, the query, where it came from."""
        return {"root": root, "query": self.result.request.text, "provenance": self.provenance}

    def article_contexts(self):
        for n, result in enumerate(self.results):
            article = self.articles.get(result["id"]) or {"id": result["id"]}
            view = views.article_view(article, result["title"], self.entity_href)
            yield self.names.get(("article", result["id"])), {
                **self.common("../"), "article": view,
                "position": n + 1, "count": len(self.results),
                "previous": self.results[n - 1] if n else None,
                "next": self.results[n + 1] if n + 1 < len(self.results) else None,
                "title": view["title"],
            }

    def entity_contexts(self):
        for entity in self.entities:
            yield self.names.get(entity["key"]), {
                **self.common("../"), "entity": entity, "title": entity["name"],
                "filter_href": self.filter_href(views.ENTITY_KINDS[entity["kind"]][0],
                                                entity["name"]),
            }

    def filter_href(self, facet: str, value: str) -> str | None:
        """index.html with its fragment set to show only the articles carrying one value."""
        if facet not in self.space.names:
            return None
        return "index.html#" + urlencode([(facet, value), ("page", "1")], quote_via=quote)

    def entities_context(self) -> dict[str, Any]:
        return {**self.common(), "entity_min": self.entity_min,
                "groups": views.entity_index_view(self.positions, self.entity_href),
                "title": "People, places and organisations"}


def _render_all(env: jinja2.Environment, site: _Site, out: Path) -> int:
    """Render every page and copy the assets; return the number of files written.

    Pages render here while a few threads write the finished ones: creating thousands of
    small files waits on the file system more than on the CPU.
    """
    with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
        try:
            written = [pool.submit(_write, path, text) for path, text in _pages(env, site, out)]
        except jinja2.TemplateError as exc:
            where = getattr(exc, "filename", None) or getattr(exc, "name", None) or "a template"
            raise SearchkitError(f"report template error in {where}: {exc}") from exc
    for future in written:
        future.result()  # re-raises a failed write
    return len(written)


def _pages(env: jinja2.Environment, site: _Site, out: Path):
    """(path, text) of every file of the site, rendered one at a time."""
    yield out / "index.html", env.get_template("index.html").render(site.index_context())
    yield out / "entities.html", env.get_template("entities.html").render(site.entities_context())
    article = env.get_template("article.html")
    for name, context in site.article_contexts():
        yield out / "articles" / f"{name}.html", article.render(context)
    entity = env.get_template("entity.html")
    site.render_items(env)
    for name, context in site.entity_contexts():
        yield out / "entities" / f"{name}.html", entity.render(context)
    for asset in ASSETS:
        yield out / "assets" / asset, env.loader.get_source(env, asset)[0]


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def _provenance(index, generated: dt.datetime | None) -> dict[str, str]:
    """Which index the report comes from, how many articles it holds, when and by what."""
    when = (generated or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    # The folder's name as the user named it (a link's name, not its target's), and only the
    # name: a published report should not reveal the editor's file system.
    folder = Path(os.path.abspath(index.dir))
    return {"index": folder.name or str(folder),
            "articles": views.plural(index.doc_count(), "article"),
            "generated": when.isoformat(timespec="seconds"),
            "generated_label": f"{when.day} {when:%b %Y, %H:%M} UTC",
            "version": __version__}


def _coordinates(articles) -> dict[str, tuple[float, float]]:
    """Canonical place name -> (lat, lon) from the resolved place mentions of the articles."""
    coords: dict[str, tuple[float, float]] = {}
    for article in articles:
        for m in article.get("mentions", ()):
            if (m.get("kind") == "place" and m.get("lat") is not None
                    and m.get("lon") is not None and m["canonical"] not in coords):
                coords[m["canonical"]] = (float(m["lat"]), float(m["lon"]))
    return coords


def _count_line(visible: int, shown: int, filtered: bool) -> str:
    """The result count as the page states it before its script runs (report.js words it alike)."""
    if filtered:
        return (f"{views.plural(visible, 'matching article')} (of {shown:,} in this report)"
                if visible else f"No article of {shown:,} matches the filters")
    return ("All " if shown != 1 else "") + views.plural(shown, "article")


def _page_title(text: str) -> str:
    return f"“{text}”" if text else "All articles"


def _request_view(request: SearchRequest, fixed: bool) -> dict[str, Any]:
    """The query and the conditions the library applied, as label/value pairs."""
    conditions = []
    for label, value in (("Published from", request.date_from),
                         ("Published until", request.date_to),
                         ("Amount at least", request.amount_min),
                         ("Amount at most", request.amount_max),
                         ("Currency", request.currency),
                         ("Similar to article", request.like)):
        if value is not None and value != "":
            conditions.append({"label": label, "value": str(value)})
    if fixed:
        for name, values in request.filters.items():
            conditions.append({"label": views.FACET_LABELS.get(name, name),
                               "value": " or ".join(values)})
    return {"text": request.text, "conditions": conditions,
            "match": "any word" if request.match == "any" else "all words",
            "sort": _SORT_LABELS.get(request.sort, request.sort)}

