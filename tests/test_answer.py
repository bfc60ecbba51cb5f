"""Quotes: verbatim, non-overlapping, highlighted inside, each with a link that opens the source at it."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import unquote

import pytest

from mgqa import text as textlib
from mgqa.answer import Answer, Quote, build_quotes, source_link, text_directive
from mgqa.records import Chunk, Document
from mgqa.retrieval import Passage

TEXT = ("Magnesium calms the nerves in most adults. It blocks calcium at the receptor when levels are normal. "
        "Adults take 310 to 420 mg a day. Magnesium 7 has seven forms. "
        "Spinach helps. Almonds and seeds have plenty of magnesium in them too.")


def document(text: str = TEXT, **fields) -> Document:
    values = {"doc_id": "guide", "source": "guide.txt", "kind": "txt", "title": "Guide", "text": text,
              "sha256": "0", "promotes": ("Magnesium 7",), **fields}
    return Document(**values)


SPANS = tuple(textlib.sentences(TEXT))  # six sentences


def chunk(first: int, last: int, number: int = 0, doc_id: str = "guide") -> Chunk:
    spans = SPANS[first:last + 1]
    return Chunk(f"{doc_id}#{number}", doc_id, spans[0][0], spans[-1][1], TEXT[spans[0][0]:spans[-1][1]],
                 ("Dosage",), spans)


def passage(c: Chunk, best: int, score: float = 1.0, scores: tuple[float, ...] | None = None) -> Passage:
    scores = scores or tuple(0.5 for _ in c.sentences)
    return Passage(c, score, 0.5, 0.5, 0.0, SPANS[best], scores, 1.0)


def check_quote(quote: Quote, doc: Document) -> None:
    assert quote.text == doc.text[quote.start:quote.end]
    assert quote.highlight == doc.text[quote.highlight_start:quote.highlight_end]
    assert quote.start <= quote.highlight_start < quote.highlight_end <= quote.end
    assert quote.highlight in quote.text


# ---------------------------------------------------------------- quotes


def test_a_quote_is_the_whole_chunk_with_its_best_sentence_highlighted():
    doc = document()
    [quote] = build_quotes([passage(chunk(0, 2), best=1)], {"guide": doc})
    check_quote(quote, doc)
    assert quote.text == TEXT[SPANS[0][0]:SPANS[2][1]]
    assert quote.highlight == "It blocks calcium at the receptor when levels are normal."
    assert (quote.title, quote.section, quote.doc_id) == ("Guide", "Dosage", "guide")


def test_quotes_never_overlap_and_come_best_first():
    doc = document()
    first = passage(chunk(0, 2, 0), best=1, score=3.0)
    overlapping = passage(chunk(2, 4, 1), best=3, score=2.0)  # shares sentence 2 with the first
    swallowed = passage(chunk(1, 2, 2), best=2, score=1.5)  # its best sentence is already quoted
    last = passage(chunk(4, 5, 3), best=5, score=1.0)
    quotes = build_quotes([first, overlapping, swallowed, last], {"guide": doc})
    assert [q.score for q in quotes] == [3.0, 2.0, 1.0]
    for quote in quotes:
        check_quote(quote, doc)
    spans = sorted((q.start, q.end) for q in quotes)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert quotes[1].text == TEXT[SPANS[3][0]:SPANS[4][1]]  # what was left of the overlapping chunk
    assert quotes[2].text == TEXT[SPANS[5][0]:SPANS[5][1]]


def test_the_same_sentence_in_two_documents_is_quoted_once_naming_both():
    docs = {"guide": document(), "copy": document(doc_id="copy", title="Copy")}
    a = passage(chunk(0, 2), best=0)
    b = passage(chunk(0, 2, doc_id="copy"), best=0)
    [quote] = build_quotes([a, b], docs)
    assert quote.doc_id == "guide" and [other.doc_id for other in quote.also_in] == ["copy"]


def test_no_more_quotes_than_the_limit():
    doc = document()
    passages = [passage(chunk(i, i, i), best=i) for i in range(6)]
    assert len(build_quotes(passages, {"guide": doc})) == 3
    assert len(build_quotes(passages, {"guide": doc}, limit=5)) == 5


def test_a_short_best_sentence_is_highlighted_with_its_best_neighbour():
    doc = document()
    # "Spinach helps." is two words: the neighbour closer to the question joins the highlight
    [after] = build_quotes([passage(chunk(3, 5), best=4, scores=(0.1, 0.9, 0.6))], {"guide": doc})
    check_quote(after, doc)
    assert after.highlight == "Spinach helps. Almonds and seeds have plenty of magnesium in them too."
    [before] = build_quotes([passage(chunk(3, 5), best=4, scores=(0.7, 0.9, 0.2))], {"guide": doc})
    assert before.highlight == "Magnesium 7 has seven forms. Spinach helps."
    [alone] = build_quotes([passage(chunk(4, 4), best=4)], {"guide": doc})
    assert alone.highlight == "Spinach helps."


def test_a_quote_naming_the_publishers_product_is_promotional():
    doc = document()
    promo, plain = build_quotes([passage(chunk(3, 3, 0), best=3), passage(chunk(0, 0, 1), best=0)], {"guide": doc})
    assert promo.promotional and not plain.promotional


def test_quote_and_answer_dictionaries_have_the_api_keys():
    doc = document()
    [quote] = build_quotes([passage(chunk(0, 1), best=0, score=0.123456)], {"guide": doc})
    as_dict = quote.to_dict()
    assert set(as_dict) == {"text", "highlight", "doc_id", "title", "section", "link", "score",
                             "promotional", "publisher", "publisher_type", "also_in"}
    assert as_dict["score"] == 0.1235
    answer = Answer("q?", "answered", "caution", (quote,), None, reason="internal")
    assert set(answer.to_dict()) == {"question", "status", "quotes", "caution", "notice", "disagreements"}
    assert answer.to_dict()["quotes"] == [as_dict]


# ---------------------------------------------------------------- links


def test_text_directive_percent_encodes_the_reserved_characters():
    directive = text_directive("Magnesium-calcium balance, sleep & stress")
    assert directive == "Magnesium%2Dcalcium%20balance%2C%20sleep%20%26%20stress"
    assert unquote(directive) == "Magnesium-calcium balance, sleep & stress"


def test_text_directive_folds_line_breaks_into_single_spaces():
    assert text_directive("one\n\ntwo   three") == "one%20two%20three"


def test_a_long_passage_uses_the_start_end_form():
    passage_text = " ".join(f"w{n}" for n in range(30)) + " end-of-it, done"
    directive = text_directive(passage_text)
    start, end = directive.split(",")  # the one bare comma separates textStart from textEnd
    assert unquote(start) == "w0 w1 w2 w3 w4"
    assert unquote(end) == "w27 w28 w29 end-of-it, done"
    assert "-" not in directive and "&" not in directive and " " not in directive


def test_a_short_passage_is_quoted_whole():
    assert "," not in text_directive("Magnesium calms the nerves in most adults, they say.").replace("%2C", "")


def test_a_link_for_a_web_document_opens_the_page_at_the_sentence():
    doc = document(url="https://example.org/guide#top")
    a, b = SPANS[2]
    link = source_link(doc, a, b)
    assert link == "https://example.org/guide#:~:text=" + text_directive(TEXT[a:b])
    assert unquote(link.split("#:~:text=")[1]) == "Adults take 310 to 420 mg a day."


def test_a_link_for_a_document_without_url_opens_the_source_view():
    doc = document(doc_id="my guide/1")
    a, b = SPANS[1]
    assert source_link(doc, a, b) == f"/source/my%20guide%2F1?start={a}&end={b}#passage"


def test_a_link_for_a_pdf_with_url_opens_its_page():
    text = "Page one text here.\n\nPage two text here."
    doc = document(text=text, kind="pdf", url="https://example.org/guide.pdf", pages=(0, 21))
    assert source_link(doc, 0, 19) == "https://example.org/guide.pdf#page=1"
    assert source_link(doc, 21, 39) == "https://example.org/guide.pdf#page=2"
    no_url = document(text=text, kind="pdf", pages=(0, 21))
    assert source_link(no_url, 21, 39).startswith("/source/guide?start=21")


def test_a_quote_from_a_pdf_knows_its_page():
    text = "First page sentence about magnesium here.\n\nSecond page sentence about the nerves here."
    doc = document(text=text, kind="pdf", url="https://example.org/g.pdf", pages=(0, 43))
    spans = tuple(textlib.sentences(text))
    c = Chunk("guide#0", "guide", spans[0][0], spans[1][1], text[spans[0][0]:spans[1][1]], (), spans)
    [quote] = build_quotes([Passage(c, 1.0, 0.5, 0.5, 0.0, spans[1], (0.1, 0.9), 1.0)], {"guide": doc})
    assert quote.page == 2 and quote.link == "https://example.org/g.pdf#page=2"


@pytest.mark.parametrize("best", range(6))
def test_every_best_sentence_links_to_itself(best):
    doc = document(url="https://example.org/guide")
    [quote] = build_quotes([passage(chunk(0, 5), best=best)], {"guide": doc})
    fragment = quote.link.split("#:~:text=")[1]
    words = TEXT[SPANS[best][0]:SPANS[best][1]].split()
    assert unquote(fragment.split(",")[0]).split()[0] == words[0]


# ---------------------------------------------------------------- the answering sentence

LISTED = "Good sources include:\n  • Spinach and chard are rich in magnesium.\n  • Almonds help too."
LISTED_SPANS = tuple(textlib.sentences(LISTED))


def listed_passage(scores: tuple[float, ...]) -> Passage:
    c = Chunk("list#0", "list", 0, len(LISTED), LISTED, ("Foods",), LISTED_SPANS)
    return Passage(c, 1.0, 0.5, max(scores), 0.0, LISTED_SPANS[scores.index(max(scores))], scores,
                   0.5 + max(scores))


def test_a_list_lead_in_does_not_win_the_highlight_over_a_close_content_sentence():
    doc = document(LISTED, doc_id="list", url="https://example.org/foods")
    [quote] = build_quotes([listed_passage((0.70, 0.65, 0.40))], {"list": doc})
    assert quote.highlight == "Spinach and chard are rich in magnesium."
    assert "Spinach" in unquote(quote.link) and "include" not in unquote(quote.link)


def test_a_lead_in_far_ahead_of_everything_else_keeps_the_highlight():
    doc = document(LISTED, doc_id="list")
    [quote] = build_quotes([listed_passage((0.80, 0.40, 0.30))], {"list": doc})
    assert quote.highlight.startswith("Good sources include:")


def test_a_passage_that_only_asks_and_announces_is_not_quoted():
    text = "Now to our question: does it work? It has nuance.\n\nMagnesium helps most adults with cramps."
    spans = tuple(textlib.sentences(text))  # the question, the filler, the statement
    doc = document(text, doc_id="q")
    fluff = Chunk("q#0", "q", spans[0][0], spans[1][1], text[spans[0][0]:spans[1][1]], (), spans[:2])
    real = Chunk("q#1", "q", spans[2][0], spans[2][1], text[spans[2][0]:spans[2][1]], (), spans[2:])
    quotes = build_quotes([Passage(fluff, 2.0, 0.9, 0.9, 0.0, spans[0], (0.9, 0.5), 1.8),
                           Passage(real, 1.0, 0.6, 0.6, 0.0, spans[2], (0.6,), 1.2)], {"q": doc})
    assert [q.text for q in quotes] == ["Magnesium helps most adults with cramps."]


def test_a_short_statement_is_still_an_answer():
    doc = document()
    [quote] = build_quotes([passage(chunk(3, 3), best=3)], {"guide": doc})
    assert quote.text == "Magnesium 7 has seven forms."


SECTIONED = ("Choosing a supplement can be hard. Here is what to look for:\n\nQuality Signs\n\n"
             "Not all products are equal. Prioritize:\n\n  1. Third-party testing of purity.\n"
             "  2. Several forms of magnesium.\n\nDosage\n\nAdults take 310 to 420 mg a day.")


def sectioned_passage(text: str, upto: int) -> Passage:
    spans = tuple(textlib.sentences(text))[:upto]
    c = Chunk("s#0", "s", spans[0][0], spans[-1][1], text[spans[0][0]:spans[-1][1]], ("Choosing",), spans)
    return Passage(c, 1.0, 0.5, 0.6, 0.0, spans[0], tuple(0.6 - 0.1 * i for i in range(len(spans))), 1.1)


def test_a_quote_ending_on_a_lead_in_runs_on_through_what_it_announces():
    doc = document(SECTIONED, doc_id="s")
    [quote] = build_quotes([sectioned_passage(SECTIONED, 2)], {"s": doc})
    check_quote(quote, doc)
    assert quote.text.startswith("Choosing a supplement") and quote.text.endswith("Several forms of magnesium.")
    assert "Quality Signs" in quote.text and "Dosage" not in quote.text


def test_a_quote_ending_on_a_list_lead_in_takes_the_list_but_not_another_quote():
    text = ("Magnesium is found in many everyday foods and drinks. Good sources include:\n\n  • Spinach and chard."
            "\n  • Almonds.\n  • Pumpkin seeds.\n\nAfter the list.")
    spans = tuple(textlib.sentences(text))
    doc = document(text, doc_id="l")
    lead = Chunk("l#0", "l", spans[0][0], spans[1][1], text[spans[0][0]:spans[1][1]], (), spans[:2])
    later = Chunk("l#1", "l", spans[4][0], spans[5][1], text[spans[4][0]:spans[5][1]], (), spans[4:6])
    quotes = build_quotes([Passage(later, 2.0, 0.9, 0.9, 0.0, spans[4], (0.9, 0.5), 1.8),
                           Passage(lead, 1.0, 0.6, 0.6, 0.0, spans[0], (0.6, 0.5), 1.2)], {"l": doc})
    assert quotes[1].text == text[:text.index("\n  • Pumpkin")]
    check_quote(quotes[1], doc)


def test_a_quote_not_ending_on_a_colon_is_left_as_it_is():
    doc = document()
    [quote] = build_quotes([passage(chunk(0, 1), best=0)], {"guide": doc})
    assert quote.text == TEXT[SPANS[0][0]:SPANS[1][1]]


# ---------------------------------------------------------------- credit lines

OPENING = ("Numb feet\n\nBy Dr. Jane Roe, MD, neurologist, Hillside Clinic\n\nReading time: 4 minutes\n\n"
           "Tingling that keeps coming back deserves a check. A doctor can test your nerves.")


def opening_passage(best: int) -> tuple[Passage, Document]:
    doc = document(OPENING, title="Numb feet", author="Dr. Jane Roe, MD")
    spans = tuple(textlib.sentences(OPENING, len("Numb feet\n\n")))
    c = Chunk("guide#0", "guide", spans[0][0], spans[-1][1], OPENING[spans[0][0]:spans[-1][1]], (), spans)
    return Passage(c, 1.0, 0.5, 0.5, 0.0, spans[best], tuple(0.5 for _ in spans), 1.0), doc


@pytest.mark.parametrize("credit", [
    "By Dr. Jane Roe, MD, neurologist, Hillside Clinic",
    "*Prepared by our clinical panel and checked by two neurologists. About 7 minutes to read.*",
    "Written by the Renal Care Group dietitians. Reviewed November 2023.",
    "Medically reviewed by Sam Lee, PharmD",
    "Last updated: 9 April 2024",
    "Hillside Clinic team · 5-minute read",
    "jane roe, md",  # the page's author, as its metadata names her
])
def test_credit_lines_in_their_usual_forms_are_left_out_of_a_quotes_start(credit):
    quote = quote_of_opening(f"{credit}\n\nTingling that keeps coming back deserves a check. A doctor can test you.")
    assert quote.text == "Tingling that keeps coming back deserves a check. A doctor can test you."


@pytest.mark.parametrize("opening", [
    "Caffeine and alcohol both make tingling worse for some people, so cut back first.",
    "Nerves damaged by alcohol can recover slowly once drinking stops.",
    "By 2030 one in ten adults will have diabetes, and half of them nerve damage.",
    "Updated guidance says most adults get enough magnesium from food alone.",
])
def test_an_opening_paragraph_that_is_not_a_credit_stays_in_the_quote(opening):
    assert quote_of_opening(f"{opening}\n\nTingling that keeps coming back deserves a check.").text.startswith(opening)


def quote_of_opening(body: str) -> Quote:
    """The quote of a page's only passage, `body` under the title "Numb feet", best at its last sentence."""
    text = f"Numb feet\n\n{body}"
    doc = document(text, title="Numb feet", author="Dr. Jane Roe, MD")
    spans = tuple(textlib.sentences(text, len("Numb feet\n\n")))
    c = Chunk("guide#0", "guide", spans[0][0], spans[-1][1], text[spans[0][0]:spans[-1][1]], (), spans)
    [quote] = build_quotes([Passage(c, 1.0, 0.5, 0.5, 0.0, spans[-1], tuple(0.5 for _ in spans), 1.0)], {"guide": doc})
    check_quote(quote, doc)
    return quote


