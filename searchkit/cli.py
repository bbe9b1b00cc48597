"""The `searchkit` command: parse options, make one library call, print.

Library errors (SearchkitError) become a one-line message and an exit code; any other
error is reported without a traceback unless --debug is given. The facet options come
from the facet table (facetspec.py); search options become a mapping that
`SearchRequest.from_mapping` checks, as the Python API and batch files do.
"""
from __future__ import annotations

import json
import os
import signal
import sys

import click

from . import facetspec
from .models import SearchkitError
from .output import FORMATS, write_facet_values, write_result

DEFAULT_INDEX = "index"
#: Skipped inputs listed one a line after indexing when no --skipped file is given.
MAX_SKIP_LINES = 20
#: CLI option names of request keys, for messages about them.
OPTION_NAMES = {"from": "--from", "to": "--to", "query": "TEXT", "amount_min": "--amount-min",
                "amount_max": "--amount-max", "min_confidence": "--min-confidence",
                **{s.name: f"--{s.flag}" for s in facetspec.FACETS}}


def index_option(f):
    """--index DIR, defaulting to $SEARCHKIT_INDEX or ./index."""
    return click.option("--index", "index_dir", envvar="SEARCHKIT_INDEX", default=DEFAULT_INDEX,
                        show_default=True, type=click.Path(file_okay=False),
                        help="Index folder (or $SEARCHKIT_INDEX).")(f)


def search_options(f):
    """The query text, one repeatable option per facet (from the facet table) and the
    ranges, match, sort and more-like-this options `query`, `report` share."""
    options = [click.argument("text", required=False, default="")]
    options += [click.option(f"--{s.flag}", s.name, multiple=True, help=s.help + " Repeatable: any of.")
                for s in facetspec.FACETS]
    options += [
        click.option("--from", "date_from", help="Articles dated on or after YYYY[-MM[-DD]]."),
        click.option("--to", "date_to", help="Articles dated on or before YYYY[-MM[-DD]]."),
        click.option("--amount-min", type=float, help="Articles naming a sum of at least X."),
        click.option("--amount-max", type=float, help="Articles naming a sum of at most Y."),
        click.option("--currency", help="Sums in this currency only (EUR, USD, ...)."),
        click.option("--min-confidence", type=click.FloatRange(0, 1),
                     help="Count event types found with at least this confidence (0-1), "
                          "not only those attached to the article."),
        click.option("--match", type=click.Choice(["all", "any"]), default="all", show_default=True,
                     help="Every word must match, or any (ranked by how many)."),
        click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]),
                     default="relevance", show_default=True),
        click.option("--like", metavar="ID", help="Articles similar to this one (more like this)."),
        click.option("--no-collapse", is_flag=True,
                     help="List near-identical articles (wire copies) one by one."),
        index_option,
    ]
    for option in reversed(options):
        f = option(f)
    return f


def request_mapping(opts: dict, **extra) -> dict:
    """The request keys of the shared search options (unset options left out)."""
    data = {"query": opts["text"] or "", "from": opts["date_from"], "to": opts["date_to"],
            "amount_min": opts["amount_min"], "amount_max": opts["amount_max"],
            "currency": opts["currency"], "min_confidence": opts["min_confidence"],
            "match": opts["match"], "sort": opts["sort"], "like": opts["like"],
            "collapse": not opts["no_collapse"], **extra}
    data.update({s.name: list(opts[s.name]) for s in facetspec.FACETS if opts[s.name]})
    return {k: v for k, v in data.items() if v is not None}


def make_request(data: dict):
    """A SearchRequest, or a usage error listing every problem with its option's name."""
    from .models import SearchRequest

    request, problems = SearchRequest.from_mapping(data)
    if problems:
        raise SearchkitError("; ".join(f"{OPTION_NAMES.get(p.key, '--' + p.key.replace('_', '-'))}: "
                                       f"{p.message}" for p in problems), exit_code=2)
    return request


def _open(index_dir):
    from .search import open_index

    return open_index(index_dir)


