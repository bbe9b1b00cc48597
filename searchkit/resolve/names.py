"""Name keys: the forms under which spellings of one name meet.

- `fold("Al-Qaeda")` == `fold("al Qaeda")` == "al qaeda": ASCII (anyascii transliterates
  "Zełenski", "Łukaszenko", Cyrillic and Greek), case-folded, hyphens and dots dropped;
- `romanised("Zacharowa")` == `romanised("Zakharova")`: a token rewritten by the
  romanisation rules, so Polish, German, Ukrainian and Russian spellings meet;
- `skeleton(...)`: the romanised token without vowels or doubled letters ("Peskov" and
  "Pieskov" -> "pskv"), the blocking key: only names that share one are compared;
- `Name`: a parsed person or organisation name (words, given name, surname, core).

    >>> fold("Vladimir] Putin"), romanised("Zełenski"), skeleton("Zelenskyy")
    ('vladimir putin', 'selenski', 'slnsk')
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz.distance import Levenshtein

# The given-name list extraction loads (shared so that it is read once a process); the
# functions below live here, not in extraction/, so that adding them left the extraction
# digest (extraction/version.py) and every index's extracted facets as they were.
from ..extraction.given_names import _detector
from .rules import Rules, load_rules

_DROP = re.compile(r"[.'\u2019`\u02bc\"]")  # "U.S." -> "us", "O'Brien" -> "obrien"
_SPLIT = re.compile(r"[^0-9a-z&]+")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Case-, diacritic-, hyphen- and punctuation-insensitive form of a name."""
    ascii_text = anyascii(unicodedata.normalize("NFC", text)).casefold()
    return " ".join(_SPLIT.split(_DROP.sub("", ascii_text))).strip()


@lru_cache(maxsize=200_000)
def romanised(token: str, rules: Rules | None = None) -> str:
    """One name word rewritten so that its romanisations meet ("Łukaszenko" -> "luka$enko")."""
    rules = rules or load_rules()
    word = fold(token).replace(" ", "")
    for old, new in rules.romanisation:
        word = word.replace(old, new)
    for old, new in rules.final:
        if word.endswith(old):
            word = word[: -len(old)] + new
    return _undouble(word)


@lru_cache(maxsize=200_000)
def skeleton(token: str, rules: Rules | None = None) -> str:
    """The romanised word's consonants, doubled letters once ("Zelenskyy" -> "slnsk")."""
    rules = rules or load_rules()
    word = romanised(token, rules)
    consonants = "".join(ch for ch in word if ch not in rules.vowels)
    return _undouble(consonants) or word


def _undouble(word: str) -> str:
    out = []
    for ch in word:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def similar_words(a: str, b: str, rules: Rules | None = None) -> bool:
    """Whether two name words are spellings of one ("Zelanski", "Zelenskyy": yes).

    Short words must be equal once romanised; longer ones may differ by a letter or so.
    """
    rules = rules or load_rules()
    if is_acronym(a, rules) or is_acronym(b, rules):
        return fold(a) == fold(b)  # "PP" is not "PPP"
    ra, rb = romanised(a, rules), romanised(b, rules)
    if ra == rb:
        return True
    if min(len(ra), len(rb)) < rules.short_token:
        return False
    return Levenshtein.normalized_similarity(ra, rb) >= rules.token_similarity


def same_surname(a: str, b: str, rules: Rules | None = None) -> bool:
    """Whether a surname used alone is the surname of a full name ("Zelanski", "Zelenskyy").

    Stricter than `similar_words`: a surname alone has no given name to confirm it, so a
    short one must match exactly and a long one may differ by a letter in six.
    """
    rules = rules or load_rules()
    fa, fb = fold(a), fold(b)
    if min(len(fa), len(fb)) < rules.short_token:
        return fa == fb
    ra, rb = romanised(a, rules), romanised(b, rules)
    if ra == rb:
        return True
    return min(len(ra), len(rb)) >= rules.surname_min_letters and \
        Levenshtein.normalized_similarity(ra, rb) >= rules.surname_similarity


def compatible_given(a: str, b: str, rules: Rules | None = None) -> bool:
    """Whether two given names may name one person: one spelling, an initial, a short form.

    "Volodymyr"/"Wołodymyr", "S."/"Subrahmanyam", "Volodya"/"Volodymyr", "Jake"/"Jacob",
    "Alaxandr"/"Alexander" may; "Boris" and "Lyndon", "Mario" and "Maria" may not.
    """
    rules = rules or load_rules()
    fa, fb = fold(a), fold(b)
    if not fa or not fb:
        return False
    if len(fa) == 1 or len(fb) == 1:
        return fa[0] == fb[0]
    if similar_words(a, b, rules):
        return True
    ra, rb = romanised(a, rules), romanised(b, rules)
    common = 0
    for x, y in zip(ra, rb):
        if x != y:
            break
        common += 1
    if common >= rules.given_prefix and common >= 0.6 * min(len(ra), len(rb)):
        return True
    # Looser: a nickname ("Jake"/"Jacob", "Bill"/"William") or a misspelling ("Alaxandr":
    # long enough, same start, mostly the same letters), unless the given-name list gives
    # the two opposite genders ("Mario"/"Maria").
    if _genders_differ(fa, fb):
        return False
    return nickname_pair(fa, fb) or (
        min(len(ra), len(rb)) >= rules.given_typo_min_letters and ra[0] == rb[0]
        and Levenshtein.normalized_similarity(ra, rb) >= rules.given_typo_similarity)


