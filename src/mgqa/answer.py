"""Passages -> Answer: verbatim quotes with highlights and deep links, plus the caution note."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import quote as percent_encode

from mgqa import promotion
from mgqa import text as textlib
from mgqa.credits import credit_spans
from mgqa.records import Document
from mgqa.retrieval import Passage

STATUSES = ("answered", "not_found", "urgent", "invalid")
MAX_QUOTES = 3
ANSWERS_MARGIN = 0.3  # another document "answers" too when its best sentence is this close to the best one (README)
MIN_STATEMENT_WORDS = 8  # below this, a passage of questions and lead-ins is not quoted as an answer
LEAD_IN_MARGIN = 0.1  # how much closer a lead-in sentence must be to win the highlight over a content sentence


@dataclass(frozen=True)
class Source:
    """Another document whose passage says what a quote says (near-duplicates are quoted once)."""

    doc_id: str
    title: str
    publisher: str | None
    publisher_type: str
    link: str

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "title": self.title, "publisher": self.publisher,
                "publisher_type": self.publisher_type, "link": self.link}


@dataclass(frozen=True)
class Quote:
    """A verbatim passage of one document; text == document.text[start:end]."""

    text: str
    highlight: str  # the sentence(s) that answer best; a substring of text
    doc_id: str
    title: str
    section: str
    link: str
    score: float
    promotional: bool
    start: int
    end: int
    highlight_start: int
    highlight_end: int
    page: int | None = None
    publisher: str | None = None
    publisher_type: str = "unknown"  # public_health | clinic | commercial | unknown
    # other documents saying (nearly) the same sentence, collapsed into this quote; each is named with its link
    also_in: tuple[Source, ...] = ()

    def to_dict(self) -> dict:
        return {"text": self.text, "highlight": self.highlight, "doc_id": self.doc_id, "title": self.title,
                "section": self.section, "link": self.link, "score": round(self.score, 4),
                "promotional": self.promotional, "publisher": self.publisher, "publisher_type": self.publisher_type,
                "also_in": [source.to_dict() for source in self.also_in]}


@dataclass(frozen=True)
class Claim:
    """One side of a disagreement: what one document states, and which quote shows it."""

    value: str  # the figure or claim as the document words it, e.g. "350 mg"
    doc_id: str
    publisher: str | None
    publisher_type: str
    quote: int  # index into Answer.quotes

    def to_dict(self) -> dict:
        return {"value": self.value, "doc_id": self.doc_id, "publisher": self.publisher,
                "publisher_type": self.publisher_type, "quote": self.quote}


@dataclass(frozen=True)
class Disagreement:
    """Quoted documents that state different figures for one quantity (or opposite claims)."""

    quantity: str  # e.g. "safe daily amount"; for opposite claims, the question as asked, in quotation marks
    claims: tuple[Claim, ...]

    @property
    def subject(self) -> str:
        """What the sources disagree on, as a sentence says it: "the safe daily amount", or the question asked."""
        return self.quantity if self.quantity.startswith(("“", "the ")) else f"the {self.quantity}"

    def to_dict(self) -> dict:
        return {"quantity": self.quantity, "claims": [c.to_dict() for c in self.claims]}


@dataclass(frozen=True)
class Answer:
    question: str
    status: str
    caution: str
    quotes: tuple[Quote, ...] = ()
    notice: str | None = None  # emergency notice, or what happened when nothing is quoted
    reason: str | None = field(default=None, compare=False)  # why: triage rule or abstention signal (not in JSON)
    disagreements: tuple[Disagreement, ...] = ()

    def to_dict(self) -> dict:
        return {"question": self.question, "status": self.status, "quotes": [q.to_dict() for q in self.quotes],
                "caution": self.caution, "notice": self.notice,
                "disagreements": [d.to_dict() for d in self.disagreements]}


def build_quotes(passages: list[Passage], documents: Mapping[str, Document], limit: int = MAX_QUOTES) -> list[Quote]:
    """Up to `limit` quotes, best first, one per document (a second or third only when no other document
    answers), no two overlapping; a near-duplicate of a quoted sentence names its document on that quote.

    A document answers when its best sentence is within ANSWERS_MARGIN of the best passage's: once every such
    document has its quote, free slots go to the next passages whatever their document."""
    if not passages:
        return []
    floor = passages[0].sentence - ANSWERS_MARGIN
    answering = [p for p in passages if p.sentence >= floor]
    quotes = _quotes(answering, documents, limit, per_document=1)
    if len(quotes) < limit:
        quotes = _quotes(passages, documents, limit, per_document=limit, taken_quotes=quotes)
    return quotes


def _quotes(passages: list[Passage], documents: Mapping[str, Document], limit: int, per_document: int,
            taken_quotes: list[Quote] = ()) -> list[Quote]:
    quotes: list[Quote] = list(taken_quotes)
    taken = [(q.doc_id, q.start, q.end) for q in quotes]
    for passage in passages:
        doc = documents[passage.chunk.doc_id]
        if sum(q.doc_id == doc.doc_id for q in quotes) >= per_document:
            continue
        span = _free_span(passage, taken)
        if span is None or not _says_something(passage, span, doc.text):
            continue
        span = _after_credits(passage, span, doc)
        twin = _near_duplicate(doc.text[slice(*passage.best)], doc.doc_id, quotes)
        if twin is not None:
            if all(a.doc_id != doc.doc_id for a in quotes[twin].also_in):
                also = Source(doc.doc_id, doc.title, doc.publisher, doc.publisher_type,
                              source_link(doc, *passage.best))
                quotes[twin] = replace(quotes[twin], also_in=quotes[twin].also_in + (also,))
            continue
        start, end = _with_its_list(span, doc.text, [(a, b) for d, a, b in taken if d == doc.doc_id])
        answering = _answering_sentence(passage, start, end, doc.text)
        h_start, h_end = _highlight(passage, answering, start, end, doc)
        taken.append((doc.doc_id, start, end))
        quotes.append(Quote(
            text=doc.text[start:end], highlight=doc.text[h_start:h_end], doc_id=doc.doc_id, title=doc.title,
            section=" › ".join(passage.chunk.section), link=source_link(doc, *answering),
            score=passage.score,
            promotional=promotion.is_promotional(doc.text[start:end], doc, promotion.context_of(doc, start)),
            start=start, end=end, highlight_start=h_start, highlight_end=h_end, page=doc.page_at(h_start),
            publisher=doc.publisher, publisher_type=doc.publisher_type))
        if len(quotes) == limit:
            break
    return quotes


def _near_duplicate(sentence: str, doc_id: str, quotes: list[Quote], threshold: float = 0.8) -> int | None:
    """The quote from another document whose answering sentence shares most words with this one, if any."""
    words = set(textlib.words(sentence))
    for index, quote in enumerate(quotes):
        other = set(textlib.words(quote.highlight))
        if quote.doc_id != doc_id and words and other and len(words & other) / len(words | other) >= threshold:
            return index
    return None


def source_link(doc: Document, start: int, end: int) -> str:
    """A link that opens the source at the passage: a text fragment, a PDF page, or the app's source view."""
    page = doc.page_at(start)
    if doc.url and page is not None:
        return f"{doc.url.split('#')[0]}#page={page}"
    if doc.url:
        return f"{doc.url.split('#')[0]}#:~:text={text_directive(doc.text[start:end])}"
    return f"/source/{percent_encode(doc.doc_id, safe='')}?start={start}&end={end}#passage"


