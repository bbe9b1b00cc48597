"""Dates: normalise_date turns a date in a common format into ISO 8601 (UTC)."""
from __future__ import annotations

import re
import warnings
from datetime import datetime, timezone
from typing import Any

_DEFAULT_A = datetime(2000, 1, 1, 0, 0, 0)
_DEFAULT_B = datetime(2001, 2, 2, 1, 1, 1)
# Zone abbreviations common in feeds that dateutil does not know by itself.
_TZINFOS = {
    "EST": -5 * 3600, "EDT": -4 * 3600, "CST": -6 * 3600, "CDT": -5 * 3600,
    "MST": -7 * 3600, "MDT": -6 * 3600, "PST": -8 * 3600, "PDT": -7 * 3600,
    "BST": 3600, "CET": 3600, "CEST": 7200, "EET": 7200, "EEST": 10800, "MSK": 10800,
}


def normalise_date(value: Any) -> str | None:
    """A date in a common format as ISO 8601: "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS" (UTC).

    Returns None when the value is empty, does not parse, or lacks a year, month or day.

    >>> normalise_date("26-FEB-1987 15:01:01.79"), normalise_date("May 24, 2025")
    ('1987-02-26T15:01:01', '2025-05-24')
    >>> normalise_date("Sat, 24 May 2025 09:00:00 +0300"), normalise_date("soon")
    ('2025-05-24T06:00:00', None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_epoch(value)
    if isinstance(value, datetime):
        return _format(value, has_time=True)
    text = str(value).strip()
    if not text:
        return None
    fast = _fast(text)
    if fast is not None:
        return fast
    from dateutil import parser  # imported here: only reading needs it

    # Strict first; then fuzzy, which passes over stray words ("Updated 24 May 2025",
    # Reuters' "27-MAR-1987 02:17:09.88T C") - only for short strings, to keep it sane.
    for fuzzy in (False, True) if len(text) <= 64 else (False,):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # unknown zone names: parsed as naive
                a = parser.parse(text, default=_DEFAULT_A, tzinfos=_TZINFOS, fuzzy=fuzzy)
                b = parser.parse(text, default=_DEFAULT_B, tzinfos=_TZINFOS, fuzzy=fuzzy)
        except (ValueError, OverflowError, TypeError):
            continue
        # Parsing with two different defaults shows which parts the text really gave.
        if (a.year, a.month, a.day) != (b.year, b.month, b.day):
            return None
        return _format(a, has_time=a.hour == b.hour)
    return None


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_WIRE = re.compile(r"(\d{1,2}-[A-Za-z]{3}-\d{4} \d{2}:\d{2}:\d{2})(?:\.\d+)?")


def _fast(text: str) -> str | None:
    """The two shapes most corpora use, without dateutil's general parser (which costs
    ~0.3 ms a date, most of reading a large JSON Lines file): ISO 8601, and the wire
    form "26-FEB-1987 15:01:01.79". None when the text is neither (or not a real date)."""
    try:
        if _ISO.fullmatch(text):
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return _format(moment, has_time=len(text) > 10)
        wire = _WIRE.fullmatch(text)
        if wire:
            return _format(datetime.strptime(wire[1], "%d-%b-%Y %H:%M:%S"), has_time=True)
    except ValueError:
        return None
    return None


def _from_epoch(seconds: float) -> str | None:
    """Unix time (seconds, or milliseconds when large) as an ISO 8601 UTC string."""
    if seconds > 1e11:
        seconds /= 1000
    try:
        return _format(datetime.fromtimestamp(seconds, tz=timezone.utc), has_time=True)
    except (OverflowError, OSError, ValueError):
        return None


def _format(moment: datetime, *, has_time: bool) -> str:
    """ISO 8601 without offset: UTC time when the moment has a zone; date only if no time."""
    if moment.tzinfo is not None and has_time:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    if not has_time:
        return moment.strftime("%Y-%m-%d")
    return moment.replace(microsecond=0, tzinfo=None).isoformat()