@lru_cache(maxsize=20_000)
def gender_of(word: str) -> str | None:
    """"male" or "female" when the given-name list gives the name that gender, even mostly
    ("Daniel", "Daniela"); None for a name it calls either or does not know."""
    found = _detector().get_gender(word.capitalize()) if word.isalpha() else "unknown"
    return {"male": "male", "mostly_male": "male", "female": "female",
            "mostly_female": "female"}.get(found)


@lru_cache(maxsize=1)
def _nicknamer():
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=20_000)
def nickname_pair(a: str, b: str) -> bool:
    """Whether one lower-case given name is a nickname of the other ("jake" of "jacob",
    "bill" of "william"), by the `nicknames` package's hand-curated English table."""
    names = _nicknamer()
    return b in names.nicknames_of(a) or a in names.nicknames_of(b)


def _genders_differ(a: str, b: str) -> bool:
    """Whether the given-name list gives two one-word given names opposite genders."""
    if " " in a or " " in b:
        return False
    ga, gb = gender_of(a), gender_of(b)
    return ga is not None and gb is not None and ga != gb


@dataclass(frozen=True)
class Name:
    """A name split into words: `given` and `surname` for people, `core` for organisations.

    The surname keeps its particles ("bin Laden"); middle words are names or initials
    between them ("George W. Bush" -> middle ("w",)).
    """

    words: tuple[str, ...]  # folded words
    given: str | None
    middle: tuple[str, ...]
    surname: str

    @property
    def full(self) -> bool:
        return self.given is not None


@lru_cache(maxsize=200_000)
def person_part(value: str, loose: bool = False) -> str:
    """The person's name in a value the model glued something before: a body, a place, a
    site or a title ("Security Council Dmitry Medvedev", "Florida Ron Desantis", "Ms
    Sandu"); the value itself when nothing is.

    Three words or more ending in a given name (gender-guesser's list, a name it gives a
    gender: "Red" is either) and a surname-like word, with no given name before them:
    "Martin Luther King" and "Kim Jong Un" start with one and stay whole; "Prince Edward
    Island" ends in a word of `not_surnames`; "New York Rangers" holds a place the
    gazetteer knows ending at the "given name", "Bank of Nova Scotia" ends in one. Unless `loose` (the model called the whole
    value an organisation or a place, so its start is no given name it missed), what comes
    before must show it is no part of a name: an acronym, a lowercase word, a word of a
    body's or a place's name, punctuation, or a place ("Liaqat Ali Khan" stays whole).

    >>> person_part("Defense Lloyd Austin", loose=True), person_part("Ms Sandu")
    ('Lloyd Austin', 'Sandu')
    >>> person_part("Security Council Dmitry Medvedev"), person_part("Joe Biden")
    ('Dmitry Medvedev', 'Joe Biden')
    """
    from ..extraction.given_names import gives_gender, is_given_name

    rules = load_rules()
    words = value.split()
    if len(words) >= 2 and fold(words[0]) in rules.honorifics and _surname_like(words[-1], rules):
        return " ".join(words[1:])
    if len(words) < 3 or not _surname_like(words[-1], rules):
        return value
    given, before = words[-2], words[:-2]
    if not (gives_gender(given) and _surname_like(given, rules)) \
            or fold(before[-1]) in rules.particles or fold(given) in rules.particles:
        return value
    if before[-1][:1].islower():  # "Bank of Nova Scotia": the name is the body's object
        return value
    if any(is_given_name(w) for w in before) or _ends_in_place(words):
        return value
    if not loose and not _not_a_name(before, rules):
        return value
    return f"{given} {words[-1]}"


_NAME_WORD = re.compile(r"[^\W\d_]+(?:[-'\u2019][^\W\d_]+)*|[^\W\d_]\.")  # or an initial


def _not_a_name(words: list[str], rules: Rules) -> bool:
    """Whether words before a name show they are no part of it ("FSB", "of", "Council",
    "Gazeta.pl", "Florida")."""
    from ..extraction.places import get_gazetteer

    for word in words:
        folded = fold(word)
        letters = _DROP.sub("", word)
        if not _NAME_WORD.fullmatch(word) or letters.isupper() and len(letters) > 1:
            return True
        if word[:1].islower() and word.split("-")[0].lower() not in rules.particles:
            return True
        if folded in rules.not_surnames or folded in rules.org_generic \
                or folded in rules.place_nouns:
            return True
    return bool(get_gazetteer().lookup(" ".join(words)))


