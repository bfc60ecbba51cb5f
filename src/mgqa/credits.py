"""Credit lines at the top of a page: who wrote or reviewed it, when, how long it takes to read.

"By Dr. Sunita Patel, MD, neurologist", "Reviewed by … Last updated March 2024", "By the CalmCore Wellness Team ·
6 min read", "Reading Time: 14 minutes". An HTML page marks these (a byline class, an author box) and
boilerplate.py drops them by that markup; a text or markdown page has only its words, and the chunker joins a
credit line to the paragraph after it. They stay indexed ("who wrote this article?" finds the seed's byline that
way), but a quote starts after them unless they are what answers (answer.py): an answer on numb feet doesn't
open with "By Dr. Sunita Patel, MD, neurologist, Lakeview Neurology Clinic".

A credit line is a short paragraph at the top of the page (before its first heading after the title, and within
its first CREDIT_REACH characters: a page without headings is all one section), that either names the page's
author (the `author` of its metadata), opens the way credits open ("By Jane Roe", "<Someone>ed by" as in "Written
by", "Prepared by", "Medically reviewed by"; "Last updated: 9 April 2024"; "Reading time") or gives a reading time
("6 min read", "About 7 minutes to read"). Nothing of any one page is listed.
"""

from __future__ import annotations

import re

from mgqa import text as textlib
from mgqa.records import Document

CREDIT_WORDS = 40  # a paragraph longer than this is content, whatever its first words
CREDIT_REACH = 1000  # characters from the top of the text: "By March 2020, the trial had…" further down is content
NAMED_WORDS = 12  # a paragraph naming the author is a credit line only this short ("Jane Roe, MD · May 2024")
# how credits open: "<someone> did it" ("Written by", "Prepared by", "Medically reviewed by"), a bare "By <Name>",
# a date it was last touched, or the time it takes to read
_OPENING = re.compile(
    r"(?i:(?:[a-z]+ly )?(?:[a-z]+ed|written)\s+by\b)"  # not "Nerves damaged by alcohol…"
    r"|(?i:by\s+(?:the\s+)?)[A-Z]"  # "By Jane Roe", "By the CalmCore team": a name, not "by 2030" or "by eating"
    r"|(?i:(?:last\s+)?(?:updated|reviewed|posted|published)\s*(?:on\s+)?:?\s*)(?:\d|[A-Z][a-z]+\s+\d)"
    r"|(?i:reading\s+time\b)"
)
# "6 min read", "5-minute read", "About 7 minutes to read", anywhere in the paragraph
_READING_TIME = re.compile(r"\b\d+\s*-?\s*min(?:ute)?s?\b(?:\s+\w+){0,2}?\s+read\b", re.I)
_NAME_WORD = re.compile(r"[A-Z][\w'’-]+")


def credit_spans(doc: Document, start: int, end: int) -> list[tuple[int, int]]:
    """The credit lines among the paragraphs of doc.text[start:end], the text before the page's first heading
    after its title, in text order (most pages: none or one)."""
    author = _name(doc.author)
    found = []
    for a, b in textlib.blocks(doc.text, start, min(end, CREDIT_REACH)):
        block = " ".join(doc.text[a:b].split())
        size = len(block.split())
        if block == doc.title:
            continue
        named = size <= NAMED_WORDS and author and author in block.lower()
        if (size <= CREDIT_WORDS and reads_as_credit(block)) or named:
            found.append((a, b))
    return found


def reads_as_credit(block: str) -> bool:
    """Whether a paragraph opens the way credits open or gives a reading time ("*By …*" in plain text too)."""
    return bool(_OPENING.match(block.lstrip("*_ ")) or _READING_TIME.search(block))


def _name(author: str | None) -> str | None:
    """The author's name as a page would print it: its first two capitalised words ("Sunita Patel" of
    "Dr. Sunita Patel, MD, neurologist"); None for a one-word or missing author, too likely to be a common word."""
    words = [w for w in _NAME_WORD.findall(author or "") if w.lower() not in {"dr", "the", "prof"}]
    return " ".join(words[:2]).lower() if len(words) >= 2 else None