def use_color(choice: str, stream=None) -> bool:
    """--color: always, never, or auto (a terminal, and NO_COLOR unset: no-color.org)."""
    if choice != "auto":
        return choice == "always"
    stream = stream or sys.stdout
    return stream.isatty() and not os.environ.get("NO_COLOR")


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
@click.option("--workers", default="auto", show_default=True, metavar="N|auto",
              help="Extraction processes: a number, or auto (one per core; about 0.5 GB each).")
@click.option("--rebuild", is_flag=True,
              help="Build the index anew beside the old one; the old one serves until it is done.")
@click.option("--prune", is_flag=True,
              help="Delete articles read earlier from files under PATHS that no longer exist.")
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
def index_cmd(paths, no_extract, workers, rebuild, prune, aliases, events, dask, skipped_file,
              index_dir):
    """Read articles (files, folders, or - for JSONL on stdin) and index them."""
    from .build import iter_build, resolve_workers

    # SIGTERM unwinds like Ctrl-C: the write in progress removes its files, what was
    # committed stays, and the lock is released.
    signal.signal(signal.SIGTERM, _terminated)

    stdin = sys.stdin if "-" in paths else None
    progress = iter_build(paths, index_dir=index_dir, extract=not no_extract,
                          workers=resolve_workers(workers), rebuild=rebuild, prune=prune,
                          aliases=aliases, events=events, dask=dask, stdin=stdin)
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


def _terminated(signum, frame):
    raise KeyboardInterrupt


def _drive_progress(progress):
    """Run an indexing generator, showing a running count on stderr when it is a terminal."""
    last = None
    show = sys.stderr.isatty()
    for last in progress:
        if show and not last.finished:
            click.echo(f"\rindexed {last.done:,} of {last.read:,} read", nl=False, err=True)
    if show and last is not None and last.done:
        click.echo("\r" + " " * 40 + "\r", nl=False, err=True)
    return last.summary


@cli.command()
@search_options
@click.option("--limit", type=click.IntRange(0), default=None, help="Hits a page.  [default: 10]")
@click.option("--page", type=click.IntRange(1), default=None, help="Which page.  [default: 1]")
@click.option("--all", "every", is_flag=True, help="Every hit, streamed (constant memory).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Shorthand for --format json.")
@click.option("--facet-limit", type=click.IntRange(1), default=10, show_default=True,
              help="Values listed per facet.")
@click.option("--explain", is_flag=True,
              help="Show the parsed query and filters (stderr; in the JSON under \"explain\").")
@click.option("--raw-csv", is_flag=True, help="Write CSV cells as they are (no formula guard).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour in the terminal (auto honours NO_COLOR).")
def query(limit, page, every, fmt, as_json, facet_limit, explain, raw_csv, color, **opts):
    """Search the index: ranked hits with snippets, then facet counts."""
    fmt = "json" if as_json else fmt
    if every and (limit is not None or page is not None):
        raise SearchkitError("--all streams every hit: leave out --limit and --page", exit_code=2)
    request = make_request(request_mapping(opts, limit=None if every else 10 if limit is None else limit,
                                           page=page or 1, facet_limit=facet_limit))
    ix = _open(opts["index_dir"])
    explained = ix.explain(request) if explain else None
    out = sys.stdout
    # Run before explaining: a query refused while it is evaluated (a bad date) says so in
    # one line, not after an explanation of a query that never ran.
    if every:  # counts first (no hits), then every hit streamed
        result = ix.run(request.with_(limit=0))
        _explain(explained, fmt)
        _warn(result)
        hits = ix.iter_hits(**_stream_options(request))
        write_result(result, out, fmt, color=use_color(color), raw=raw_csv, explain=explained,
                     hits=hits)
    else:
        result = ix.run(request)
        _explain(explained, fmt)
        _warn(result)
        write_result(result, out, fmt, color=use_color(color), raw=raw_csv, explain=explained)


def _explain(explained: str | None, fmt: str) -> None:
    """The parsed query on stderr (JSON output carries it under "explain" instead)."""
    if explained and fmt != "json":
        click.echo(explained, err=True)


def _warn(result) -> None:
    """Warnings (a filter value that matches nothing, with hints) go to stderr."""
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


