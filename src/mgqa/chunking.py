"""Document -> Chunks: section-aware, sentence-bounded passages within the model's token limit.

Pure: a chunk's text is always document.text[start:end], so every quote can be
traced to the exact characters of its source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mgqa import text as textlib
from mgqa.records import Chunk, Document

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class ChunkSettings:
    max_tokens: int = 128  # target passage size in word pieces
    overlap_sentences: int = 1
    hard_limit: int = 254  # the model reads 256 pieces, two of them [CLS]/[SEP]; past that it drops text silently


def context(title: str | None, section: tuple[str, ...]) -> tuple[str, ...]:
    """What a passage is embedded and indexed under: its document's title, then its heading path.

    "It may take 3 to 5 weeks to notice any change", under "How is it taken?", is about the title's subject
    without naming it; in a library the title is what tells it from every other document's "how is it taken".
    """
    return ((title,) if title and title not in section else ()) + section


def embedding_text(chunk: Chunk, title: str | None) -> str:
    """What gets embedded and indexed for words: the title and section path as context, then the verbatim passage."""
    return with_context(context(title, chunk.section), chunk.text)


def sentence_texts(title: str | None, section: tuple[str, ...], sentence: str) -> tuple[str, str]:
    """A sentence under its heading path, and under its title and heading path: its vector is the two averaged.

    Under the title alone, a question that doesn't name the document's subject ("should I take it with food?")
    drifted from every sentence of a one-document index; without it, a library's sentences lose their subject.
    Identical when the document has no title of its own (the encoder runs once then).
    """
    return with_context(section, sentence), with_context(context(title, section), sentence)


@dataclass(frozen=True)
class Texts:
    """What a build embeds for one document's chunks: each passage under its title and headings, and each
    distinct sentence (in span order) under its headings and under its title and headings."""

    passages: list[str]
    spans: list[tuple[int, int]]
    plain: list[str]
    titled: list[str]


def document_texts(doc: Document, chunks: list[Chunk]) -> Texts:
    """The texts `build` embeds for a document cut into `chunks` (benchmarks time the same ones)."""
    section_of = {span: chunk.section for chunk in chunks for span in chunk.sentences}
    spans = sorted(section_of)
    pairs = [sentence_texts(doc.title, section_of[(a, b)], doc.text[a:b]) for a, b in spans]
    return Texts([embedding_text(c, doc.title) for c in chunks], spans, [p for p, _ in pairs],
                 [t for _, t in pairs])


def with_context(section: tuple[str, ...], passage: str) -> str:
    """A passage preceded by its heading path: "pins and needles" finds "Recognizing the Symptoms"."""
    return " › ".join(section) + "\n" + passage if section else passage


def chunk_document(doc: Document, count_tokens: TokenCounter, settings: ChunkSettings = ChunkSettings()) -> list[Chunk]:
    """Cut a document into passages that never cross a heading and never exceed the token limit."""
    chunks: list[Chunk] = []
    for path, start, end in sections(doc):
        spans = textlib.sentences(doc.text, start, end)
        where = context(doc.title, path)
        prefix = count_tokens(" › ".join(where) + "\n") if where else 0
        budget = min(settings.max_tokens, settings.hard_limit - prefix)
        spans = [piece for span in spans for piece in _split_long(doc.text, span, count_tokens, budget)]
        for first, last in _groups(doc.text, spans, count_tokens, budget, settings.overlap_sentences):
            a, b = spans[first][0], spans[last][1]
            chunks.append(Chunk(
                chunk_id=f"{doc.doc_id}#{len(chunks)}", doc_id=doc.doc_id, start=a, end=b,
                text=doc.text[a:b], section=path, sentences=tuple(spans[first:last + 1]),
            ))
    return chunks


def sections(doc: Document) -> list[tuple[tuple[str, ...], int, int]]:
    """(heading path, start, end) of the text under each heading; the title heading is not part of paths."""
    headings = list(doc.headings) or _detect_headings(doc.text)
    out, stack, cursor = [], [], 0
    path: tuple[str, ...] = ()
    for h_start, h_end, level in headings:
        line_start = doc.text.rfind("\n", 0, h_start) + 1  # markup before the heading text ("## ") is not content
        out.append((path, cursor, line_start))
        name = " ".join(doc.text[h_start:h_end].split())
        stack = [(lvl, n) for lvl, n in stack if lvl < level]
        if not (level == 1 and name == doc.title):
            stack.append((level, name))
        path = tuple(n for _, n in stack)
        cursor = h_end
    out.append((path, cursor, len(doc.text)))
    return [(p, a, b) for p, a, b in out if doc.text[a:b].strip()]


def _detect_headings(text: str) -> list[tuple[int, int, int]]:
    spans = textlib.blocks(text)
    # a one-line note in sentence case ("Magnesium helps nerves") is a sentence without its period, not a
    # lone heading; in Title Case ("Magnesium Notes") it stays a title with nothing under it
    if len(spans) == 1 and textlib.heading_level(text[slice(*spans[0])]) == 3:
        return []
    found = []
    for index, (a, b) in enumerate(spans):
        block = text[a:b]
        if textlib.is_heading(block):
            found.append((a, b, 1 if index == 0 else textlib.heading_level(block)))
    return found


def _groups(text: str, spans: list[tuple[int, int]], count: TokenCounter, budget: int, overlap: int):
    """Greedy runs of whole sentences within budget; each run repeats the last `overlap` sentences."""
    sizes = [count(text[a:b]) + 1 for a, b in spans]
    first = 0
    while first < len(spans):
        last, total = first, sizes[first]
        while last + 1 < len(spans) and total + sizes[last + 1] <= budget:
            last += 1
            total += sizes[last]
        # the estimate ignores bullets and line breaks between sentences: check the real slice
        while last > first and count(text[spans[first][0]:spans[last][1]]) > budget:
            last -= 1
        yield first, last
        if last + 1 >= len(spans):
            return
        following = max(last + 1 - overlap, first + 1)
        # the overlap only helps if the next sentence fits beside it; otherwise start fresh
        if following <= last and sum(sizes[following:last + 2]) > budget:
            following = last + 1
        first = following


def _split_long(text: str, span: tuple[int, int], count: TokenCounter, budget: int) -> list[tuple[int, int]]:
    """A sentence longer than the budget is cut at word boundaries (rare: tables, run-on lists)."""
    a, b = span
    if count(text[a:b]) <= budget:
        return [span]
    pieces, start = [], a
    while start < b:
        end, cut = start, None
        for position in range(start + 1, b + 1):
            if position == b or text[position].isspace():
                if count(text[start:position]) > budget:
                    break
                cut = position
        end = cut if cut is not None else _fit(text, start, b, count, budget)
        pieces.append((start, end))
        start = end
        while start < b and text[start].isspace():
            start += 1
    return pieces


def _fit(text: str, start: int, end: int, count: TokenCounter, budget: int) -> int:
    """The longest prefix of one unbroken "word" (a table row, a run of digits) within the budget."""
    low, high = start + 1, end
    while low < high:
        middle = (low + high + 1) // 2
        if count(text[start:middle]) <= budget:
            low = middle
        else:
            high = middle - 1
    return low
