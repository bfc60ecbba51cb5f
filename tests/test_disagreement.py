"""A tiny library where sources disagree: what a reader sees is one quote per source, both sides, said first."""

from __future__ import annotations

import html
from dataclasses import replace

import pytest

from fakes import FakeEmbedder, write
from mgqa import disagreement
from mgqa.answer import Answer, Quote
from mgqa.build import build
from mgqa.focus import Focus, passage_terms
from mgqa.formatting import format_disagreements
from mgqa.kb import KnowledgeBase
from mgqa.settings import Settings
from mgqa.terminal import render

AGENCY = """---
title: Magnesium limits
publisher: Health Agency
---
# Magnesium limits

The upper limit for magnesium from supplements is 350 mg a day for adults. Taking more magnesium from supplements
can cause diarrhea and stomach cramps in many adults.

Magnesium from food is not limited because the kidneys remove what the body does not need.
"""
SHOP = """---
title: Our magnesium glycinate
publisher: Magnesium Shop
commercial: true
---
# Our magnesium glycinate

Most adults can take 400 to 800 mg of magnesium glycinate a day from supplements without any trouble at all.
Magnesium glycinate is gentle on the stomach for adults and rarely causes diarrhea.

Our capsules hold 200 mg of magnesium glycinate each and ship in recyclable bottles to your door.
"""
SOURCES = '"Health Agency": public_health\n'


@pytest.fixture
def library(tmp_path) -> KnowledgeBase:
    docs = tmp_path / "docs"
    write(docs, "agency.md", AGENCY)
    write(docs, "shop.md", SHOP)
    write(docs, "sources.yaml", SOURCES)
    settings = Settings(docs_dir=docs, index_dir=tmp_path / "index", model="fake-hash")
    embedder = FakeEmbedder()
    build(settings, embedder)
    return KnowledgeBase.load(settings=settings, embedder=embedder)


def test_a_dose_disagreement_is_said_first_with_both_sides_publishers_and_types(library):
    answer = library.ask("How much magnesium from supplements can adults take a day?")
    assert answer.status == "answered"
    assert {q.doc_id for q in answer.quotes} == {"agency", "shop"}
    (found,) = answer.disagreements
    sides = {(c.doc_id, c.value, c.publisher_type) for c in found.claims}
    assert ("agency", "350 mg", "public_health") in sides and ("shop", "400 to 800 mg", "commercial") in sides
    for claim in found.claims:
        assert answer.quotes[claim.quote].doc_id == claim.doc_id
    assert answer.notice.startswith("Sources disagree on the")
    shown = render(answer)
    assert shown.index("Sources disagree") < shown.index("[1]")
    assert "Health Agency (public health)" in shown and "Magnesium Shop (commercial)" in shown
    assert "Health Agency (public health)" in answer.caution and "Magnesium Shop (commercial" in answer.caution


def test_each_document_is_quoted_once_when_another_document_answers(library):
    answer = library.ask("Does magnesium cause diarrhea in adults?")
    doc_ids = [q.doc_id for q in answer.quotes]
    assert len(doc_ids) == len(set(doc_ids)) == 2


def test_a_one_word_topic_is_answered_not_refused(library):
    answer = library.ask("glycinate")
    assert answer.status == "answered" and answer.quotes[0].doc_id == "shop"


def test_agreeing_figures_are_no_disagreement():
    assert disagreement.figures("take 350 mg a day", {"mg"})[0].text == "350 mg"
    assert disagreement.asked("how many mm per day do nerves regrow")[0] == "rate"
    assert disagreement.asked("what foods have magnesium") is None


def test_quotes_that_already_disagree_keep_both_sides(library, tmp_path):
    """The other side is brought in only when the quotes don't already state different figures: a third figure
    must not push out one of two sides (it did, on "how much magnesium does a grown man need daily")."""
    question = "How much magnesium from supplements can adults take a day?"
    quotes = [q for q in library.ask(question).quotes if q.doc_id in ("agency", "shop")][:2]
    best = library.passages(question)[0]  # the same passage, as a third document stating a third figure
    source = library.documents[best.chunk.doc_id]
    text = source.text.replace("350", "420").replace("400 to 800", "420")
    documents = {**library.documents, "clinic": replace(source, doc_id="clinic", text=text)}
    clinic = replace(best, chunk=replace(best.chunk, doc_id="clinic"))
    kept, found = disagreement.with_both_sides(question, quotes, [clinic], documents, False, limit=2)
    assert {q.doc_id for q in kept} == {"agency", "shop"} and found


def test_a_unit_said_in_the_singular_is_a_figure_too():
    """"About 1 millimeter per day" states a regrowth rate as surely as "1-3 millimeters per day"."""
    for said, unit in (("about 1 millimeter per day", "mm"), ("400 microgram", "mcg"), ("1 gram a day", "g"),
                       ("5 milliliter spoon", "ml"), ("2 millimetre", "mm"), ("15 millilitre", "ml")):
        assert [f.unit for f in disagreement.figures(said, {unit})] == [unit], said


def test_a_unit_the_question_names_is_the_quantity_asked():
    assert disagreement.asked("how many hours of sleep should i get")[0] == "time"
    assert disagreement.asked("how many mg of magnesium in a capsule")[0] == "dose"


