"""Reading articles: files, folders and stdin in; Article (or Skipped) records out.

    >>> for item in read_articles(["seeds/"]):          # doctest: +SKIP
    ...     print(item.id, item.title) if isinstance(item, Article) else print(item)

With ``notices=True`` a ``Notice(origin, message)`` is yielded too wherever reading had to
assume something (a guessed encoding, bytes replaced); without it notices are logged as
warnings on the ``searchkit.sources`` logger, so callers expecting Article/Skipped only
keep working.

Formats, chosen by file extension (case-insensitive):

- ``.txt``, ``.md``, ``.markdown``: one article. An optional front matter block at the top
  (``---`` line, ``key: value`` lines, ``---`` line) gives title/date/source/url/id and the
  facet fields; values may be quoted, lists written ``[a, b]``, as ``- item`` lines, or as a
  ";"/"|"-separated string. The rest of the file is the text. **Title rule**: without a
  front-matter title, the first non-blank line is the title (and is removed from the text)
  when it is a headline and body text follows it. A headline is a Markdown heading
  (``# Title`` or ``Title`` underlined with ``===``/``---``) or a line of at most 150
  characters that does not end like a sentence (``.`` ``,`` ``;`` ``:``). Otherwise the
  title is "" and the whole file is the text.
- ``.json``: an object (one article) or a list of objects. A list is cut into items at its
  top-level commas before any item is parsed, so a broken, too deeply nested or cut-short
  item costs only itself.
- ``.jsonl``/``.ndjson``: one object a line, streamed; lines of JSON whitespace are ignored.
- ``.csv``/``.tsv``: a header row then one article a row; the delimiter (``,`` ``;`` tab)
  is taken from the header line. Rows are parsed strictly: a quote that opens on one line
  and is never closed properly skips its row (named by the line the quote opened on) and
  parsing starts again on the next line, where a re-read row is trusted only when it has
  as many cells as the header. A quoting slip within one line (``a,"b" c``) is read as
  spreadsheets do. A row holding NUL bytes is skipped alone.
- ``.html``/``.htm``: the main article text and its metadata (title, date, site name as
  source, canonical url, keywords as tags) via trafilatura; comments are left out.
- ``.xml``/``.rss``/``.atom``: an RSS or Atom feed (feedparser), one article per entry: text
  from the entry content (else summary) with HTML tags stripped, date from published
  (else updated), the feed title as source, entry categories as tags. An entry's origin is
  the line its ``<item>``/``<entry>`` tag opens on (the file alone when the tags found do
  not match the entries parsed).
- a folder: every file of a known type below it, recursively, in sorted path order;
  hidden files and folders and unknown extensions are passed over silently (an unknown
  extension named explicitly as a path is reported as Skipped).
- ``-``: JSON Lines from stdin.

Record fields (JSON, JSONL, CSV, front matter; keys are matched case-insensitively):
``id``, ``title`` (or ``headline``), ``date`` (or ``published``, ``published_at``,
``pubdate``), ``source``, ``url`` (or ``link``), ``text`` (or ``body``, ``content``).
The facet fields ``people``, ``places``, ``orgs``, ``event_types``, ``tags`` (a list or a
";"/"|"-separated string) go into ``Article.given`` as tuples; every other field goes into
``Article.meta`` unchanged. JSON null becomes "" (title, source, url) or None (date).

**Ids** are stable across runs: the record's own ``id`` when it has one; else, for a file
holding one article, the slug of its path relative to the folder argument without the
extension (``seeds/2025/kyiv-attack.md`` read as ``seeds/`` -> ``2025-kyiv-attack``; the same
file named directly -> ``kyiv-attack``); for records of a multi-record file,
``<file-slug>-<n>`` where n is the line number (JSONL, CSV), the item number (JSON list) or
the entry number (feeds); for stdin records, ``doc-`` and a hash of title and text.
Ids are not de-duplicated here: a corpus may repeat an id (ukraine_war.jsonl does), and
what a repeat means (update, unchanged) is the index's call.

**Dates** are parsed with python-dateutil (month-first when ambiguous) into "YYYY-MM-DD"
when the input has no time of day, else "YYYY-MM-DDTHH:MM:SS" converted to UTC with the
offset dropped. A date that does not parse, or lacks year, month or day, becomes None (the
article is kept and the original string is put into ``meta["date_raw"]``).

**Encodings** (text, JSON, JSON Lines, CSV, feeds; HTML pages are left to trafilatura
except UTF-16/32): a byte-order mark (UTF-8, UTF-16 and UTF-32, either byte order) is
obeyed; UTF-16/32 without one is recognised by where NUL bytes fall; a feed's XML
declaration is honoured when the bytes agree with it; then UTF-8; else the legacy charset
(cp1251, KOI8-R, Shift-JIS, EUC-JP, latin-1...) is guessed by charset-normalizer among
the charsets that keep ASCII as ASCII, and a Notice says so ("path: not UTF-8; read as
koi8-r (guessed)"). A guess for UTF-16/32 without a mark is announced too. Text that is
mostly UTF-8 with a few bad bytes is UTF-8 with damage, not another charset: in a whole
file the bad bytes become U+FFFD (with a Notice naming the first line), in JSON Lines and
CSV the damaged line or row is skipped. JSON Lines and CSV decode each line on its own,
so UTF-8 lines stay UTF-8 in a file whose other lines are in a legacy charset. Lone
surrogates (JSON ``"\ud800"`` escapes) become U+FFFD: no index can store them.

**Bad input** never raises: an unreadable, empty, binary or malformed file, a broken line
or a record without text yields ``Skipped("path:line" or "path", reason)`` and reading goes
on. Whatever one record raises (RecursionError from deep nesting, ValueError from a
number of more than 4,300 digits, MemoryError, UnicodeError, anything) costs that record
only, with a reason in words. A file is binary when most lines of its first 64 KiB hold
control bytes such as NUL and those make up more than 1% of it; a stray NUL makes
nothing binary. Files read whole (text, JSON, HTML, feeds) stop at 512 MiB; a line of
JSON Lines or CSV longer than 64 MiB is skipped unread. ``str(skipped)`` is
``path:line: reason`` on one line whatever the file name: control characters, line
separators and bidirectional overrides are escaped as Python writes them (``\n``,
``\x1b``, ``\u202e``), bytes of a name that is not UTF-8 as ``\xe9``;
``Skipped.path``, ``Skipped.line`` and ``Skipped.to_json()`` (``{"path", "line",
"reason"}``) give the parts. Only a path that does not exist raises SearchkitError,
before anything is read.

Modules: this one walks paths and folders and picks a reader by extension; ``messages``
holds Skipped, Notice and the one-line escaping; ``encoding`` turns bytes into text,
``lines`` streams line formats; ``records`` maps a record to an Article, ``dates``
normalises dates, ``text`` reads .txt/.md, ``structured`` JSON, JSON Lines and stdin,
``tabular`` CSV/TSV, ``web`` HTML pages and feeds.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import unicodedata
from pathlib import Path, PurePath
from typing import Iterable, Iterator, TextIO

from ..models import Article, SearchkitError
from .dates import normalise_date
from .messages import Notice, Skipped, describe_error, one_line
from .records import FIELD_KEYS
from .structured import STDIN_ORIGIN, _read_json, _read_jsonl, _read_stdin
from .tabular import _read_csv
from .text import _read_textfile
from .web import _read_feed, _read_html

__all__ = ["Skipped", "Notice", "read_articles", "normalise_date", "one_line", "FIELD_KEYS",
           "STDIN_ORIGIN"]

_log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- entry point


def read_articles(
    paths: Iterable[str], *, stdin: TextIO | None = None, notices: bool = False
) -> Iterator[Article | Skipped | Notice]:
    """Yield an Article for every readable record, a Skipped for every bad one, in input order.

    `paths` are files, folders, or "-" for JSON Lines on `stdin` (default `sys.stdin`).
    With `notices=True` a Notice is yielded too wherever reading had to assume something
    (a guessed encoding); otherwise notices go to the "searchkit.sources" logger as
    warnings, so callers that expect only Article and Skipped keep working.
    Raises SearchkitError at once when a path does not exist; nothing else raises.

    >>> [a.title for a in read_articles(["seeds/"]) if isinstance(a, Article)]  # doctest: +SKIP
    ['Escalating Tensions: Kyiv Faces Heavy Attacks Amid Ongoing Peace Talks']
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]  # one path given bare: do not iterate its characters
    targets = [os.fspath(p) for p in paths]
    for target in targets:
        if target != "-" and not _exists(target):
            raise SearchkitError(f"no such file or folder: {one_line(target)}", exit_code=2)
    items = _read_targets(targets, stdin)
    return items if notices else _log_notices(items)


