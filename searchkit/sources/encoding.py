"""Bytes to text: byte-order marks, UTF-16/32 without one, UTF-8, and a guess for the rest.

Whole files (text, JSON, feeds) are decoded at once by `decode_whole`; line formats
(JSON Lines, CSV, stdin) are streamed by `lines.TextLines`, which decides from the first
MiB. Undecodable bytes in a stream never raise: they become the lone surrogates
U+DC00..U+DCFF (one per byte, see `has_bad_bytes`), so the record holding them can be
refused alone.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

#: How much of a streamed file decides its encoding.
SAMPLE_BYTES = 1 << 20

# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0 controls that never occur in text (tab, newlines, form feed and ESC do).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
#: How much of the start of a file tells UTF-16/32 and binary files apart.
_HEAD_BYTES = 1 << 16
_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_HIGH_BYTES = bytes(range(0x80, 0x100))
_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n\r"
_BAD_BYTE = re.compile("[\udc00-\udcff]")
ESCAPE_BYTES = "searchkit-bytes"


def _escape_bytes(err: UnicodeError):
    """Decode error handler: each bad byte b becomes U+DC00+b (surrogateescape stops at 0x80)."""
    if isinstance(err, UnicodeDecodeError):
        return "".join(chr(0xDC00 + b) for b in err.object[err.start:err.end]), err.end
    raise err


codecs.register_error(ESCAPE_BYTES, _escape_bytes)


class NotText(Exception):
    """The bytes are not text in any encoding we can tell (binary, or empty)."""


@dataclass(frozen=True)
class Encoding:
    """A Python codec and, when it had to be guessed, the warning to give ("" when sure)."""

    codec: str
    guess: str = ""

    @property
    def label(self) -> str:
        """The name to show: "UTF-8" rather than "utf-8-sig"."""
        return {"utf-8-sig": "UTF-8", "utf-8": "UTF-8"}.get(self.codec, self.codec)


def choose_encoding(sample: bytes, *, complete: bool, declared: str | None = None) -> Encoding:
    """The encoding of `sample` (the whole file when `complete`, else its head).

    Order: a byte-order mark; UTF-16/32 told by where the NUL bytes fall; binary refused;
    the encoding the document declares (feeds); UTF-8; and last a guess by
    charset-normalizer, which carries a warning. Raises NotText for empty or binary data.

    >>> choose_encoding("Привет, мир".encode("utf-16-le"), complete=True).codec
    'utf-16-le'
    """
    unicode = check_text(sample, complete=complete)
    if unicode is not None:
        return unicode
    problem = ""
    if declared:
        if not _known_codec(declared):
            problem = f"declares an encoding Python does not know ({declared})"
        elif decodes(sample, declared, complete):
            return Encoding(declared)
        else:
            problem = f"declared as {declared} but is not"
    if decodes(sample, "utf-8", complete):
        return Encoding("utf-8")
    if not problem and mostly_utf8(sample):
        return Encoding("utf-8")  # UTF-8 with a few damaged bytes: the readers say where
    guessed = detect_legacy(sample)
    if guessed is None:
        return Encoding("utf-8")
    return Encoding(guessed, f"{problem or 'not UTF-8'}; read as {guessed} (guessed)")


def check_text(sample: bytes, *, complete: bool) -> Encoding | None:
    """Refuse empty or binary data (NotText); return the encoding when the data carries
    a byte-order mark or is UTF-16/32 without one, else None."""
    if not sample.strip():
        raise NotText("empty file")
    for bom, codec in _BOMS:
        if sample.startswith(bom):
            return Encoding(codec)
    head = sample[:_HEAD_BYTES]
    wide = _wide_unicode(head, complete and len(sample) <= _HEAD_BYTES)
    if wide:
        return Encoding(wide, f"no byte-order mark; read as {wide} (guessed)")
    if _looks_binary(head):
        raise NotText("binary file (control bytes such as NUL on most lines)")
    return None


def decode_whole(data: bytes, *, declared: str | None = None) -> tuple[str, list[str]]:
    """A whole file as text, and warnings: a guessed encoding, bytes replaced by U+FFFD.

    Raises NotText for empty or binary data.
    """
    encoding = choose_encoding(data, complete=True, declared=declared)
    warnings = [encoding.guess] if encoding.guess else []
    try:
        return data.decode(encoding.codec), warnings
    except UnicodeDecodeError as err:
        line = data[:err.start].decode(encoding.codec, "replace").count("\n") + 1
        text = data.decode(encoding.codec, "replace")
        warnings.append(f"bytes that are not valid {encoding.label} were replaced by \ufffd "
                        f"(the first on line {line})")
        return text, warnings


def has_bad_bytes(text: str) -> bool:
    """Whether `text` holds bytes that did not decode (escaped with ESCAPE_BYTES)."""
    return not text.isascii() and not _encodable(text) and _BAD_BYTE.search(text) is not None


def _encodable(text: str) -> bool:
    """Whether `text` holds no surrogate at all (the fast way to rule them out)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --------------------------------------------------------------------------- detection