def text_directive(passage: str, edge_words: int = 5) -> str:
    """The Text Fragments `text=` value: the whole passage, or `start,end` words when it is long."""
    words = passage.split()
    if len(words) <= 2 * edge_words + 2:
        return _encode(" ".join(words))
    return f"{_encode(' '.join(words[:edge_words]))},{_encode(' '.join(words[-edge_words:]))}"


def _encode(text: str) -> str:
    # The spec reserves "&", "-" and "," inside a directive: they must be percent-encoded too.
    return percent_encode(text, safe="").replace("-", "%2D")


def _free_span(passage: Passage, taken: list[tuple[str, int, int]]) -> tuple[int, int] | None:
    """The passage's sentences that don't overlap a quote already chosen, if the best sentence is among them."""
    chunk = passage.chunk
    clashes = [(a, b) for doc_id, a, b in taken if doc_id == chunk.doc_id and a < chunk.end and chunk.start < b]
    if not clashes:
        return chunk.start, chunk.end
    free = [s for s in chunk.sentences if not any(a < s[1] and s[0] < b for a, b in clashes)]
    if passage.best not in free:
        return None
    # keep the contiguous run of free sentences around the best one
    index = free.index(passage.best)
    first = last = index
    while first > 0 and chunk.sentences.index(free[first - 1]) == chunk.sentences.index(free[first]) - 1:
        first -= 1
    while last + 1 < len(free) and chunk.sentences.index(free[last + 1]) == chunk.sentences.index(free[last]) + 1:
        last += 1
    return free[first][0], free[last][1]