def _log_notices(items: Iterator[Article | Skipped | Notice]) -> Iterator[Article | Skipped]:
    for item in items:
        if isinstance(item, Notice):
            _log.warning("%s", item)
        else:
            yield item


def _exists(path: str) -> bool:
    """Whether a path exists; a path we may not even stat counts (reading reports it)."""
    try:
        return Path(path).exists()
    except (OSError, ValueError):  # ValueError: a NUL in the path
        return True


def _read_targets(targets: list[str], stdin: TextIO | None) -> Iterator[Article | Skipped | Notice]:
    """Read each target in turn: stdin, a folder or a file."""
    for target in targets:
        if target == "-":
            yield from _read_stdin(stdin if stdin is not None else sys.stdin)
        elif Path(target).is_dir():
            yield from _read_folder(target)
        else:
            path = Path(target)
            yield from _read_file(path, slug=_slug(PurePath(path.name)), explicit=True)


# --------------------------------------------------------------------------- files and folders


def _read_folder(root: str) -> Iterator[Article | Skipped | Notice]:
    """Read every known file below `root`, sorted, leaving out hidden and unknown files."""
    errors: list[OSError] = []
    found: list[PurePath] = []
    for folder, dirs, files in os.walk(root, onerror=errors.append):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel_folder = PurePath(os.path.relpath(folder, root))
        for name in files:
            if not name.startswith(".") and _reader_for(name) is not None:
                found.append(rel_folder / name)
    for err in errors:
        yield Skipped(str(err.filename or root), f"cannot read folder: {err.strerror or err}")
    for rel in sorted(found, key=lambda p: p.parts):
        yield from _read_file(Path(root) / rel, slug=_slug(rel), explicit=False)