def _wide_unicode(sample: bytes, complete: bool) -> str | None:
    """UTF-32 or UTF-16 without a byte-order mark, told by where NUL bytes fall.

    Characters below U+0100 (ASCII: spaces, digits, markup) leave a NUL in the high
    byte(s) of their unit, so one byte position of the unit is NUL far more often than
    the other; text in an 8-bit encoding has NULs nowhere or everywhere. The high bytes
    of UTF-16 text come from one or two script blocks (NUL and, say, 0x04 for Cyrillic),
    which stray NULs among ASCII never mimic.
    """
    size = len(sample) - len(sample) % 4
    if size < 16:
        return None
    nul = [sample[i:size:4].count(0) / (size // 4) for i in range(4)]
    candidates = []
    if nul[2] > 0.9 and nul[3] > 0.95 and nul[0] < 0.5:
        candidates.append("utf-32-le")
    if nul[0] > 0.95 and nul[1] > 0.9 and nul[3] < 0.5:
        candidates.append("utf-32-be")
    odd, even = (nul[1] + nul[3]) / 2, (nul[0] + nul[2]) / 2
    if _utf16_high(odd, even, sample[1:size:2]):
        candidates.append("utf-16-le")
    if _utf16_high(even, odd, sample[0:size:2]):
        candidates.append("utf-16-be")
    return next((c for c in candidates if _reads_as_text(sample, c, complete)), None)


def _utf16_high(high_nul: float, low_nul: float, high_bytes: bytes) -> bool:
    """Whether these are the high bytes of UTF-16 units: NUL in half of them or more
    (Latin text, markup), or in a tenth and the rest from one script block."""
    if high_nul < 0.1 or low_nul > high_nul / 10:
        return False
    if high_nul >= 0.5:
        return True
    counts = sorted((high_bytes.count(value) for value in set(high_bytes)), reverse=True)
    return sum(counts[:2]) >= 0.9 * len(high_bytes)


def _reads_as_text(sample: bytes, codec: str, complete: bool) -> bool:
    """Whether `sample` decodes in `codec` to text, not to control characters (a dump of
    small 16-bit numbers has the NUL pattern of UTF-16 too)."""
    try:
        text = codecs.getincrementaldecoder(codec)().decode(sample, final=complete)
    except UnicodeDecodeError:
        return False
    return len(_CONTROL_CHARS.findall(text)) * 100 <= len(text)


def _looks_binary(sample: bytes) -> bool:
    """Most lines hold control bytes, and they are more than 1% of the bytes.

    A text file with a stray NUL (a bad CSV row) is still text; its bad line is refused
    on its own by the reader.
    """
    controls = len(_CONTROL_BYTES.findall(sample))
    if controls * 100 <= len(sample):
        return False
    lines = [line for line in sample.split(b"\n") if line.strip()]
    tainted = sum(1 for line in lines if _CONTROL_BYTES.search(line))
    return tainted * 2 > len(lines)


def decodes(sample: bytes, codec: str, complete: bool = True) -> bool:
    """Whether `sample` is valid in `codec` (a head may end inside a character)."""
    try:
        codecs.getincrementaldecoder(codec)().decode(sample, final=complete)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _known_codec(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def mostly_utf8(sample: bytes) -> bool:
    """More valid UTF-8 sequences than stray high bytes: UTF-8 with damage, not a legacy charset."""
    valid = _UTF8_MULTIBYTE.findall(sample)
    high = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    stray = high - sum(len(seq) for seq in valid)
    return len(valid) > stray


#: How much of a sample the candidates' readings are compared on.
SCORED_BYTES = 1 << 16
_NON_ASCII = re.compile("[^\x00-\x7f]")
#: Code pages tried besides charset-normalizer's guesses (Western, Central European, Cyrillic).
USUAL_LEGACY = tuple(codecs.lookup(c).name for c in ("cp1252", "cp1250", "cp1251", "koi8-r"))
#: The marked letters of the languages legacy news archives are written in (lower case).
#: A text is in one language, so a decoding whose marked letters no single alphabet holds
#: ("Pøedseda" for Czech "Předseda", "espańol" for "español") is the wrong code page.
ALPHABETS = {
    "French": "àâæçéèêëîïôœùûüÿ", "German": "äöüß", "Spanish": "áéíñóúü",
    "Portuguese": "áâãàçéêíóôõú", "Italian": "àèéìíòóùú", "Catalan": "àçèéíïòóúü",
    "Dutch": "éëïöü", "Danish/Norwegian": "æøåé", "Swedish/Finnish": "åäöé",
    "Icelandic": "áðéíóúýþæö", "Polish": "ąćęłńóśźż", "Czech": "áčďéěíňóřšťúůýž",
    "Slovak": "áäčďéíĺľňóôŕšťúýž", "Hungarian": "áéíóöőúüű", "Romanian": "ăâîșțşţ",
    "Croatian/Slovene/Serbian": "čćđšž", "Turkish": "çğıöşü", "Lithuanian": "ąčęėįšųūž",
    "Latvian": "āčēģīķļņšūž", "Estonian": "äöõüšž", "Albanian": "çë", "Maltese": "ċġħż",
}
_ALPHABETS = [set(letters) for letters in ALPHABETS.values()]
#: Marks that may touch a letter in text: apostrophes and quotes, dashes, the degree sign.
_TOUCHING = set("’‘“”„«»–—…·°")
#: Of those, the ones written between two letters of a word ("L’été", Catalan "col·legi").
_INSIDE_WORDS = set("’·")


def detect_legacy(sample: bytes) -> str | None:
    """The legacy codec `sample` reads best in (a Python codec name), or None.

    Candidates: the Windows code pages most legacy news was written in, then
    charset-normalizer's guesses; only those that keep ASCII as ASCII (callers have ruled
    out UTF-16/32, so the markup, digits and line breaks of the file are ASCII bytes: a
    guess that reads them as something else, EBCDIC or UTF-7, is wrong). The first
    candidate with the fewest implausible characters wins: on short texts
    charset-normalizer often ranks cp1250, cp852 or cp775 first for French, Spanish or
    German ("chanceličre ŕ Genčve", "M³nchen", "Moralesˇ"), which read worse than cp1252.
    """
    from charset_normalizer import from_bytes  # imported here: only undeclared legacy text needs it

    guesses = [codecs.lookup(match.encoding).name for match in from_bytes(sample)]
    candidates = [c for c in dict.fromkeys([*USUAL_LEGACY, *guesses])
                  if c != "utf-8" and _keeps_ascii(c) and decodes(sample, c, complete=False)]
    if not candidates:
        return None
    scored = sample[:SCORED_BYTES]
    return min(candidates, key=lambda c: _implausible(scored.decode(c, errors="replace")))


def _cased(ch: str) -> bool:
    """A letter of an alphabet with cases (Latin, Cyrillic, Greek...), not a CJK sign."""
    return ch.isupper() or ch.islower()


def _implausible(text: str) -> int:
    """How badly a decoding reads: symbols stuck to a letter ("M³nchen", "£ukaszenko"),
    upper case inside a lower-case word (KOI8-R read as cp1251: "рТЕЪЙДЕОФ"), the
    replacement mark, and the marked Latin letters that the alphabet fitting the text
    best does not hold."""
    odd = text.count("\ufffd")
    marked: dict[str, int] = {}
    for found in _NON_ASCII.finditer(text):
        i, ch = found.start(), found.group()
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if ch in _TOUCHING:  # a dash or quote between two letters is no punctuation ("st—det")
            odd += ch not in _INSIDE_WORDS and _cased(before) and _cased(after)
        elif ch.isalpha() and not _cased(ch):
            odd += _cased(before) or _cased(after)  # "Moralesˇ": a sign of no alphabet in a word
        elif ch.isalpha():
            if ch.isupper() and before.islower():
                odd += 1
            if "LATIN" in unicodedata.name(ch, ""):
                marked[ch.lower()] = marked.get(ch.lower(), 0) + 1
        elif _cased(before) or _cased(after):  # CJK writes punctuation against its signs
            odd += 1
    if marked:
        odd += min(sum(n for ch, n in marked.items() if ch not in alphabet) for alphabet in _ALPHABETS)
    return odd


def _keeps_ascii(codec: str) -> bool:
    try:
        return _ASCII.decode(codec) == _ASCII.decode("ascii")
    except UnicodeDecodeError:
        return False