def test_a_figure_the_answer_check_rejects_is_no_side(library):
    """A figure in a sentence that doesn't answer the question (a label's example weight) is not a side of a
    dispute, so the source that does state the asked amount is brought in instead."""
    question = "How much magnesium from supplements can adults take a day?"
    shop = next(q for q in library.ask(question).quotes if q.doc_id == "shop")
    source = library.documents["agency"]
    limit = source.text.index("The upper limit")  # the agency's passage, its answering sentence the limit's
    best = replace(next(p for p in library.passages(question) if p.chunk.doc_id == "agency"),
                   best=(limit, source.text.index(".", limit) + 1))
    label = "A label may list magnesium glycinate 1,000 mg, which says nothing of the magnesium in it."
    documents = {**library.documents, "labels": replace(source, doc_id="labels", text=label)}
    example = replace(shop, doc_id="labels", text=label, highlight=label, start=0, end=len(label))

    def reads(sentences):  # stands in for the answer check: the label's example doesn't answer
        return [0.1 if "label" in s else 0.9 for s in sentences]

    unchecked, found = disagreement.with_both_sides(question, [shop, example], [best], documents, False, limit=2)
    assert found and {c.value for c in found[0].claims} == {"400 to 800 mg", "1,000 mg"}  # what it did before
    kept, found = disagreement.with_both_sides(question, [shop, example], [best], documents, False, limit=2,
                                               reads=reads)
    assert [q.doc_id for q in kept] == ["shop", "agency"]
    assert {(c.doc_id, c.value) for c in found[0].claims} == {("shop", "400 to 800 mg"), ("agency", "350 mg")}


def _quote(doc_id: str, title: str, sentence: str) -> Quote:
    return Quote(text=sentence, highlight=sentence, doc_id=doc_id, title=title, section="", link="", score=1.0,
                 promotional=False, start=0, end=len(sentence), highlight_start=0, highlight_end=len(sentence))


def test_a_figure_about_another_subject_is_no_side_of_a_dispute():
    """A magnesium page's daily amount is no side of a dispute about taurine's: a figure counts only in a sentence
    that, under its page's title and headings, names what the question asks an amount of."""
    question = "How much taurine should I take a day?"
    (taurine_term,), (take,) = passage_terms("taurine"), passage_terms("take")
    focus = Focus({taurine_term: 3.0, take: 0.4}, frozenset(), {}, False)
    taurine = _quote("taurine", "Taurine and your nerves", "Most studies used 500 mg of taurine a day.")
    magnesium = _quote("magnesium", "Magnesium for nerves", "General recommendation: 310-420mg daily for adults.")
    assert disagreement.find(question, [taurine, magnesium])  # without the subject: a dispute, as it was before
    assert disagreement.find(question, [taurine, magnesium], focus=focus) == []
    label = _quote("label", "Taurine supplements: what the label says", "Up to 3,000 mg a day is considered safe.")
    (found,) = disagreement.find(question, [taurine, label], focus=focus)  # the title names it: a side
    assert {c.value for c in found.claims} == {"500 mg", "3,000 mg"}


def test_what_the_sources_disagree_on_reads_as_a_sentence_on_the_page_and_in_the_terminal():
    """A flat "no" against a "yes" is said as the question asked ("on “can magnesium repair nerve damage?”"), not
    as a mangled clause ("on the whether magnesium repair nerve damage"); a figure's quantity takes its article."""
    question = "can magnesium repair nerve damage?"
    yes = _quote("seller", "Magnesium for nerves", "Magnesium helps damaged nerves repair themselves.")
    no = _quote("clinic", "Magnesium forms", "There is no good evidence that magnesium repairs damaged nerves.")
    (found,) = disagreement.find(question, [yes, no])
    assert {c.value for c in found.claims} == {"yes", "no"}
    said = disagreement.notice([found])
    assert said.startswith("Sources disagree on “can magnesium repair nerve damage?”: ") and "the whether" not in said
    assert "On “can magnesium repair nerve damage?”:" in html.unescape(format_disagreements((found,), 2))
    answer = Answer(question, "answered", "", (yes, no), said, None, (found,))
    assert "Sources disagree on “can magnesium repair nerve damage?”:" in render(answer)
    limit = _quote("agency", "Magnesium limits", "The upper limit is 350 mg a day.")
    shop = _quote("shop", "Our magnesium", "Take 400 to 800 mg a day.")
    (dose,) = disagreement.find("what is the max magnesium a day", [limit, shop])
    assert disagreement.notice([dose]).startswith("Sources disagree on the safe daily amount: ")
    assert "On the safe daily amount:" in format_disagreements((dose,), 2)


def test_international_units_are_figures_and_only_one_unit_is_set_against_itself():
    """Vitamin D's limit is given in IU: "4,000 IU" and "5,000 IU a day is fine for everyone" disagree; "600 IU (15
    micrograms)" and "15 mcg" are the same amount in two units and do not."""
    question = "is 5000 IU of vitamin d a day too much"
    agency = _quote("agency", "Vitamin D and falls", "Adults should not take more than 4,000 IU of vitamin D a day.")
    seller = _quote("seller", "NeuroEase", "Vitamin D is so safe that 5,000 IU a day is fine for everyone.")
    (found,) = disagreement.find(question, [agency, seller])
    assert {c.value for c in found.claims} == {"4,000 IU", "5,000 IU"}
    need = "how much vitamin d does an adult need"
    guide = _quote("guide", "Vitamin D", "Adults aged 51 to 70: 600 IU (15 micrograms) a day.")
    other = _quote("other", "Vitamin D facts", "Adults need 15 mcg of vitamin D a day.")
    assert disagreement.find(need, [guide, other]) == []


def test_what_the_sources_disagree_on_takes_one_article():
    from mgqa.answer import Disagreement

    assert Disagreement("dose", ()).subject == "the dose"
    assert Disagreement("the most magnesium an adult should take", ()).subject == \
        "the most magnesium an adult should take"  # the page said "On the the most…"
