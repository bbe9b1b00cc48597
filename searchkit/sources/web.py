"""Web formats: HTML pages via trafilatura, RSS and Atom feeds via feedparser (both imported lazily)."""
from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..models import Article
from .dates import _format, normalise_date
from .encoding import NotText, check_text
from .messages import Notice, Skipped, _Bad, _guard, describe_error
from .records import _article_or_skip, _as_str, _as_text, _read_bytes, _read_text


# --------------------------------------------------------------------------- HTML pages


def _read_html(path: Path, slug: str) -> Iterator[Article | Skipped | Notice]:
    """An .html page: main text and metadata via trafilatura (bytes in, so it finds the charset)."""

    def read():
        data = _read_bytes(path)
        try:
            unicode = check_text(data, complete=True)
        except NotText as err:
            raise _Bad(str(err)) from None
        if unicode and unicode.guess:
            yield Notice(str(path), unicode.guess)
        # trafilatura finds 8-bit charsets itself (meta tags) but not UTF-16/32
        wide = unicode is not None and unicode.codec != "utf-8-sig"
        doc = _extract_html(data.decode(unicode.codec, "replace") if wide else data)
        text = _as_text(doc.get("text")) if doc else ""
        if not text:
            raise _Bad("no article text found in the HTML page")
        title = _as_str(doc.get("title"))
        record = {
            "title": title,
            "date": doc.get("date"),
            "source": doc.get("sitename") or doc.get("hostname"),
            "url": doc.get("url"),
            "text": _drop_first_line_if(text, title),
            "tags": [t for tag in doc.get("tags") or [] for t in re.split(r"[,;|]", tag)],
        }
        for key in ("author", "description", "categories", "language"):
            if doc.get(key):
                record[key] = doc[key]
        yield _article_or_skip(record, origin=str(path), default_id=slug)

    yield from _guard(str(path), read)


def _extract_html(data: bytes | str) -> dict[str, Any] | None:
    """trafilatura's text and metadata of a page as a dict, or None when it finds none."""
    import trafilatura  # imported here: heavy, and only HTML needs it

    doc = trafilatura.bare_extraction(
        data,
        with_metadata=True,
        include_comments=False,
        # dates only from the page's metadata and markup, not guessed from the body text
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if doc is None:
        return None
    return doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)


def _drop_first_line_if(text: str, title: str) -> str:
    """The text without its first line when that line repeats the title (the page's <h1>)."""
    first, _, rest = text.partition("\n")
    if title and first.strip() == title and rest.strip():
        return rest.strip()
    return text


# --------------------------------------------------------------------------- RSS and Atom feeds


def _read_feed(path: Path, slug: str) -> Iterator[Article | Skipped | Notice]:
    """An RSS/Atom feed: one article per entry, origin the line the entry starts on.

    We decode the bytes ourselves (byte-order mark, UTF-16/32, the charset the XML
    declaration names, UTF-8, else a guess with a warning) and hand feedparser UTF-8.
    """
    origin = str(path)

    def read():
        import feedparser  # imported here: only feeds need it

        text, notices = _read_text(path, find_declared=_declared_charset)
        yield from notices
        parsed = feedparser.parse(_as_utf8_xml(text))
        if not parsed.entries:
            if not parsed.version:
                problem = parsed.get("bozo_exception")
                raise _Bad("not an RSS or Atom feed" + (f" ({problem})" if problem else ""))
            raise _Bad("feed has no entries")
        source = _strip_html(parsed.feed.get("title", ""))
        lines = _entry_lines(text, len(parsed.entries))
        for number, entry in enumerate(parsed.entries, start=1):
            where = f"{origin}:{lines[number - 1]}" if lines else origin
            yield _entry_article(entry, source, where, default_id=f"{slug}-{number}", number=number)

    yield from _guard(origin, read)


def _entry_article(entry: Mapping[str, Any], source: str, where: str, *, default_id: str,
                   number: int) -> Article | Skipped:
    """One feed entry as an Article, or a Skipped naming the entry."""
    try:
        item = _article_or_skip(_entry_record(entry, source), origin=where, default_id=default_id)
    except Exception as err:  # noqa: BLE001 - one odd entry never costs the others
        item = Skipped(where, describe_error(err))
    if isinstance(item, Skipped):
        item = Skipped(where, f"entry {number}: {item.reason}")
    return item


_XML_DECLARATION = re.compile(r"\A\ufeff?\s*<\?xml[^>]*\?>")
_DECLARED = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([^\"']{1,40})[\"']")
_ENTRY_TAG = re.compile(r"<(?:[\w.-]+:)?(?:item|entry)[\s>/]")


def _declared_charset(data: bytes) -> str | None:
    """The encoding an XML declaration names, if any.

    A declaration we could read byte by byte as ASCII cannot be in UTF-16 or UTF-32,
    whatever it says (a feed re-encoded without updating it): that claim is ignored.
    """
    match = _DECLARED.match(data[:1024])
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace").strip()
    return None if re.match(r"(?i)(utf|ucs)-?(16|32|2|4)", name) else name


def _as_utf8_xml(text: str) -> bytes:
    """The feed as UTF-8 bytes, its XML declaration saying so."""
    declaration = '<?xml version="1.0" encoding="utf-8"?>'
    if _XML_DECLARATION.match(text):
        text = _XML_DECLARATION.sub(declaration, text, count=1)
    return text.encode("utf-8")


def _entry_lines(text: str, count: int) -> list[int] | None:
    """The line each <item>/<entry> starts on, when the tags found match the entries parsed."""
    starts = [match.start() for match in _ENTRY_TAG.finditer(text)]
    if len(starts) != count:
        return None
    lines, line, pos = [], 1, 0
    for start in starts:
        line += text.count("\n", pos, start)
        pos = start
        lines.append(line)
    return lines


def _entry_record(entry: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The record fields of one feed entry."""
    record: dict[str, Any] = {
        "id": entry.get("id"),
        "title": _strip_html(entry.get("title", "")),
        "date": _entry_date(entry),
        "source": source,
        "url": entry.get("link"),
        "text": _entry_text(entry),
        "tags": [t.get("term") or t.get("label") for t in entry.get("tags") or []],
    }
    if entry.get("author"):
        record["author"] = entry["author"]
    return record


def _entry_date(entry: Mapping[str, Any]) -> str | None:
    """Published, else updated: our own parse of the string, else feedparser's UTC tuple."""
    for key in ("published", "updated"):
        date = normalise_date(entry.get(key))
        if date:
            return date
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            return _format(datetime(*parsed[:6]), has_time=True)
    return None


def _entry_text(entry: Mapping[str, Any]) -> str:
    """The longest content block of an entry, else its summary, as plain text."""
    blocks = [c for c in entry.get("content") or [] if c.get("value")]
    if blocks:
        best = max(blocks, key=lambda c: len(c["value"]))
        value, kind = best["value"], best.get("type", "text/html")
    else:
        detail = entry.get("summary_detail") or {}
        value, kind = entry.get("summary", ""), detail.get("type", "text/html")
    return value.strip() if kind == "text/plain" else _strip_html(value)


class _TextOnly(HTMLParser):
    """Collects the text of an HTML fragment; block tags become line breaks."""

    BLOCKS = {"p", "div", "br", "li", "ul", "ol", "tr", "blockquote", "pre", "section",
              "article", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "table"}
    HIDDEN = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def _strip_html(fragment: str) -> str:
    """Plain text of an HTML fragment: tags removed, entities decoded, one paragraph a line."""
    if not fragment:
        return ""
    parser = _TextOnly()
    parser.feed(fragment)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)
