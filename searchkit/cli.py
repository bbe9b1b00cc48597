"""The `searchkit` command: parse options, make one library call, print.

Library errors (SearchkitError) become a one-line message and an exit code; any other
error is reported without a traceback unless --debug is given.
"""
from __future__ import annotations

import html
import json
import re
import sys
from functools import wraps

import click

from .models import SearchkitError, SearchRequest

FACET_TITLES = {"people": "People", "places": "Places", "orgs": "Organisations",
                "event_types": "Event types", "amounts": "Amounts", "dates": "Dates",
                "sources": "Sources", "tags": "Tags"}
DEFAULT_INDEX = "index"
#: Skipped inputs listed one a line after indexing; the rest are counted.
MAX_SKIP_LINES = 20


def index_option(f):
    """--index DIR, defaulting to $SEARCHKIT_INDEX or ./index."""
    return click.option("--index", "index_dir", envvar="SEARCHKIT_INDEX", default=DEFAULT_INDEX,
                        show_default=True, type=click.Path(file_okay=False),
                        help="Index folder (or $SEARCHKIT_INDEX).")(f)


def search_options(f):
    """The query text and every filter `query` and `report` share."""
    options = [
        click.argument("text", required=False, default=""),
        click.option("--person", multiple=True, help="Only articles naming this person (repeatable: any of)."),
        click.option("--place", multiple=True, help="Only articles naming this place."),
        click.option("--org", multiple=True, help="Only articles naming this organisation."),
        click.option("--event", multiple=True, help="Only articles of this event type."),
        click.option("--source", multiple=True, help="Only articles from this source."),
        click.option("--tag", multiple=True, help="Only articles with this tag."),
        click.option("--month", "dates", multiple=True, help="Only articles of this YYYY or YYYY-MM."),
        click.option("--amount", "amounts", multiple=True, help="Only articles with a sum in this range bucket (e.g. EUR:1B+)."),
        click.option("--from", "date_from", help="Articles dated on or after YYYY[-MM[-DD]]."),
        click.option("--to", "date_to", help="Articles dated on or before YYYY[-MM[-DD]]."),
        click.option("--amount-min", type=float, help="Articles naming a sum of at least X."),
        click.option("--amount-max", type=float, help="Articles naming a sum of at most Y."),
        click.option("--currency", help="Sums in this currency only (EUR, USD, ...)."),
        click.option("--match", type=click.Choice(["all", "any"]), default="all", show_default=True,
                     help="Every word must match, or any (ranked by how many)."),
        click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]),
                     default="relevance", show_default=True),
        click.option("--like", metavar="ID", help="Articles similar to this one (more like this)."),
        index_option,
    ]
    for option in reversed(options):
        f = option(f)
    return f


def request_from(opts: dict, **extra) -> SearchRequest:
    """A SearchRequest from the shared search options."""
    filters = {"people": opts["person"], "places": opts["place"], "orgs": opts["org"],
               "event_types": opts["event"], "sources": opts["source"], "tags": opts["tag"],
               "dates": opts["dates"], "amounts": opts["amounts"]}
    return SearchRequest(
        text=opts["text"] or "", filters={k: tuple(v) for k, v in filters.items() if v},
        date_from=opts["date_from"], date_to=opts["date_to"], amount_min=opts["amount_min"],
        amount_max=opts["amount_max"], currency=opts["currency"], match=opts["match"],
        sort=opts["sort"], like=opts["like"], **extra)


def _open(index_dir):
    from .search import open_index

    return open_index(index_dir)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(package_name="searchkit")
@click.pass_context
def cli(ctx, debug):
    """searchkit: search news archives by people, places, organisations, amounts and events."""
    ctx.obj = {"debug": debug}


@cli.command("index")
@click.argument("paths", nargs=-1, required=True)
@click.option("--no-extract", is_flag=True, help="Index records as given, without NLP.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Extraction processes.")
@click.option("--rebuild", is_flag=True, help="Start the index over.")
@click.option("--aliases", type=click.Path(exists=True, dir_okay=False),
              help="A JSON file of extra name aliases.")
