"""The records that flow through mgqa: documents -> chunks -> passages -> answers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Metadata:
    """What a file says about itself, from any format: front matter, <meta>, header lines, PDF info, a sidecar."""

    title: str | None = None
    url: str | None = None
    publisher: str | None = None
    author: str | None = None
    date: str | None = None
    commercial: bool = False
    promotes: tuple[str, ...] = ()
    publisher_type: str | None = None  # "public_health" | "clinic" | "commercial"; None when nothing says


@dataclass(frozen=True)
class Document:
    """One source document, its text exactly as quotes will be taken from it."""

    doc_id: str  # stable: derived from the file name, e.g. "000-298022469d73e39c"
    source: str  # file name relative to the documents folder
    kind: str  # "txt" | "md" | "html" | "pdf"
    title: str
    text: str
    sha256: str  # of the raw file bytes (and its metadata sidecar, if any)
    url: str | None = None
    publisher: str | None = None
    author: str | None = None
    # from the metadata sidecar: a publisher that sells products, and the product names
    # whose mentions mark a passage as promotional (for the seed: "Magnesium 7")
    commercial: bool = False
    promotes: tuple[str, ...] = ()
    date: str | None = None  # as the document gives it (front matter, <meta>, a "Date:" line)
    # "public_health" | "clinic" | "commercial" | "unknown": said by the document or the folder's sources.yaml
    publisher_type: str = "unknown"
    # (start, end, level) character spans of heading lines known from markup
    # (markdown "#", html <h1>-<h6>); empty for plain text, where the chunker detects them.
    headings: tuple[tuple[int, int, int], ...] = ()
    # character offset at which each PDF page starts (page n+1 starts at pages[n]).
    pages: tuple[int, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """1-based PDF page holding a character offset, or None for non-paged documents."""
        if not self.pages:
            return None
        page = 1
        for number, start in enumerate(self.pages, start=1):
            if start <= offset:
                page = number
        return page


@dataclass(frozen=True)
class Chunk:
    """A passage of one document: text == document.text[start:end], always."""

    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str
    section: tuple[str, ...] = ()  # heading path, outermost first
    # (start, end) sentence spans, absolute offsets into the document text
    sentences: tuple[tuple[int, int], ...] = field(default=())