def _stream_options(request) -> dict:
    return {"text": request.text, "filters": dict(request.filters), "sort": request.sort,
            "match": request.match, "date_from": request.date_from, "date_to": request.date_to,
            "amount_min": request.amount_min, "amount_max": request.amount_max,
            "currency": request.currency, "like": request.like,
            "min_confidence": request.min_confidence, "collapse": request.collapse}


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

    request = make_request(request_mapping(opts, limit=max_hits))
    summary = write_report(_open(opts["index_dir"]), request, out_dir,
                           templates_dir=templates_dir, max_hits=max_hits)
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)
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
@click.option("--raw-csv", is_flag=True, help="Write CSV cells as they are (no formula guard).")
@index_option
def batch(searches_file, out_dir, templates_dir, max_hits, no_html, raw_csv, index_dir):
    """Run the named searches of a JSON or TOML file: JSON, CSV and a report for each,
    marking hits new since the previous run into the same folder."""
    from .batch import iter_batch

    summary = None
    for step in iter_batch(index_dir, searches_file, out_dir, templates_dir=templates_dir,
                           max_hits=max_hits, html=not no_html, raw_csv=raw_csv):
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

    def articles():
        for item in read_articles(paths, stdin=sys.stdin if "-" in paths else None):
            if isinstance(item, Skipped):
                click.echo(str(item), err=True)
            else:
                yield item

    for article, extraction in extract_articles(articles(), aliases=aliases, events=events):
        line = {"id": article.id, "title": article.title, **extraction.to_dict()}
        click.echo(json.dumps(line, ensure_ascii=False))


@cli.command()
@click.argument("field", type=click.Choice(facetspec.FACET_NAMES), metavar="FIELD")
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the N most frequent.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Shorthand for --format json.")
@click.option("--min-confidence", type=click.FloatRange(0, 1),
              help="For event_types: count types found with at least this confidence.")
@index_option
def facets(field, limit, fmt, as_json, min_confidence, index_dir):
    """The values of one facet (FIELD: people, places, orgs, event_types, amounts, dates,
    sources, tags) over the whole index, with article counts."""
    values = _open(index_dir).facet_values(field, limit=limit, min_confidence=min_confidence)
    write_facet_values(values, sys.stdout, "json" if as_json else fmt)


@cli.command()
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON.")
@index_option
def show(article_id, as_json, index_dir):
    """One indexed article with what extraction found in it."""
    article = _open(index_dir).get(article_id)
    if article is None:
        raise SearchkitError(f"no article with id {article_id!r} in {index_dir}")
    if as_json:
        click.echo(json.dumps(article, ensure_ascii=False, indent=2))
        return
    click.secho(article["title"] or article["id"], bold=use_color("auto"))
    click.echo("  ".join(x for x in (article["date"], article["source"], article["url"],
                                     article["id"]) if x))
    if article["main_event"]:
        click.echo(f"Main event: {article['main_event']}")
    for spec in facetspec.FACETS:
        if spec.name in article and article[spec.name] and spec.kind in ("names", "events", "values"):
            click.echo(f"{spec.label}: {', '.join(article[spec.name])}")
    if article["amounts"]:
        click.echo("Amounts: " + ", ".join(a["text"] for a in article["amounts"]))
    for event in sorted(article["events"], key=lambda e: -e["confidence"]):
        click.echo(f"Event {event['type']} ({event['confidence']:.2f}): {event['evidence']}")
    click.echo()
    click.echo(article["text"])


@cli.group(invoke_without_command=True)
@click.option("--kind", type=click.Choice(["person", "place", "org"]), help="Only this kind.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the N with most articles.")
@click.option("--json", "as_json", is_flag=True, help="Print the entities as JSON.")
@index_option
@click.pass_context
def entities(ctx, kind, limit, as_json, index_dir):
    """The index's entities with their spellings; fix them with merge, split, rename,
    not-a-name (re-resolved in seconds, no NLP)."""
    ctx.obj["index_dir"] = index_dir
    if ctx.invoked_subcommand is not None:
        return
    rows = _open(index_dir).entities(kind)[:limit]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        others = [v for v in row["variants"] if v != row["value"]]
        also = f"  (also: {', '.join(others[:6])}{', ...' if len(others) > 6 else ''})" if others else ""
        click.echo(f"{row['articles']:>7}  {row['kind']:<6}  {row['value']}{also}")


