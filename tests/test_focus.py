"""What a question is about: its focus terms, and the rare words of it no document uses."""

from __future__ import annotations

from collections import Counter

import pytest

from mgqa.focus import TermStats, passage_terms
from mgqa.lexical import terms

CORPUS = ("Magnesium supports nerve health and may ease neuropathy. Omeprazole can lower magnesium. "
          "Tingling and numbness in the feet are common. Broccoli and spinach hold some magnesium. "
          "A naturopathic doctor recommends it.")
FREQUENCY = Counter(terms(CORPUS))


def pieces(word: str) -> int:
    """A stand-in for the encoder's word pieces: a short word is common (whole), a long one rare."""
    return 1 if len(word) <= 7 else 4


@pytest.fixture
def stats() -> TermStats:
    return TermStats(FREQUENCY, 5, pieces)


def test_a_rare_word_no_document_uses_is_what_the_question_may_be_about(stats):
    assert stats.focus("benfotiamine how many mg a day").unknown == ("benfotiamine",)
    assert stats.focus("is acupuncture good for neuropathy").unknown == ("acupuncture",)


def test_words_the_documents_use_and_common_words_are_not_unknown(stats):
    assert stats.focus("does magnesium ease neuropathy").unknown == ()
    assert stats.focus("my husband has tingling in his feet").unknown == ()  # "husband": not rare


def test_a_misspelling_or_another_form_of_a_word_the_documents_use_is_not_unknown(stats):
    for question in ("does nueropathy go away", "does omeprazol lower magnesium", "numbess in my feet",
                     "can i eat brocoli for magnesium", "magnessium for nerves", "what does the naturopath say"):
        assert stats.focus(question).unknown == (), question


def test_figures_and_possessives_are_read_as_words(stats):
    assert stats.focus("is 1800mg of magnesium with 2000iu of d3 too much").unknown == ()
    assert stats.focus("my grandfather's benfotiamine").unknown == ("grandfather", "benfotiamine")


def test_without_a_tokenizer_nothing_is_unknown():
    assert TermStats(FREQUENCY, 5).focus("benfotiamine how many mg a day").unknown == ()


@pytest.mark.model
def test_the_encoder_vocabulary_tells_a_rare_word_from_a_common_one(real_kb):
    assert real_kb.terms.focus("what is benfotiamine").unknown == ("benfotiamine",)
    assert real_kb.terms.focus("can my husband take it").unknown == ()


def test_a_letter_left_out_or_two_swapped_is_put_right_to_the_word_the_documents_use(stats):
    assert stats.spelled("does nueropathy go away") == "does neuropathy go away"
    assert stats.spelled("does omeprazol lower Magnesum") == "does omeprazole lower magnesium"


def test_words_the_documents_use_common_words_and_other_misspellings_are_left_as_typed(stats):
    for question in ("does benfotiamine help neuropathy",  # no document word is a letter away
                     "my husband's feet",  # common words are never changed
                     "magnessium for nerves",  # a letter too many: "shingles" is not "singles"
                     "numbness and tingling"):
        assert stats.spelled(question) == question


@pytest.mark.model
def test_a_misspelt_question_is_answered_as_spelt_right_and_shown_as_typed(real_kb):
    typed = real_kb.ask("can magnesium help my nueropathy")
    right = real_kb.ask("can magnesium help my neuropathy")
    assert typed.question == "can magnesium help my nueropathy"
    assert typed.status == right.status == "answered"
    assert [q.text for q in typed.quotes] == [q.text for q in right.quotes]


def test_a_vitamin_named_by_letter_and_number_is_a_subject_the_word_vitamin_alone_does_not_name():
    stats = TermStats(Counter(terms("Vitamin B12 keeps nerves healthy. Vitamins and minerals. Adults need 300 mg.")),
                      3, pieces)
    focus = stats.focus("how much b12 should an adult get daily")
    assert "b12" in focus.required
    assert focus.missing(set(terms("Vitamins and minerals › Magnesium: adults need 300 mg a day"))) == ["b12"]
    assert focus.missing(set(terms("Vitamin B12 and Your Nerves: 2.4 mcg a day"))) == []


def test_a_vitamin_named_by_its_letter_alone_is_a_subject_only_that_vitamin_names():
    stats = TermStats(Counter(terms("Vitamin D keeps bones strong. Vitamin B12 keeps nerves healthy. Vitamins.")),
                      3, pieces)
    focus = stats.focus("is 5000 IU of vitamin d a day too much")
    assert "vitamin d" in focus.required
    assert focus.missing(passage_terms("Vitamins and minerals", "Keeping to 400mg a day is unlikely to harm")) \
        == ["vitamin d"]
    assert focus.missing(passage_terms("Vitamin B12 and Your Nerves", "2.4 micrograms a day")) == ["vitamin d"]
    assert focus.missing(passage_terms("Each serving gives you 5,000 IU of vitamin D3.")) == []
    # a number's form of it is vitamin D too, not so a B vitamin's
    d3 = stats.focus("how much vitamin d3 should i take")
    assert d3.missing(passage_terms("Vitamin D, bones and falls")) == []
    assert d3.missing(passage_terms("Vitamin B12 and Your Nerves")) == ["vitamin d"]