def _after_credits(passage: Passage, span: tuple[int, int], doc: Document) -> tuple[int, int]:
    """A quote of a page's opening starts after the credit lines before its best sentence (credits.py)."""
    if passage.chunk.section:  # only the text before the page's first heading after its title has credits
        return span
    before = [end for _, end in credit_spans(doc, span[0], span[1]) if end <= passage.best[0]]
    if not before:
        return span
    after = [a for a, _ in passage.chunk.sentences if a >= max(before)]
    return min(after), span[1]


def _with_its_list(span: tuple[int, int], text: str, taken: list[tuple[int, int]]) -> tuple[int, int]:
    """A quote ending on a lead-in ("…prioritize:") runs on through the list it introduces, short of other quotes."""
    start, end = span
    if text[end - 1] != ":":
        return span
    limit = min([a for a, _ in taken if a >= end], default=len(text))
    return start, textlib.list_after(text, end, limit)


def _is_lead_in(text: str, span: tuple[int, int]) -> bool:
    """A sentence that asks a question or introduces a list: it announces an answer, it isn't one."""
    return text[span[1] - 1] in ":?"


def _says_something(passage: Passage, span: tuple[int, int], text: str) -> bool:
    """False for a passage matched on a question or a lead-in with next to nothing besides ("Now to address
    our central question: can magnesium repair nerve damage? The answer requires some nuance.")."""
    if not _is_lead_in(text, passage.best):
        return True
    statements = [text[a:b] for a, b in passage.chunk.sentences
                  if span[0] <= a and b <= span[1] and not _is_lead_in(text, (a, b))]
    return sum(len(s.split()) for s in statements) >= MIN_STATEMENT_WORDS


def _answering_sentence(passage: Passage, start: int, end: int, text: str) -> tuple[int, int]:
    """The best sentence, unless it only introduces a list or asks a question and a sentence with
    content scores nearly as well: "To get the most from your supplementation:" is not an answer."""
    best = passage.best
    if not _is_lead_in(text, best):
        return best
    scores = dict(zip(passage.chunk.sentences, passage.sentence_scores))
    content = [s for s in passage.chunk.sentences if start <= s[0] and s[1] <= end and not _is_lead_in(text, s)]
    if not content:
        return best
    runner_up = max(content, key=lambda s: scores[s])
    return runner_up if scores[runner_up] >= scores[best] - LEAD_IN_MARGIN else best


def _highlight(passage: Passage, answering: tuple[int, int], start: int, end: int, doc: Document) -> tuple[int, int]:
    """The answering sentence; a very short one (a list item of a few words) takes its best neighbour along."""
    a, b = answering
    if len(doc.text[a:b].split()) >= 6:
        return a, b
    sentences = [s for s in passage.chunk.sentences if start <= s[0] and s[1] <= end]
    scores = dict(zip(passage.chunk.sentences, passage.sentence_scores))
    index = sentences.index(answering)
    neighbours = [sentences[i] for i in (index - 1, index + 1) if 0 <= i < len(sentences)]
    if not neighbours:
        return a, b
    other = max(neighbours, key=lambda s: scores[s])
    return min(a, other[0]), max(b, other[1])