def _read_file(path: Path, *, slug: str, explicit: bool) -> Iterator[Article | Skipped | Notice]:
    """Read one file with the reader for its extension; never raises."""
    reader = _reader_for(path.name)
    if reader is None:
        if explicit:
            kind = path.suffix.lower() or "(no extension)"
            yield Skipped(str(path), f"unsupported file type {kind}; supported: {_supported()}")
        return
    if path.exists() and not path.is_file():
        # a FIFO or device would block or never end; only regular files are read
        yield Skipped(str(path), "not a regular file")
        return
    try:
        yield from reader(path, slug)
    except Exception as err:  # noqa: BLE001 - contract: one bad file never stops a run
        yield Skipped(str(path), describe_error(err))


def _reader_for(name: str):
    """The reader function for a file name, or None when the type is unknown."""
    return _READERS.get(PurePath(name).suffix.lower())


def _supported() -> str:
    return " ".join(sorted(_READERS))


def _slug(rel: PurePath) -> str:
    """A stable id from a relative path: lower-case words joined by "-", no extension.

    >>> _slug(PurePath("2025/Kyiv Attack.md"))
    '2025-kyiv-attack'
    """
    stem = rel.with_suffix("") if rel.suffix else rel
    text = unicodedata.normalize("NFKC", "-".join(stem.parts)).lower()
    slug = re.sub(r"[\W_]+", "-", text).strip("-")
    return slug or "file-" + hashlib.sha256(str(rel).encode()).hexdigest()[:12]


# --------------------------------------------------------------------------- registry

_READERS = {
    ".txt": _read_textfile,
    ".md": _read_textfile,
    ".markdown": _read_textfile,
    ".json": _read_json,
    ".jsonl": _read_jsonl,
    ".ndjson": _read_jsonl,
    ".csv": _read_csv,
    ".tsv": _read_csv,
    ".html": _read_html,
    ".htm": _read_html,
    ".xml": _read_feed,
    ".rss": _read_feed,
    ".atom": _read_feed,
}
