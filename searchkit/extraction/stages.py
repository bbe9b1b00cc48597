"""Two-stage parsing: names and sentences everywhere, the full parse only where a rule needs it.

Stage one runs the tokenizer, the sentence recogniser (`senter`) and the entity recogniser
over every text. Stage two runs the parser's share of the model (tok2vec, tagger, parser,
attribute ruler, lemmatizer) only on the sentences some extraction rule can use it in, and
writes tags, lemmas and the dependency tree back into the stage-one Doc. Sentences left out
keep their words, entities and boundaries, with empty tags, lemmas and dependencies.

Which sentences need the parse is asked of `needs`: a function Doc -> one bool per sentence
(see `parse_needs.py`). The parser is made to keep stage one's boundaries (spaCy's parser
respects preset sentence starts), so both stages agree on what a sentence is.

Stage-one boundaries differ from a full parse's in one way on purpose: a blank line always
ends a sentence (a headline or a caption is never run into the next paragraph), and
whitespace between sentences ends the previous sentence instead of starting the next, as the
parser does.

    >>> parser = TwoStageParser(nlp, needs=lambda doc: [True] * len(list(doc.sents)))  # doctest: +SKIP
    >>> [d.has_annotation("DEP") for d in parser.pipe(["Kyiv was hit by drones."])]    # doctest: +SKIP
    [True]
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

import numpy

from .doctext import remember_text

#: Pipes of stage one (besides the tokenizer), in the order they run.
STAGE_ONE = ("senter", "ner")
#: Pipes stage two runs on the chosen sentences, in the model's order.
STAGE_TWO = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")

#: Tokens of context taken along on each side of a stretch of chosen sentences: the model's
#: token vectors see 4 tokens each way (4 layers of window 1). With that context and the
#: boundaries preset, tags and trees equal those of parsing every sentence (tested).
CONTEXT = 4

Needs = Callable[[object], list]  # Doc -> one bool per sentence (doc.sents order)


class TwoStageParser:
    """Parse texts in two stages (see the module docstring); `pipe` yields finished Docs."""

    def __init__(self, nlp, needs: Needs):
        from spacy.attrs import DEP, HEAD, LEMMA, MORPH, NORM, POS, SENT_START, TAG

        self.nlp = nlp
        self.needs = needs
        self.stage_one = [(name, _stage_one_pipe(nlp, name)) for name in STAGE_ONE]
        self.stage_two = [(name, _faster(name, nlp.get_pipe(name))) for name in nlp.pipe_names
                          if name in STAGE_TWO]
        self._copied = [TAG, POS, MORPH, LEMMA, DEP, HEAD]
        self._norm_start = [NORM, SENT_START]
        self._sent_start = [SENT_START]

    def pipe(self, texts: Iterable[str], *, batch_size: int = 64) -> Iterator:
        """Docs for `texts`, in order: entities and sentences everywhere, parse where needed."""
        from spacy.util import minibatch

        docs: Iterable = (remember_text(self.nlp.make_doc(text), text) for text in texts)
        for _name, proc in self.stage_one:
            docs = proc.pipe(docs, batch_size=batch_size)
        for batch in minibatch(docs, batch_size):
            yield from self._parse_needed(batch, batch_size)

    def _parse_needed(self, batch: list, batch_size: int) -> list:
        """The batch with stage two run on the sentences `needs` asks for."""
        for doc in batch:
            _mend_boundaries(doc)
        plans = [(doc, *self._plan(doc)) for doc in batch]
        subdocs = [self._subdoc(doc, tokens) for doc, tokens, _real in plans if len(tokens)]
        for _name, proc in self.stage_two:
            subdocs = list(proc.pipe(subdocs, batch_size=batch_size))
        parsed = iter(subdocs)
        for doc, tokens, real in plans:
            if len(tokens):
                self._write_back(doc, tokens, real, next(parsed))
        return batch

    def _plan(self, doc) -> tuple[numpy.ndarray, numpy.ndarray]:
        """Token indexes of the stage-two Doc, and which of them belong to chosen sentences.

        Each stretch of chosen sentences takes CONTEXT tokens of its neighbours along, so
        that its words see the same neighbours as in a parse of the whole text.
        """
        n = len(doc)
        chosen = numpy.zeros(n, dtype=bool)
        near = numpy.zeros(n, dtype=bool)
        for sent, want in zip(doc.sents, self.needs(doc)):
            if want:
                chosen[sent.start:sent.end] = True
                near[max(0, sent.start - CONTEXT):min(n, sent.end + CONTEXT)] = True
        tokens = numpy.flatnonzero(near)
        return tokens, chosen[tokens]

    def _subdoc(self, doc, tokens: numpy.ndarray):
        """A Doc of the given tokens with their norms; sentence starts where the text had
        them and where the stretch jumps, and none elsewhere (the parser keeps them)."""
        from spacy.tokens import Doc

        words = [doc[i].text for i in tokens]
        spaces = [bool(doc[i].whitespace_) for i in tokens]
        sub = Doc(doc.vocab, words=words, spaces=spaces)
        values = doc.to_array(self._norm_start)[tokens].astype("int64")
        jump = numpy.ones(len(tokens), dtype=bool)
        jump[1:] = numpy.diff(tokens) != 1
        values[:, 1] = numpy.where((values[:, 1] == 1) | jump, 1, -1)
        sub.from_array(self._norm_start, values.astype("uint64"))
        return sub

    def _write_back(self, doc, tokens: numpy.ndarray, real: numpy.ndarray, sub) -> None:
        """Copy tags, lemmas and the tree of the chosen tokens of `sub` into `doc`, keeping
        every sentence start of `doc`."""
        starts = doc.to_array(self._sent_start)
        values = numpy.zeros((len(doc), len(self._copied)), dtype="uint64")
        values[tokens[real]] = sub.to_array(self._copied)[real]
        doc.from_array(self._copied, values)
        doc.from_array(self._sent_start, starts)


def _stage_one_pipe(nlp, name: str):
    """A stage-one pipe of the model; a model without `senter` gets spaCy's rule-based
    sentencizer instead (punctuation only, so boundaries are rougher)."""
    if name == "senter" and "senter" not in nlp.component_names:
        from spacy.pipeline import Sentencizer

        return Sentencizer()
    return nlp.get_pipe(name)


def _faster(name: str, proc):
    """The same-output fast stand-in for the attribute ruler and the lemmatizer."""
    from .fast_pipes import FastAttributeRuler, FastLemmatizer

    if name == "attribute_ruler":
        return FastAttributeRuler(proc)
    if name == "lemmatizer":
        return FastLemmatizer(proc)
    return proc


def _mend_boundaries(doc) -> None:
    """Stage one's sentence starts, made to end a sentence at a blank line and to put the
    whitespace between two sentences at the end of the first (as the parser does)."""
    from spacy.attrs import IS_SPACE, SENT_START

    n = len(doc)
    if not n:
        return
    values = doc.to_array([SENT_START, IS_SPACE]).astype("int64")
    starts, space = values[:, 0], values[:, 1] == 1
    # Only whitespace tokens change anything: visit those alone, in order (a Token object
    # per word of the article cost more than the rest of this function).
    for i in numpy.flatnonzero(space[:-1]).tolist():
        if starts[i] == 1:
            starts[i] = -1 if i else 1
            starts[i + 1] = 1
        if not space[i + 1] and doc[i].text.count("\n") >= 2:
            starts[i + 1] = 1
    starts[0] = 1
    starts[starts != 1] = -1
    doc.from_array([SENT_START], starts.astype("uint64"))