@click.option("--events", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A JSON file of extra event types and triggers (repeatable).")
@click.option("--dask", metavar="ADDRESS",
              help="Extract on the dask.distributed cluster whose scheduler is at ADDRESS.")
@click.option("--skipped", "skipped_file", metavar="FILE",
              type=click.File("w", encoding="utf-8", lazy=False),
              help="Write every skipped input to FILE as JSON Lines: path, line, reason.")
@index_option
def index_cmd(paths, no_extract, workers, rebuild, aliases, events, dask, skipped_file, index_dir):
    """Read articles (files, folders, or - for JSONL on stdin) and index them."""
    from .build import iter_build

    stdin = sys.stdin if "-" in paths else None
    progress = iter_build(paths, index_dir=index_dir, extract=not no_extract, workers=workers,
                          rebuild=rebuild, aliases=aliases, events=events, dask=dask,
                          stdin=stdin)
    summary = _drive_progress(progress)
    _report_inputs(summary, skipped_file)
    click.echo(f"{summary.line()} -> {index_dir}", err=True)


def _report_inputs(summary, skipped_file) -> None:
    """Warnings and skipped inputs on stderr (the first few); every skipped one to the file."""
    from .sources import one_line

    for notice in summary.notices[:MAX_SKIP_LINES]:
        click.echo(f"warning: {notice}", err=True)
    if len(summary.notices) > MAX_SKIP_LINES:
        click.echo(f"... and {len(summary.notices) - MAX_SKIP_LINES:,} more warnings", err=True)
    for skipped in summary.skipped[:MAX_SKIP_LINES]:
        click.echo(f"{skipped}", err=True)
    if skipped_file is not None:
        for skipped in summary.skipped:
            skipped_file.write(skipped.to_json() + "\n")
        skipped_file.flush()
    more = len(summary.skipped) - MAX_SKIP_LINES
    where = f"see {one_line(skipped_file.name)}" if skipped_file else "list them all with --skipped FILE"
    if more > 0:
        click.echo(f"... and {more:,} more skipped: {where}", err=True)
    elif skipped_file is not None and summary.skipped:
        click.echo(f"skipped inputs also written to {one_line(skipped_file.name)}", err=True)


def _drive_progress(progress):
    """Run an indexing generator, drawing a bar on stderr when it is a terminal."""
    first = next(progress)
    last = first
    if not sys.stderr.isatty() or first.total < 50:
        for last in progress:
            pass
        return last.summary
    with click.progressbar(length=first.total, label="indexing", file=sys.stderr) as bar:
        for item in progress:
            bar.update(item.done - last.done)
            last = item
    return last.summary


@cli.command()
@search_options
@click.option("--limit", type=click.IntRange(0, 10000), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--explain", is_flag=True, help="Print the parsed query and filters.")
def query(limit, page, as_json, explain, **opts):
    """Search the index: ranked hits with snippets, then facet counts."""
    request = request_from(opts, limit=limit, page=page)
    ix = _open(opts["index_dir"])
    if explain:
        click.echo(ix.explain(request))
        if not as_json:
            click.echo()
    result = ix.run(request)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_result(result)


def _print_result(result) -> None:
    req = result.request
    first = (req.page - 1) * req.limit + 1
    shown = f"{first}-{first + len(result.hits) - 1}" if result.hits else "none"
    matches = "1 article matches" if result.total == 1 else f"{result.total} articles match"
    click.echo(f"{matches} {req.text or '(everything)'!r}; showing {shown}")
    if result.suggestion:
        click.echo(f"did you mean: {result.suggestion}")
    for rank, hit in enumerate(result.hits, start=first):
        click.echo()
        click.secho(f"{rank:>3}. {hit.title}", bold=True)
        click.echo("     " + "  ".join(x for x in (hit.date or "", hit.source, hit.id) if x))
        click.echo("     " + _terminal_snippet(hit.snippet))
        chips = [", ".join(getattr(hit, k)[:4]) for k in ("people", "places", "event_types")]
        chips.append(", ".join(a["text"] for a in hit.amounts if a["kind"] == "money"))
        if any(chips):
            click.echo("     " + " | ".join(c for c in chips if c))
    for name, values in result.facets.items():
        if values:
            click.echo()
            click.secho(f"{FACET_TITLES.get(name, name)}:", bold=True)
            for v in values:
                mark = "[x] " if v.selected else ""
                click.echo(f"  {mark}{v.label or v.value} ({v.count})")


def _terminal_snippet(snippet: str) -> str:
    """An HTML snippet for the terminal: marks shown bold, entities decoded."""
    color = sys.stdout.isatty()

    def mark(m):
        word = html.unescape(m.group(1))
        return click.style(word, bold=True, fg="yellow") if color else f"*{word}*"

    text = re.sub(r"<mark[^>]*>(.*?)</mark>", mark, snippet)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


@cli.command()
@search_options
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write the site into.")
@click.option("--templates", "templates_dir", type=click.Path(exists=True, file_okay=False),
              help="Use your own copies of the templates.")
@click.option("--max-hits", type=click.IntRange(1), default=1000, show_default=True)
def report(out_dir, templates_dir, max_hits, **opts):
    """Write a static HTML result site that opens from disk."""
    from .report import write_report

    request = request_from(opts, limit=max_hits)
    summary = write_report(_open(opts["index_dir"]), request, out_dir,
                           templates_dir=templates_dir, max_hits=max_hits)
    click.echo(summary.line(), err=True)


@cli.command()
@click.argument("searches_file", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write every search's JSON, CSV and report into.")
@click.option("--templates", "templates_dir", type=click.Path(exists=True, file_okay=False),
              help="Use your own copies of the templates.")
@click.option("--max-hits", type=click.IntRange(1), default=1000, show_default=True,
              help="Hits per search, unless the search sets its own limit.")
@click.option("--no-html", is_flag=True, help="Write JSON, CSV and summary.json only.")
@index_option
def batch(searches_file, out_dir, templates_dir, max_hits, no_html, index_dir):
    """Run the named searches of a JSON or TOML file: JSON, CSV and a report for each."""
    from .batch import iter_batch

    summary = None
    for step in iter_batch(index_dir, searches_file, out_dir, templates_dir=templates_dir,
                           max_hits=max_hits, html=not no_html):
        summary = step.summary
        if step.outcome is not None:
            click.echo(step.outcome.line(), err=True)
            for warning in step.outcome.warnings:
                click.echo(f"  warning: {warning}", err=True)
    click.echo(summary.line(), err=True)
    if summary.failed:
        sys.exit(1)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line (the default).")
@click.option("--aliases", type=click.Path(exists=True, dir_okay=False),
              help="A JSON file of extra name aliases.")
@click.option("--events", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A JSON file of extra event types and triggers (repeatable).")
def extract(paths, as_json, aliases, events):
    """Show what extraction finds in each article, one JSON object a line."""
    from .extraction import extract_articles
    from .sources import Skipped, read_articles

    articles = []
    for item in read_articles(paths, stdin=sys.stdin if "-" in paths else None):
        if isinstance(item, Skipped):
            click.echo(str(item), err=True)
        else:
            articles.append(item)
    for article, extraction in extract_articles(articles, aliases=aliases, events=events):
        line = {"id": article.id, "title": article.title, **extraction.to_dict()}
        click.echo(json.dumps(line, ensure_ascii=False))


@cli.command()
@click.argument("field")
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the N most frequent.")
@click.option("--json", "as_json", is_flag=True)
@index_option
def facets(field, limit, as_json, index_dir):
    """The values of one facet over the whole index, with article counts."""
    values = _open(index_dir).facet_values(field, limit=limit)
    if as_json:
        click.echo(json.dumps([v.to_dict() for v in values], ensure_ascii=False, indent=2))
        return
    for v in values:
        click.echo(f"{v.count:>7}  {v.label or v.value}")


@cli.command()
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True)
@index_option
def show(article_id, as_json, index_dir):
    """One indexed article with what extraction found in it."""
    article = _open(index_dir).get(article_id)
    if article is None:
        raise SearchkitError(f"no article with id {article_id!r} in {index_dir}")
    if as_json:
        click.echo(json.dumps(article, ensure_ascii=False, indent=2))
        return
    click.secho(article["title"] or article["id"], bold=True)
    click.echo("  ".join(x for x in (article["date"], article["source"], article["url"],
                                     article["id"]) if x))
    for name in ("people", "places", "orgs", "event_types", "tags"):
        if article[name]:
            click.echo(f"{FACET_TITLES[name]}: {', '.join(article[name])}")
    if article["amounts"]:
        click.echo("Amounts: " + ", ".join(a["text"] for a in article["amounts"]))
    for event in article["events"]:
        click.echo(f"Event {event['type']} ({event['confidence']:.2f}): {event['evidence']}")
    click.echo()
    click.echo(article["text"])


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@index_option
def stats(as_json, index_dir):
    """Article count, values per facet and index size on disk."""
    figures = _open(index_dir).stats()
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    click.echo(f"index: {figures['index']}")
    click.echo(f"articles: {figures['articles']} ({figures['dated_articles']} dated)")
    for name, count in figures["facet_values"].items():
        click.echo(f"{FACET_TITLES.get(name, name)}: {count} values")
    click.echo(f"size on disk: {figures['size_bytes'] / 1e6:.1f} MB")


@cli.command()
@index_option
def check(index_dir):
    """Check that the index opens and every article can be read back."""
    ix = _open(index_dir)
    problems = ix.check()
    for problem in problems:
        click.echo(problem, err=True)
    click.echo(f"{ix.doc_count()} articles, {len(problems)} problems")
    if problems:
        sys.exit(1)


def main(argv=None) -> None:
    """Entry point: run the command, turning errors into messages and exit codes."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="searchkit", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except SearchkitError as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # noqa: BLE001 - the last line of defence for CLI users
        if debug:
            raise
        click.echo(f"error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        sys.exit(1)