def _entity_edit(op: str, arity: int, help_text: str):
    @click.argument("names", nargs=arity, metavar=" ".join(["NAME"] * arity))
    @click.option("--aliases", type=click.Path(dir_okay=False),
                  help="The alias file to record the edit in (default: INDEX/aliases.json).")
    @click.option("--index", "index_dir", default=None, type=click.Path(file_okay=False),
                  help="Index folder (as `entities --index`; default: that, or ./index).")
    @click.pass_context
    def command(ctx, names, aliases, index_dir):
        from .build import edit_entities

        names = (names,) if isinstance(names, str) else tuple(names)
        path = edit_entities(op, names, index_dir=index_dir or ctx.obj["index_dir"], aliases=aliases)
        click.echo(f"{op} {' / '.join(names)}: recorded in {path}; entities re-resolved", err=True)

    command.__doc__ = help_text
    return entities.command(op)(command)


_entity_edit("merge", 2, "Make two names one entity.")
_entity_edit("split", 1, "Take a name out of its entity (it stands alone).")
_entity_edit("rename", 2, "Show an entity under another name (NAME NEW).")
_entity_edit("not-a-name", 1, "Drop a value from the facets: it is not a name.")


@cli.command()
@click.argument("ids", nargs=-1, required=True)
@index_option
def delete(ids, index_dir):
    """Delete articles from the index by id."""
    from .build import delete_articles

    gone = delete_articles(ids, index_dir=index_dir)
    missing = [i for i in ids if i not in set(gone)]
    for article_id in missing:
        click.echo(f"no article with id {article_id!r} in {index_dir}", err=True)
    click.echo(f"deleted {len(gone)} of {len(ids)}", err=True)
    if missing:
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@index_option
def stats(as_json, index_dir):
    """Article count, values per facet, segments and index size on disk."""
    figures = _open(index_dir).stats()
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    click.echo(f"index: {figures['index']}")
    click.echo(f"articles: {figures['articles']} ({figures['dated_articles']} dated)")
    for name, count in figures["facet_values"].items():
        click.echo(f"{facetspec.spec(name).label}: {count} values")
    click.echo(f"segments: {figures['segments']}")
    click.echo(f"size on disk: {figures['size_bytes'] / 1e6:.1f} MB")


@cli.command()
@click.option("--repair", is_flag=True,
              help="Rebuild what is damaged from the stored articles (no NLP needed).")
@index_option
def check(repair, index_dir):
    """Read every stored article and column file; name what is damaged."""
    from .build import repair as repair_index
    from .store.check import check_index

    report = repair_index(index_dir) if repair else check_index(index_dir)
    for problem in report.problems:
        click.echo(problem, err=True)
    click.echo(report.line())
    if report.problems and not repair:
        click.echo(f"repair with: searchkit check --repair --index {index_dir}", err=True)
        sys.exit(1)


def main(argv=None) -> None:
    """Entry point: run the command, turning errors into messages and exit codes."""
    args, debug = _debug_anywhere(list(argv if argv is not None else sys.argv[1:]))
    try:
        cli.main(args=args, prog_name="searchkit", standalone_mode=False)
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
    except OSError as exc:
        if debug:
            raise
        where = f" ({_one_line(str(exc.filename))})" if exc.filename else ""
        click.echo(f"error: {exc.strerror or exc}{where}", err=True)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - the last line of defence for CLI users
        if debug:
            raise
        click.echo(f"error: {type(exc).__name__}: {_one_line(str(exc))} (run with --debug for details)",
                   err=True)
        sys.exit(1)


def _debug_anywhere(args: list[str]) -> tuple[list[str], bool]:
    """`--debug` is the group's option, but users put it after the command too
    (`searchkit query x --debug`): move it to the front (not after a `--`)."""
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[:end]:
        return args, False
    return ["--debug"] + [a for a in args[:end] if a != "--debug"] + args[end:], True


def _one_line(text: str) -> str:
    """Messages stay one line: control characters (a newline in a file name) escaped."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


if __name__ == "__main__":
    main()
