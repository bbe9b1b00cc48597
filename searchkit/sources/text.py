"""Text and Markdown files: optional front matter, a headline title, then the text."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from ..models import GIVEN_FACETS, Article
from .messages import Notice, Skipped, _Bad, _BadLine, _guard
from .records import _article_or_skip, _as_str, _read_text

_MAX_HEADLINE = 150


def _read_textfile(path: Path, slug: str) -> Iterator[Article | Skipped | Notice]:
    """A .txt or .md file: optional front matter, a headline title, then the text."""

    def read():
        text, notices = _read_text(path)
        yield from notices
        fields, body = _front_matter(text)
        if not _as_str(fields.get("title")):
            fields["title"], body = _split_headline(body)
        for key in ("text", "body", "content"):
            if key in fields:  # the file body is the text; a stray field is kept as metadata
                fields[f"front_matter_{key}"] = fields.pop(key)
        if not body.strip():
            raise _Bad("no text after the title and front matter")
        fields["text"] = body
        yield _article_or_skip(fields, origin=str(path), default_id=slug)

    yield from _guard(str(path), read)


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split `---` front matter from the body: (fields, body)."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise _Bad("front matter opened with '---' on line 1 is never closed")
    fields: dict[str, Any] = {}
    key = None
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = re.match(r"\s*-\s+(.*)$", line)
        if item and key is not None and isinstance(fields[key], list):
            fields[key].append(_unquote(item.group(1)))
            continue
        pair = re.match(r"([A-Za-z_][\w-]*)\s*:(?:\s+(.*))?$", line.rstrip())
        if not pair:
            raise _BadLine(number, "front matter line is not 'key: value'")
        key, raw = pair.group(1).lower(), (pair.group(2) or "").strip()
        fields[key] = _front_value(raw) if raw else []  # empty: a "- item" list may follow
    for name, value in fields.items():
        if value == [] and name not in GIVEN_FACETS:
            fields[name] = ""
    return fields, "\n".join(lines[end + 1:])


def _front_value(raw: str) -> Any:
    """One front matter value: an inline [list] or a (possibly quoted) scalar."""
    if raw.startswith("[") and raw.endswith("]"):
        parts = re.findall(r"\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'|[^,]+)\s*(?:,|$)", raw[1:-1])
        return [_unquote(p) for p in parts if p.strip()]
    return _unquote(raw)


def _unquote(raw: str) -> str:
    """Strip YAML-style quotes: "..." (with backslash escapes) or '...' ('' is a quote)."""
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        try:
            return json.loads(raw)
        except ValueError:
            return raw[1:-1]
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1].replace("''", "'")
    return raw


def _split_headline(body: str) -> tuple[str, str]:
    """(title, rest) when the first non-blank line is a headline with text after it, else ("", body)."""
    lines = body.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return "", body
    line = lines[first].strip()
    heading = re.match(r"#{1,6}\s+(.*?)(?:\s+#+)?\s*$", line)
    following = lines[first + 1].strip() if first + 1 < len(lines) else ""
    if heading:
        title, rest = heading.group(1), lines[first + 1:]
    elif len(following) >= 3 and re.fullmatch(r"=+|-+", following):
        title, rest = line, lines[first + 2:]  # a setext heading: title underlined
    elif _is_headline(line):
        title, rest = line, lines[first + 1:]
    else:
        return "", body
    rest_text = "\n".join(rest)
    if not rest_text.strip() or not title.strip():
        return "", body  # a lone line is the text itself, not a title
    return title.strip(), rest_text


def _is_headline(line: str) -> bool:
    """A short line that does not end like a sentence or lead into one."""
    tail = line.rstrip("\"'\u201d\u2019)]*_")
    return 0 < len(line) <= _MAX_HEADLINE and not tail.endswith((".", ",", ";", ":"))
