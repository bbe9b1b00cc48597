"""Where a sentence stands in an article: the lead, the body, or in-article boilerplate.

Boilerplate is recognised line by line (a line is the text between two line breaks) by
general rules with cue data from `data/event_cues.json` (`passages`):
- a photo caption: a line starting with a caption word ("Photo:", "Image caption") or a
  short line naming a picture credit ("Getty Images", "AP Photo");
- site furniture: a short line with a newsletter, sharing, advertising or "Read more" cue;
- a list of links: the short lines after a "Read more:" / "Related" head;
- a teaser of another story: an all-capitals line of several words (not the first line).
The lead is the first `lead_sentences` sentences of at least four words that are not
boilerplate. (Lines repeated across a source's articles are blanked before extraction by
the indexer; this module only sees one article.)

>>> Passages(load_cues()).roles(doc, list(doc.sents))     # doctest: +SKIP
['lead', 'lead', 'body', 'boilerplate', 'body']
"""
from __future__ import annotations

import re

from .cues import Cues

LEAD, BODY, BOILERPLATE = "lead", "body", "boilerplate"
_LINE = re.compile(r"[^\n]+")
_WORD = re.compile(r"\w+")
_LETTER = re.compile(r"[^\W\d_]")
_ASCII_LOWER = re.compile(r"[a-z]")


class Passages:
    """Label each sentence of a Doc lead / body / boilerplate (see the module docstring)."""

    def __init__(self, cues: Cues):
        lists, numbers = cues.passage_lists, cues.passage_numbers
        self.caption_starts = lists["caption_starts"]
        self.caption_contains = lists["caption_contains"]
        self.boilerplate = lists["boilerplate_contains"]
        self.link_heads = lists["link_list_heads"]
        self.link_max_words = int(numbers["link_list_max_words"])
        self.teaser_min_words = int(numbers["teaser_min_words"])
        self.teaser_upper = numbers["teaser_upper_share"]
        self.lead_sentences = int(numbers["lead_sentences"])
        # Longer lines are prose whatever words they hold; a line as short as `furniture`
        # holding a site cue anywhere ("Sign up for our newsletter") is furniture.
        self.short = int(numbers["short_line_words"])
        self.furniture = int(numbers["furniture_words"])

    def roles(self, doc, sents: list, text: str | None = None) -> list[str]:
        """One role per sentence, in order (`text` is doc.text, when the caller has it)."""
        spans = self.boilerplate_spans(doc.text if text is None else text)
        roles, lead_left = [], self.lead_sentences
        for sent in sents:
            middle = (sent.start_char + sent.end_char) // 2
            if any(s <= middle < e for s, e in spans):
                roles.append(BOILERPLATE)
            elif lead_left and len(_WORD.findall(sent.text)) >= 4:
                roles.append(LEAD)
                lead_left -= 1
            else:
                roles.append(BODY)
        return roles

    @staticmethod
    def opens_paragraph(doc, sents: list, text: str | None = None) -> list[bool]:
        """Per sentence, whether it is the first of its paragraph (the text before it since
        the last line break is blank): a paragraph's topic sentence."""
        text = doc.text if text is None else text  # Doc.text joins every token: once
        return [not text[text.rfind("\n", 0, s.start_char) + 1:s.start_char].strip()
                for s in sents]

    def boilerplate_spans(self, text: str) -> list[tuple[int, int]]:
        """Character ranges of the boilerplate lines of `text`."""
        spans, in_links = [], False
        for number, match in enumerate(_LINE.finditer(text)):
            line = match.group().strip()
            if not line:
                continue
            words = len(_WORD.findall(line))
            lower = line.lower()
            if self._is_link_head(lower):
                in_links = True
                spans.append(match.span())
                continue
            if in_links and words <= self.link_max_words and not line.endswith((".", '."')):
                spans.append(match.span())
                continue
            in_links = False
            if self._is_caption(lower, words) or self._is_furniture(lower, words) \
                    or (number > 0 and self._is_teaser(line, words)):
                spans.append(match.span())
        return spans

    def _is_link_head(self, lower: str) -> bool:
        return any(lower.startswith(head) for head in self.link_heads) and len(lower) < 40

    def _is_caption(self, lower: str, words: int) -> bool:
        """ "Photo: ...", "Image caption ...", "(Photo by ...)"; or a short line with a credit."""
        if words <= 2 * self.short and any(
                lower.startswith(start) and (not start.isalpha() or lower[len(start):][:1] == ":")
                for start in self.caption_starts):
            return True
        return words <= self.short and any(c in lower for c in self.caption_contains)

    def _is_furniture(self, lower: str, words: int) -> bool:
        """A line that starts with a site cue, or a very short one that holds one."""
        if words <= self.short and any(lower.startswith(cue) for cue in self.boilerplate):
            return True
        return words <= self.furniture and any(cue in lower for cue in self.boilerplate)

    def _is_teaser(self, line: str, words: int) -> bool:
        if words < self.teaser_min_words:
            return False
        # Most lines of prose fail on their plain lower-case letters alone (C-speed counts;
        # the pattern counts every alphabetic character, and a few more).
        most = len(_LETTER.findall(line))
        if not most or len(_ASCII_LOWER.findall(line)) > (1 - self.teaser_upper) * most:
            return False
        letters = [c for c in line if c.isalpha()]
        return bool(letters) and \
            sum(c.isupper() for c in letters) / len(letters) >= self.teaser_upper
