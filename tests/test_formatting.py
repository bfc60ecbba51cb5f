"""Chat formatting: escaping, highlights, links, badges, notices; pure functions, no server."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from mgqa.answer import Answer, Claim, Disagreement, Quote
from mgqa.formatting import app_link, format_answer, format_question, format_quote, highlighted, safe_href

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'


def make_quote(text: str = "Magnesium helps nerves. Low levels cause tingling.",
               highlight: str = "Low levels cause tingling.", **changes) -> Quote:
    start = 100
    h_start = start + text.index(highlight) if highlight in text else start
    fields = dict(text=text, highlight=highlight, doc_id="nerves", title="Magnesium and Nerves", section="Basics",
                  link="https://example.org/nerves#:~:text=Low%20levels", score=0.8, promotional=False,
                  start=start, end=start + len(text), highlight_start=h_start, highlight_end=h_start + len(highlight))
    return Quote(**{**fields, **changes})


def answered(*quotes: Quote, status: str = "answered", notice: str | None = None) -> Answer:
    return Answer("How does magnesium help nerves?", status, "General health information. Ask a doctor.", quotes,
                  notice)


# ---------------------------------------------------------------- escaping


@pytest.mark.parametrize("payload", [SCRIPT, IMG])
def test_question_is_shown_literally(payload):
    shown = format_question(f"{payload} does magnesium help?")
    assert "<script" not in shown and "<img" not in shown
    assert "&lt;script&gt;" in shown or "&lt;img src=x onerror=&quot;" in shown


@pytest.mark.parametrize("payload", [SCRIPT, IMG])
def test_document_text_in_quotes_is_escaped(payload):
    quote = make_quote(text=f"Magnesium helps nerves. {payload} Low levels cause tingling.",
                       title=f"Title {payload}", section=f"Section {payload}")
    message = format_answer(answered(quote))
    assert "<script" not in message and "<img" not in message
    assert message.count(html.escape(payload)) == 3  # text, title and section each show it as characters


def test_a_message_is_one_html_block_so_markdown_never_touches_the_text():
    quote = make_quote(text="First paragraph *not bold*.\n\nSecond [link](javascript:alert(1)) here.",
                       highlight="Second [link](javascript:alert(1)) here.")
    message = format_answer(answered(quote))
    assert "\n" not in message
    assert "<br><br>" in message
    assert 'href="javascript' not in message


# ---------------------------------------------------------------- what a person sees in an answer


def test_highlight_is_marked_inside_the_block_quote():
    message = format_answer(answered(make_quote()))
    assert "<blockquote>Magnesium helps nerves. <mark>Low levels cause tingling.</mark></blockquote>" in message


def test_highlight_falls_back_to_searching_when_offsets_disagree():
    quote = make_quote(highlight_start=0, highlight_end=5)
    assert highlighted(quote) == "Magnesium helps nerves. <mark>Low levels cause tingling.</mark>"


def test_source_links_open_in_a_new_tab_and_every_quote_can_open_in_the_app():
    message = format_answer(answered(make_quote()))
    links = re.findall(r"<a [^>]*>", message)
    assert len(links) == 2
    assert all('target="_blank"' in a and 'rel="noopener noreferrer"' in a for a in links)
    assert 'href="https://example.org/nerves#:~:text=Low%20levels"' in message
    assert 'href="/source/nerves?start=100&amp;end=150&amp;hs=124&amp;he=150#passage"' in message


def test_a_link_opening_a_new_tab_says_so_to_a_screen_reader_and_hides_its_arrow():
    links = re.findall(r"<a [^>]*>.*?</a>", format_answer(answered(make_quote())))
    assert links and all('<span aria-hidden="true">↗</span>' in a and "(opens in a new tab)" in a for a in links)


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,<b>x</b>", "//evil.example/x",
                                  "ftp://example.org/x", 'https://example.org/"onmouseover="x'])
def test_links_other_than_http_or_the_source_view_are_dropped(link):
    assert safe_href(link) is None
    message = format_answer(answered(make_quote(link=link)))
    assert "Open the source" not in message
    assert "open in app" in message  # the app's own view still works


def test_safe_links_are_kept():
    assert safe_href("https://example.org/a?b=c#:~:text=x") == "https://example.org/a?b=c#:~:text=x"
    assert safe_href("/source/nerves?start=1&end=2#passage") == "/source/nerves?start=1&end=2#passage"


def test_app_link_percent_encodes_the_document_id():
    assert app_link(make_quote(doc_id="a b/c")).startswith("/source/a%20b%2Fc?start=100")


def test_promotional_quotes_and_only_those_carry_a_badge():
    message = format_answer(answered(make_quote(promotional=True), make_quote(doc_id="other", promotional=False)))
    assert message.count('<span class="mgqa-badge">Promotional') == 1
    assert message.index("Promotional") < message.index('<span class="mgqa-num">2</span>')


@pytest.mark.parametrize(("kind", "shown"), [("public_health", "Public health"), ("clinic", "Clinic"),
                                             ("commercial", "Seller"), ("unknown", "Source type unknown"),
                                             ("made-up", "Source type unknown")])
def test_each_quote_names_its_publisher_and_kind_in_words(kind, shown):
    message = format_answer(answered(make_quote(publisher=f"Health {IMG}", publisher_type=kind)))
    assert f'<span class="mgqa-source-type">{shown}</span> · Health {html.escape(IMG)}</span>' in message
    assert "<img" not in message


def test_a_quote_without_a_publisher_says_so():
    assert "Source type unknown</span> · publisher not named" in format_answer(answered(make_quote()))


def disagreeing(*claims: tuple[str, int]) -> Answer:
    quotes = (make_quote(publisher="County Health", publisher_type="public_health"),
              make_quote(doc_id="clinic", publisher="Nerve Clinic", publisher_type="clinic"))
    made = tuple(Claim(value, quotes[min(i, 1)].doc_id, quotes[min(i, 1)].publisher,
                       quotes[min(i, 1)].publisher_type, i) for value, i in claims)
    return replace(answered(*quotes), disagreements=(Disagreement(f"the daily upper limit {SCRIPT}", made),))


def test_sources_disagree_comes_before_the_caution_and_names_each_side():
    message = format_answer(disagreeing(("350 mg", 0), (f"420 mg {IMG}", 1)))
    assert message.index("Sources disagree") < message.index("Caution:") < message.index("<blockquote>")
    sides = re.findall(r"<li>(.*?)</li>", message)
    assert [re.sub(r"<[^>]+>", " ", side).split() for side in sides] == [
        ["350", "mg", "Public", "health", "·", "County", "Health", "in", "quote", "1"],
        ["420", "mg", *html.escape(IMG).split(), "Clinic", "·", "Nerve", "Clinic", "in", "quote", "2"]]
    assert "<script" not in message and "<img" not in message and "\n" not in message


def test_a_disagreement_comes_after_an_emergency_notice():
    answer = replace(disagreeing(("350 mg", 0), ("420 mg", 1)), status="urgent", notice="Call 911 now.")
    message = format_answer(answer)
    assert message.index("Call 911 now.") < message.index("Sources disagree")


def test_a_claim_pointing_past_the_quotes_names_no_quote():
    message = format_answer(disagreeing(("350 mg", 0), ("420 mg", 7)))
    assert "in quote 1" in message and "in quote 8" not in message


def test_no_disagreement_no_box():
    assert "Sources disagree" not in format_answer(answered(make_quote()))


def test_title_and_section_are_shown_as_title_then_section():
    assert "<strong>Magnesium and Nerves</strong> › Basics" in format_answer(answered(make_quote()))


def test_caution_is_shown_before_the_quotes():
    message = format_answer(answered(make_quote()))
    assert 'class="mgqa-caution"' in message
    assert message.index("General health information") < message.index("<blockquote>")


def test_urgent_answer_opens_with_the_emergency_notice():
    notice = "This may be a medical emergency. Call your local emergency number now."
    message = format_answer(answered(make_quote(), status="urgent", notice=notice))
    first_text = re.sub(r"<[^>]+>", " ", message).split()
    assert " ".join(first_text[:4]) == "Emergency: get help now"
    assert message.index(notice) < message.index("General health information") < message.index("<blockquote>")
    assert 'role="alert"' in message


def test_not_found_says_what_happened_and_what_to_try():
    notice = "The documents in this knowledge base don't cover that question."
    message = format_answer(answered(status="not_found", notice=notice))
    assert "Not covered by these documents" in message and html.escape(notice) in message
    assert "example questions" in message
    assert "<blockquote>" not in message


def test_invalid_question_shows_the_reason():
    message = format_answer(answered(status="invalid", notice="The question is empty. Type a question."))
    assert "couldn't be answered" in message and "The question is empty" in message


def test_a_real_answer_from_the_knowledge_base_formats(kb):
    answer = kb.ask("How much magnesium do adults take each day?")
    message = format_answer(answer)
    assert answer.status == "answered" and "<mark>" in message and message.count("<blockquote>") == len(answer.quotes)




def test_a_sentence_several_documents_say_names_every_source_with_its_link():
    from mgqa.answer import Source

    other = Source("nhs.html", "Magnesium <b>facts</b>", "National Health Guide", "public_health",
                   "https://example.org/mg#:~:text=Magnesium")
    hostile = Source("x.md", "X", "Seller", "commercial", "javascript:alert(1)")
    quote = replace(make_quote(), also_in=(other, hostile))
    html = format_quote(quote)
    assert "Also said by:" in html and "National Health Guide" in html and "Public health" in html
    assert 'href="https://example.org/mg#:~:text=Magnesium"' in html
    assert "<b>facts</b>" not in html and "javascript:" not in html  # escaped title, unsafe link dropped
    assert quote.to_dict()["also_in"] == [other.to_dict(), hostile.to_dict()]
    assert "Also said by" not in format_quote(make_quote())


def test_a_safety_line_above_an_ordinary_answer_is_shown_before_the_quotes():
    from mgqa import safety

    for line in (safety.SUPPORT_LINE, safety.GREY_ZONE_LINE, safety.POISON_LINE):
        message = format_answer(answered(make_quote(), notice=line))
        assert html.escape(line) in message and "If you need help now" in message
        assert message.index(html.escape(line)) < message.index("<blockquote>")
        assert 'role="alert"' not in message  # an ordinary answer: not announced as an emergency


def test_a_disagreement_is_said_once_even_with_a_safety_line():
    from mgqa import disagreement, safety

    answer = disagreeing(("350 mg", 0), ("420 mg", 1))
    answer = replace(answer, notice=f"{safety.POISON_LINE} {disagreement.notice(list(answer.disagreements))}")
    message = format_answer(answer)
    assert html.escape(safety.POISON_LINE) in message
    assert "Sources disagree on the" not in message  # the notice's sentence: the box below says it in sides
    assert message.count("mgqa-disagree-title") == 1