def _surname_like(word: str, rules: Rules) -> bool:
    """A capitalised word of letters (hyphens, apostrophes) that ends no place's name."""
    letters = _DROP.sub("", word).replace("-", "")
    return (word[:1].isupper() and letters.isalpha() and not letters.isupper()
            and fold(word) not in rules.not_surnames and fold(word) not in rules.org_generic
            and fold(word) not in rules.place_nouns)


def shouted_name(value: str) -> bool:
    """A name of two words or more written all in capitals (a headline's "LIZ TRUSS")
    that starts with a given name: a person's, whatever the model made of the capitals."""
    from ..extraction.given_names import gives_gender

    words = value.split()
    return (1 < len(words) <= 3 and all(w.isalpha() and w.isupper() for w in words)
            and len(words[-1]) > 2 and gives_gender(words[0].capitalize()))


def inverted(folded: str) -> str:
    """An organisation's "<head> of <name>" as "<name> <head>" ("department of state" ->
    "state department"; "ministry of defence" -> "defence ministry") when the head is one
    of `inverted_heads` ("State of the Union" is no "Union State"); else as it is."""
    words = folded.split()
    if len(words) >= 3 and words[1] == "of" and words[0] in load_rules().inverted_heads:
        rest = words[3:] if words[2] == "the" else words[2:]
        return " ".join([*rest, words[0]]) if rest else folded
    return folded


def _ends_in_place(words: list[str]) -> bool:
    """Whether a place the gazetteer knows ends at the given name ("New York Rangers") or
    is the name ("Bank of Nova Scotia")."""
    from ..extraction.places import get_gazetteer

    gazetteer = get_gazetteer()
    return any(gazetteer.lookup(" ".join(words[i:-1])) for i in range(len(words) - 2)) \
        or bool(gazetteer.lookup(" ".join(words[-2:])))


@lru_cache(maxsize=200_000)
def parse_name(value: str) -> Name:
    """Split a person's name into given name, middle words and surname (particles kept).

    >>> parse_name("Osama bin Laden").surname, parse_name("George W. Bush").middle
    ('bin laden', ('w',))
    """
    rules = load_rules()
    words = tuple(fold(value).split())
    if not words:
        return Name((), None, (), "")
    start = len(words) - 1
    while start > 0 and words[start - 1] in rules.particles:
        start -= 1
    surname = " ".join(words[start:])
    rest = words[:start]
    if not rest:
        return Name(words, None, (), surname)
    return Name(words, rest[0], tuple(rest[1:]), surname)


def surname_word(name: Name) -> str:
    """The last word of the surname: what a surname alone is compared with."""
    return name.surname.split()[-1] if name.surname else ""


def is_acronym(value: str, rules: Rules | None = None) -> bool:
    """An all-capital word of a few letters, maybe dotted ("ICC", "U.N.", "BelTA" is not)."""
    rules = rules or load_rules()
    letters = value.replace(".", "").replace("&", "")
    return (letters.isalpha() and letters.isupper()
            and rules.acronym_min_letters <= len(letters) <= rules.acronym_max_letters)


def initials(value: str, rules: Rules | None = None) -> str:
    """The acronym a long name would have ("Institute for the Study of War" -> "isw").

    An acronym inside the name gives all its letters ("UN Security Council" -> "unsc").
    """
    rules = rules or load_rules()
    words = [w for w in value.split() if fold(w) and fold(w) not in rules.acronym_skip]
    if len(words) < 2:
        return ""
    return "".join(fold(w) if is_acronym(w, rules) else fold(w)[0] for w in words)


def alike(a: str, b: str, rules: Rules | None = None) -> bool:
    """Whether two whole names are spelled alike letter by letter (a guard on top of
    word-by-word romanisation: "Kuta" and "Quetta" romanise alike but are not alike)."""
    rules = rules or load_rules()
    return Levenshtein.normalized_similarity(fold(a), fold(b)) >= rules.name_similarity


#: Generic words this long or shorter are legal forms or articles wherever they stand.
LEGAL_FORM_LETTERS = 3


@lru_cache(maxsize=200_000)
def org_core(value: str, rules: Rules | None = None) -> str:
    """An organisation's name without generic words ("Wagner Group" -> "wagner").

    A generic word of more than 3 letters that starts the name stays: the name is made of
    it ("Companies House" is not "House", "Group 4" not "4"); a short one there is a legal
    form or an article ("N.V. Philips", "AB Volvo", "The Independent").
    """
    rules = rules or load_rules()
    words = fold(value).split()
    keep_first = bool(words) and len(words[0]) > LEGAL_FORM_LETTERS and len(words) > 1
    first = words[:1] if keep_first else []
    rest = f" {' '.join(words[1:] if keep_first else words)} "
    for word in _longest_first(rules.org_generic):
        rest = rest.replace(f" {word} ", " ")
    return " ".join(first + rest.split())


@lru_cache(maxsize=8)
def _longest_first(words: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(words, key=len, reverse=True))