def test_a_quote_of_a_pages_opening_starts_after_its_byline_and_reading_time():
    p, doc = opening_passage(best=-1)
    [quote] = build_quotes([p], {"guide": doc})
    check_quote(quote, doc)
    assert quote.text == "Tingling that keeps coming back deserves a check. A doctor can test your nerves."


def test_a_byline_that_answers_is_quoted():  # "who wrote this?"
    p, doc = opening_passage(best=0)
    [quote] = build_quotes([p], {"guide": doc})
    assert quote.text.startswith("By Dr. Jane Roe") and quote.highlight.startswith("By Dr. Jane Roe")


def test_a_credit_like_line_under_a_heading_stays_in_the_quote():
    p, doc = opening_passage(best=-1)
    under_heading = replace(p, chunk=replace(p.chunk, section=("About",)))
    [quote] = build_quotes([under_heading], {"guide": doc})
    assert quote.text.startswith("By Dr. Jane Roe")


def test_a_paragraph_opening_like_a_credit_far_down_a_page_without_headings_stays_in_the_quote():
    text = "Trial notes\n\n" + "Magnesium was given to adults with numb feet. " * 30 + \
           "\n\nBy March 2020 the trial had enrolled 300 people.\n\nHalf of them felt less tingling after 8 weeks."
    doc = document(text, title="Trial notes")
    spans = tuple(textlib.sentences(text, text.index("By March")))
    c = Chunk("guide#9", "guide", spans[0][0], spans[-1][1], text[spans[0][0]:spans[-1][1]], (), spans)
    p = Passage(c, 1.0, 0.5, 0.5, 0.0, spans[-1], tuple(0.5 for _ in spans), 1.0)
    [quote] = build_quotes([p], {"guide": doc})
    assert quote.text.startswith("By March 2020 the trial had enrolled 300 people.")
