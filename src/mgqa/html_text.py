"""HTML -> readable text, headings and page metadata, with the stdlib parser only.

The text is built from block-level paragraphs joined by blank lines, so heading spans are
exact offsets into it; page chrome (navigation, footers, forms, scripts) is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

# Elements whose text is never article text.
SKIPPED = frozenset("script style noscript template nav footer header aside form iframe svg".split())
HEADINGS = {f"h{level}": level for level in range(1, 7)}
BLOCKS = frozenset(
    "p div li br tr section article main blockquote pre ul ol table dl dt dd figure figcaption hr address"
    " details summary caption body h1 h2 h3 h4 h5 h6".split()
)
CONTENT_ROOTS = frozenset({"article", "main"})
_URL_KEYS = ("canonical", "source-url", "og:url")  # in order of trust
_META_KEYS = frozenset({"source-url", "og:url", "publisher", "og:site_name", "author"})


@dataclass(frozen=True)
class HtmlText:
    """What a page says: its readable text, heading spans in that text, and its metadata."""

    text: str
    headings: tuple[tuple[int, int, int], ...]
    title: str | None
    url: str | None
    publisher: str | None
    author: str | None


@dataclass(frozen=True)
class _Block:
    text: str
    level: int  # heading level, 0 for a paragraph
    in_content: bool  # inside <article> or <main>


def web_url(value: str | None) -> str | None:
    """The value if it is an absolute http(s) URL, else None (relative or javascript: links are no use)."""
    value = (value or "").strip()
    scheme, _, rest = value.partition("://")
    return value if scheme.lower() in ("http", "https") and rest else None


def _pop_through(stack: list[str], tag: str) -> None:
    """Close `tag` and anything left open inside it, as browsers do with unclosed elements."""
    del stack[len(stack) - 1 - stack[::-1].index(tag) :]


class _PageParser(HTMLParser):
    """Collects paragraphs and metadata; tolerant of unclosed tags since html.parser never raises."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = []
        self.meta: dict[str, str] = {}
        self.title: str | None = None
        self._title_parts: list[str] | None = None
        self._buffer: list[str] = []
        self._skipping: list[str] = []
        self._content: list[str] = []
        self._heading = 0
        self._bullet = False
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping:
            if tag in SKIPPED:  # track nesting so the right end tag ends the skip
                self._skipping.append(tag)
            return
        # an article's own <header> holds its headline; only the page banner is chrome
        if tag in SKIPPED and not (tag == "header" and self._content):
            self._skipping.append(tag)
            return
        if tag in ("meta", "link"):
            self._read_meta(tag, {name: value or "" for name, value in attrs})
        elif tag == "title" and self.title is None:
            self._title_parts = []
        elif tag in ("td", "th"):
            self._buffer.append(" ")  # keep cells of a row apart
        if tag not in BLOCKS:
            return
        self._end_title()  # an unclosed <title> must not swallow the page
        self._flush()
        if tag in CONTENT_ROOTS:
            self._content.append(tag)
        if tag != "br":  # a line break inside a heading is still heading
            self._heading = HEADINGS.get(tag, 0)
        if tag == "li":
            self._bullet = True
        elif tag == "pre":
            self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._skipping:
            _pop_through(self._skipping, tag)
            return
        if self._skipping:
            return
        if tag == "title":
            self._end_title()
        if tag not in BLOCKS:
            return
        self._flush()
        if tag in HEADINGS:
            self._heading = 0
        elif tag == "li":
            self._bullet = False
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        elif tag in self._content:
            _pop_through(self._content, tag)

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        if self._title_parts is not None:
            self._title_parts.append(data)
        else:
            self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._end_title()
        self._flush()

    def _read_meta(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "link" and "canonical" in attrs.get("rel", "").lower().split():
            self.meta.setdefault("canonical", attrs.get("href", "").strip())
        key = (attrs.get("name") or attrs.get("property") or "").strip().lower()
        if tag == "meta" and key in _META_KEYS:
            self.meta.setdefault(key, " ".join(attrs.get("content", "").split()))

    def _end_title(self) -> None:
        if self._title_parts is not None:
            self.title = " ".join("".join(self._title_parts).split()) or None
            self._title_parts = None

    def _flush(self) -> None:
        raw, self._buffer = "".join(self._buffer), []
        if self._pre:  # preformatted text keeps its lines
            text = "\n".join(line.rstrip() for line in raw.strip("\n").split("\n"))
        else:
            text = " ".join(raw.split())
        if not text.strip():
            return
        if self._bullet and not self._heading:
            text, self._bullet = "• " + text, False
        self.blocks.append(_Block(text, self._heading, bool(self._content)))


def html_text(html: str) -> HtmlText:
    """Extract a page's readable text; with an <article> or <main>, only the text inside it."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    blocks = parser.blocks
    if any(block.in_content for block in blocks):
        blocks = [block for block in blocks if block.in_content]
    parts: list[str] = []
    headings: list[tuple[int, int, int]] = []
    offset = 0
    for block in blocks:
        if block.level:
            headings.append((offset, offset + len(block.text), block.level))
        parts.append(block.text)
        offset += len(block.text) + 2  # the "\n\n" between paragraphs
    first_h1 = next((block.text for block in parser.blocks if block.level == 1), None)
    meta = parser.meta
    return HtmlText(
        text="\n\n".join(parts),
        headings=tuple(headings),
        title=parser.title or first_h1,
        url=next((url for key in _URL_KEYS if (url := web_url(meta.get(key)))), None),
        publisher=meta.get("publisher") or meta.get("og:site_name") or None,
        author=meta.get("author") or None,
    )
