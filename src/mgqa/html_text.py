"""HTML -> readable text and heading spans: page clutter pruned by its markup, then the article read in order.

The text is built from block-level paragraphs joined by blank lines, so heading spans are exact offsets
into it. boilerplate.py first removes what the markup says is not article (banners, menus, widgets);
the walk then keeps what is inside <article>/<main>, or, on a page with neither, what follows its one <h1>.
benchmarks/bench_extract.py compares this with trafilatura, readability-lxml and jusText on the test library.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from mgqa.html_meta import HtmlMeta, page_meta, web_url
from mgqa.text import join_blocks

__all__ = ["HtmlText", "html_text", "web_url"]

# Elements whose text is never article text.
SKIPPED = frozenset("head title script style noscript template nav footer header aside form iframe svg".split())
HEADINGS = {f"h{level}": level for level in range(1, 7)}
BLOCKS = frozenset(
    "p div li br tr section article main blockquote pre ul ol table dl dt dd figure figcaption hr address"
    " details summary caption body h1 h2 h3 h4 h5 h6".split()
)
CONTENT_ROOTS = frozenset({"article", "main"})


@dataclass(frozen=True)
class HtmlText:
    """What a page says: its readable text, heading spans in that text, and its metadata."""

    text: str
    headings: tuple[tuple[int, int, int], ...]
    title: str | None
    url: str | None
    publisher: str | None
    author: str | None
    date: str | None = None
    commercial: bool = False
    promotes: tuple[str, ...] = ()
    publisher_type: str | None = None


@dataclass(frozen=True)
class Block:
    text: str
    level: int  # heading level, 0 for a paragraph
    in_content: bool  # inside <article> or <main>


def _pop_through(stack: list[str], tag: str) -> None:
    """Close `tag` and anything left open inside it, as browsers do with unclosed elements."""
    del stack[len(stack) - 1 - stack[::-1].index(tag) :]


class _PageParser(HTMLParser):
    """Collects paragraphs and metadata; tolerant of unclosed tags since html.parser never raises."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
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
        if tag in ("td", "th"):
            self._buffer.append(" ")  # keep cells of a row apart
        if tag not in BLOCKS:
            return
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
        self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()

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
        self.blocks.append(Block(text, self._heading, bool(self._content)))


def walk_blocks(html: str, from_headline: bool = True) -> list[Block]:
    """Every paragraph in order; only those inside <article>/<main> when the page has one."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    blocks = parser.blocks
    if any(block.in_content for block in blocks):
        return [block for block in blocks if block.in_content]
    headlines = [index for index, block in enumerate(blocks) if block.level == 1]
    # no article element: what comes before the page's one headline is its banner (site name, top bar)
    return blocks[headlines[0]:] if from_headline and len(headlines) == 1 else blocks


def html_text(html: str) -> HtmlText:
    """A page's readable article text, its heading spans and its metadata."""
    import lxml.html
    from lxml.etree import ParserError

    from mgqa.boilerplate import prune

    try:
        root = lxml.html.document_fromstring(html)
    except (ParserError, ValueError):  # nothing but whitespace or comments
        return HtmlText("", (), None, None, None, None)
    meta = page_meta(root)
    return assemble(walk_blocks(lxml.html.tostring(prune(root), encoding="unicode")), meta)


def assemble(blocks: list[Block], meta: HtmlMeta = HtmlMeta()) -> HtmlText:
    """Paragraphs joined by blank lines, with the offsets of the headings among them."""
    text, headings = join_blocks([(block.text, block.level) for block in blocks])
    first_h1 = next((block.text for block in blocks if block.level == 1), None)
    return HtmlText(
        text=text, headings=headings, title=meta.title or first_h1, url=meta.url,
        publisher=meta.publisher, author=meta.author, date=meta.date, commercial=meta.commercial,
        promotes=meta.promotes, publisher_type=meta.publisher_type,
    )
