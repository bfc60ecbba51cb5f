"""Health vocabulary: lay words widened to clinical ones; subjects the documents never mention."""

from __future__ import annotations

import pytest

from mgqa import vocabulary
from mgqa.lexical import terms

CORPUS = ("Magnesium supports nerves. Pregabalin and gabapentin block pain signals. Omega-3 fatty acids help. "
          "Vitamin B6 and B vitamins support absorption. Tingling and numbness are common.")
VOCABULARY = frozenset(terms(CORPUS))


def test_expand_adds_the_clinical_words_and_keeps_the_question():
    widened = vocabulary.expand("I get pins and needles, does fish oil help?")
    assert widened.startswith("I get pins and needles, does fish oil help?")
    assert "tingling" in widened and "omega-3" in widened


def test_expand_leaves_a_question_without_lay_words_alone():
    assert vocabulary.expand("Does magnesium support nerves?") == "Does magnesium support nerves?"


def missing(question: str) -> list[str]:
    """What the documents never mention, then what quotes of the whole corpus wouldn't state."""
    return vocabulary.missing_subjects(question, VOCABULARY) + vocabulary.unstated_asks(question, CORPUS)


@pytest.mark.parametrize("question,expected", [
    ("Does zinc help repair damaged nerves?", ["zinc"]),
    ("Can I take ibuprofen with magnesium?", ["ibuprofen"]),
    ("How much vitamin C should I take?", ["vitamin c"]),
    ("What's a safe magnesium dose for my 6-year-old?", ["a 6-year-old", "children or teenagers"]),
    ("Is magnesium citrate better?", ["citrate"]),
    ("Can magnesium bring down my A1C?", ["a1c"]),
    ("How much does a bottle of this magnesium cost and where can I buy it?", ["a price or where to buy"]),
    ("What's the normal range for magnesium on a blood test, in mg/dL?", ["a lab reference range"]),
])
def test_a_subject_the_documents_never_mention_is_reported(question, expected):
    assert missing(question) == expected


@pytest.mark.parametrize("question", [
    "Can I swap my lyrica for magnesium?",  # brand name of pregabalin, which the documents discuss
    "Does fish oil help nerves?",  # omega-3 by another name
    "Is vitamin B6 useful with magnesium?",
    "I'm 45 years old, how much magnesium should I take?",
    "My feet tingle, could it be low magnesium?",
    "Why would I buy a blend of several magnesium forms instead of one?",  # buying, but not asking a price
])
def test_a_subject_the_documents_cover_by_name_or_synonym_is_not_reported(question):
    assert missing(question) == []


def test_nerve_fibers_are_not_dietary_fiber_and_mag_means_magnesium():
    assert missing("Does magnesium protect the coating on nerve fibers?") == []
    assert "magnesium" in vocabulary.expand("what's the deal with mag glycinate")


def test_an_age_under_18_is_covered_by_passages_about_children():
    young = frozenset(terms(CORPUS + " Children 4 to 8 years: 130 mg."))
    assert vocabulary.missing_subjects("How much magnesium does my 6 year old need?", young) == []
    assert vocabulary.missing_subjects("How much magnesium does my 6 year old need?", VOCABULARY) == ["a 6-year-old"]


@pytest.mark.parametrize("question,named", [
    ("what is alpha lipoic acid exactly? is it a vitamin?", []),  # an article, not vitamin A
    ("is vitamin a toxic in big doses", ["a"]),
    ("how much vitamin b 12 does an adult need", ["b12"]),
    ("vitamin B-12 shots or pills?", ["b12"]),
    ("do b12 vitamins help, or vitamin D3?", ["b12", "d3"]),
])
def test_vitamins_are_read_by_letter_however_they_are_written(question, named):
    assert vocabulary.vitamins(question) == named


def test_a_numbered_vitamin_named_alone_in_the_quotes_is_stated():
    assert vocabulary.unstated_asks("how much vitamin b 12 do I need", "Adults need 2.4 mcg of B12 a day.") == []
    assert vocabulary.unstated_asks("how much vitamin b 12 do I need", "Adults need 15 mcg of B6.") == \
        ["vitamin b12"]


def test_a_vitamin_named_by_the_quotes_page_title_or_headings_is_stated():
    quoted = "People who rarely go outdoors should take a daily supplement of 800 to 1,000 IU all year round."
    assert vocabulary.unstated_asks("how much vitamin d should my mum take", quoted) == ["vitamin d"]
    assert vocabulary.unstated_asks("how much vitamin d should my mum take", quoted,
                                    "Vitamin D, Bone Strength and Falls\nHow much do older adults need?") == []
    assert vocabulary.unstated_asks("how much vitamin d should my mum take", quoted, "Vitamin B12 and Your Nerves") \
        == ["vitamin d"]


@pytest.mark.parametrize("question, quoted, missing", [
    ("how much zinc can my 5 year old have", "Adults: no more than 40 mg a day.", ["children or teenagers"]),
    ("how much zinc can my 5 year old have", "Children 4 to 8 years: 12 mg a day.", []),
    ("max zinc for a 15-year-old", "Teens aged 14 and up: 34 mg.", []),
    ("is magnesium ok for my toddler", "Adults: 350 mg a day.", ["children or teenagers"]),
    ("is magnesium safe while pregnant", "Adults: 350 mg a day.", ["pregnancy or breastfeeding"]),
    ("can i take zinc while breastfeeding", "During breastfeeding the limit is the same.", []),
    ("i'm 45 years old, how much magnesium", "Adults: 350 mg a day.", []),  # an adult
])
def test_a_question_for_the_young_or_in_pregnancy_needs_quotes_that_speak_of_them(question, quoted, missing):
    assert vocabulary.unstated_asks(question, quoted) == missing


def test_a_lab_value_asked_in_any_lab_unit_needs_quotes_that_state_one():
    assert vocabulary.unstated_asks("normal b12 level in pg/ml", "Low B12 can damage nerves.") == \
        ["a lab reference range"]
    assert vocabulary.unstated_asks("normal b12 level in pg/ml", "A level below 200 pg/mL is low.") == []


def test_a_price_is_not_missing_from_documents_that_state_one():
    priced = CORPUS + " A bottle of 60 capsules costs $24."
    assert vocabulary.unstated_asks("How much does magnesium cost?", priced) == []


def test_a_question_sharing_no_word_with_the_documents_is_noticed():
    assert not vocabulary.shares_words(vocabulary.expand("what's a good banana bread recipe"), VOCABULARY)
    assert vocabulary.shares_words(vocabulary.expand("I get pins and needles at night"), VOCABULARY)  # "tingling"
    assert not vocabulary.shares_words("I get pins and needles at night", VOCABULARY)
