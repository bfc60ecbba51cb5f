"""Pure text helpers: blocks, sentence spans, heading detection and word tokens.

Everything returns character spans into the text it was given, so callers can
always slice the source and quote it verbatim.
"""

from __future__ import annotations

import re
import unicodedata

_BLOCK_SPLIT = re.compile(r"\n[ \t]*\n")
_LIST_MARK = re.compile(r"[ \t]*(?:[•\-*–·▪●◦]|\d{1,3}[.)])[ \t]+")
# A sentence ends at . ! ? (maybe followed by closing quotes/brackets) before a space
# and something that can start a sentence.
_SENT_END = re.compile(r"(?<=[.!?][\"”’)\]])\s+(?=[\"“‘(\[]?[A-Z0-9])|(?<=[.!?])\s+(?=[\"“‘(\[]?[A-Z0-9])")
_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "etc.", "Dr.", "Mr.", "Mrs.", "Ms.", "St.", "approx.", "No.", "Fig.")
_BYLINE = re.compile(r"^(by|reading time|posted|updated|published|last updated)\b", re.I)
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_SMALL_WORDS = {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "is", "of",
                "on", "or", "the", "to", "vs", "with", "your", "you", "it", "its", "be", "are", "can"}


def blocks(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of blank-line separated blocks, stripped of surrounding whitespace."""
    end = len(text) if end is None else end
    spans, cursor = [], start
    for match in _BLOCK_SPLIT.finditer(text, start, end):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, end))
    return [s for s in (_strip(text, a, b) for a, b in spans) if s[0] < s[1]]


def lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the non-empty lines in text[start:end], stripped of whitespace."""
    spans, cursor = [], start
    while cursor < end:
        stop = text.find("\n", cursor, end)
        stop = end if stop == -1 else stop
        a, b = _strip(text, cursor, stop)
        if a < b:
            spans.append((a, b))
        cursor = stop + 1
    return spans


def sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans: every line is split at sentence ends; list markers are left out."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line_start, line_end in lines(text, start, end):
        marker = _LIST_MARK.match(text, line_start, line_end)
        cursor = marker.end() if marker else line_start
        for match in _SENT_END.finditer(text, cursor, line_end):
            if _ends_with_abbreviation(text, cursor, match.start()):
                continue
            spans.append(_strip(text, cursor, match.start()))
            cursor = match.end()
        spans.append(_strip(text, cursor, line_end))
    return [s for s in spans if s[0] < s[1]]


def list_after(text: str, end: int, limit: int | None = None, max_chars: int = 1500) -> int:
    """Where what a lead-in at `end` announces stops: the list that follows, or, when a heading comes first
    ("Here's what to look for:" then "Quality Indicators"), that heading, its opening paragraph and the list
    it opens in turn. Whole lines before `limit` only, about max_chars at most; `end` if no list follows.

    A quote that stops on a colon is cut off mid-thought; what it announces belongs with it.
    """
    stop, in_list, expect_paragraph = end, False, False
    for a, b in lines(text, end, len(text) if limit is None else limit):
        if b - end > max_chars and in_list:
            break
        if _LIST_MARK.match(text, a, b):
            stop, in_list, expect_paragraph = b, True, False
        elif stop == end and is_heading(text[a:b]):
            stop, expect_paragraph = b, True
        elif expect_paragraph and text[b - 1] == ":":
            stop, expect_paragraph = b, False
        else:
            break
    return stop if in_list else end  # a heading and a paragraph without their list announce something else


def is_heading(block: str) -> bool:
    """Guess whether a plain-text block is a heading: one short line, no sentence-final stop."""
    if "\n" in block or len(block) > 110 or len(block.split()) > 16:
        return False
    if block[-1] in ".,;:!" or _LIST_MARK.match(block) or _BYLINE.match(block):
        return False
    return block[0].isupper() or block[0].isdigit()


def heading_level(block: str) -> int:
    """Plain text has no markup: Title Case headings are sections (2), sentence-case ones sub-sections (3)."""
    words = [w for w in re.findall(r"[A-Za-z][\w’'-]*", block) if w.lower() not in _SMALL_WORDS]
    if not words:
        return 2
    capitalised = sum(w[0].isupper() for w in words)
    return 2 if capitalised / len(words) >= 0.6 else 3


def words(text: str) -> list[str]:
    """Lower-case word tokens with accents folded, for lexical matching."""
    folded = text.lower()
    if not folded.isascii():  # accents are folded only where there are any: an ASCII run stays as it is
        folded = _NON_ASCII.sub(_fold_accents, folded)
    return _WORD.findall(folded.replace("’", "'"))


def _fold_accents(run: re.Match) -> str:
    """A run of non-ASCII characters without its combining marks ("é" -> "e"). Decomposing run by run gives what
    decomposing the whole text gives: ASCII characters decompose to themselves and no mark moves across them."""
    return "".join(c for c in unicodedata.normalize("NFKD", run.group()) if not unicodedata.combining(c))


def join_blocks(blocks: list[tuple[str, int]]) -> tuple[str, tuple[tuple[int, int, int], ...]]:
    """(text, level) paragraphs -> the text joined by blank lines and the (start, end, level) of its headings."""
    headings, offset = [], 0
    for block, level in blocks:
        if level:
            headings.append((offset, offset + len(block), level))
        offset += len(block) + 2  # the "\n\n" between paragraphs
    return "\n\n".join(block for block, _ in blocks), tuple(headings)


def normalise_space(text: str) -> str:
    """Collapse runs of whitespace, for comparing passages regardless of line breaks."""
    return " ".join(text.split())


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _ends_with_abbreviation(text: str, start: int, stop: int) -> bool:
    head = text[max(start, stop - 8):stop].rstrip("\"”’)]")
    return any(head.endswith(a) for a in _ABBREVIATIONS) or bool(re.search(r"\b[A-Z]\.$", head))
