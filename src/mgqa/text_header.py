"""The header of a plain-text document: a title line, then lines naming the publisher, source and date.

    Your Feet and Diabetes: A Daily Care Checklist
    County Health Agency, Diabetes Program
    Source: https://example.org/feet
    Date: 2024-03-01

Only a first paragraph made entirely of such lines, one of them at least labelled (a source, an author or
a date), is a header; a first paragraph of prose is not. Labels
(`Source:`, `URL:`, `Publisher:`, `By`, `Author:`, `Date:`, `Posted`, `Updated:`) are read as such; the one
unlabelled line is the publisher, and "Publisher, by Author" gives both; a line of labelled parts ("Posted June
2024 | Filed under: Vitamins") gives its date and is otherwise left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mgqa.html_meta import web_url

MAX_LINES = 6
MAX_WORDS = 16  # a header line is a name or an address, not a sentence
_LABELLED = re.compile(
    r"(?P<label>source|url|link|web|publisher|published by|organi[sz]ation|by|author|written by|date|published"
    r"|posted|posted on|updated|last updated|reviewed|last reviewed)\s*[:\-–]?\s+(?P<value>.+)", re.I)
# a label the reader knows for one ("Filed under: Vitamins", "Reading time: 4 minutes"): a header line's part
_ANY_LABEL = re.compile(r"[A-Z][\w'’-]*(?: [\w'’-]+){0,2}:\s+\S.*")
_PARTS = re.compile(r"\s+[|·]\s+")  # "Posted June 2024 | Filed under: Vitamins"
_BY = re.compile(r"(?P<publisher>.+?)[,;·|–-]\s*(?:by|written by)\s+(?P<author>.+)", re.I)
_KEYS = {"source": "url", "url": "url", "link": "url", "web": "url", "publisher": "publisher",
         "published by": "publisher", "organisation": "publisher", "organization": "publisher", "by": "author",
         "author": "author", "written by": "author", "date": "date", "published": "date", "posted": "date",
         "posted on": "date", "updated": "date",
         "last updated": "date", "reviewed": "date", "last reviewed": "date"}


@dataclass(frozen=True)
class TextHeader:
    title: str
    end: int  # offset just past the header's last line
    publisher: str | None = None
    author: str | None = None
    url: str | None = None
    date: str | None = None


def read_header(text: str) -> TextHeader | None:
    """The header at the top of text, or None when its first paragraph is not one (a title alone is not)."""
    stripped = text.lstrip("\n")
    offset = len(text) - len(stripped)
    block = stripped.split("\n\n", 1)[0].rstrip()
    lines = block.split("\n")
    if not 2 <= len(lines) <= MAX_LINES or any(not line.strip() for line in lines):
        return None
    fields: dict[str, str] = {}
    for line in (" ".join(line.split()) for line in lines[1:]):
        if len(line.split()) > MAX_WORDS and not web_url(line):
            return None
        if web_url(line):
            fields.setdefault("url", line)
        elif len(parts := _PARTS.split(line)) > 1 and all(_LABELLED.fullmatch(part) or _ANY_LABEL.fullmatch(part)
                                                          for part in parts):
            for match in filter(None, (_LABELLED.fullmatch(part) for part in parts)):  # labelled fields in a row
                key = _KEYS[" ".join(match["label"].lower().split())]
                if key == "date" and re.search(r"\d", match["value"]):
                    fields.setdefault(key, match["value"].strip())
        elif match := _LABELLED.fullmatch(line):
            key = _KEYS[" ".join(match["label"].lower().split())]
            value = match["value"].strip()
            if key == "url" and not web_url(value):
                return None
            if key == "date" and not re.search(r"\d", value):
                return None  # "Published by..." is handled above; a date has a number
            fields.setdefault(key, value)
        elif "publisher" not in fields and line[-1] not in ".!?:":
            if match := _BY.fullmatch(line):
                fields["publisher"] = match["publisher"].strip()
                fields.setdefault("author", match["author"].strip())
            else:
                fields["publisher"] = line
        else:
            return None  # a sentence: this paragraph is prose, not a header
    if not fields.keys() & {"url", "author", "date"}:
        return None  # "Title / one more line" is a title and its first sentence, not a header
    title = " ".join(lines[0].split())
    return TextHeader(title=title, end=offset + len(block), **fields)
