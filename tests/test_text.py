"""Text helpers: every span they return slices the source text into what a reader would call a sentence."""

from __future__ import annotations

import pytest

from mgqa import text


def pieces(source: str, spans: list[tuple[int, int]]) -> list[str]:
    return [source[a:b] for a, b in spans]


def test_sentences_split_at_sentence_ends():
    source = "Magnesium calms nerves. It is found in spinach! Is it safe? Yes."
    assert pieces(source, text.sentences(source)) == [
        "Magnesium calms nerves.", "It is found in spinach!", "Is it safe?", "Yes."]


def test_sentence_spans_of_list_items_leave_the_bullets_out():
    source = "Sources:\n\n  • Spinach is rich in it.\n  - Almonds too.\n  * Seeds.\n  1. First item.\n  2) Second item."
    found = pieces(source, text.sentences(source))
    assert found == ["Sources:", "Spinach is rich in it.", "Almonds too.", "Seeds.", "First item.", "Second item."]


def test_sentences_do_not_split_after_abbreviations():
    source = "Eat greens, e.g. Spinach and kale. Ask Dr. Smith about it."
    assert pieces(source, text.sentences(source)) == ["Eat greens, e.g. Spinach and kale.", "Ask Dr. Smith about it."]


def test_sentences_never_run_across_lines():
    source = "A heading without a stop\nThe first sentence. The second one"
    assert pieces(source, text.sentences(source)) == [
        "A heading without a stop", "The first sentence.", "The second one"]


def test_sentences_within_a_range_use_absolute_offsets():
    source = "Skip this. Keep this one. And this."
    start = source.index("Keep")
    spans = text.sentences(source, start, len(source))
    assert pieces(source, spans) == ["Keep this one.", "And this."]
    assert spans[0][0] == start


def test_a_sentence_keeps_its_closing_quote_or_bracket():
    source = "He said “Stop.” Then he left. (See the table.) Next."
    assert pieces(source, text.sentences(source)) == ["He said “Stop.”", "Then he left.", "(See the table.)", "Next."]


def test_blocks_are_blank_line_separated_and_stripped():
    source = "  First block\nstill first  \n\n\n  Second  \n \nThird"
    assert pieces(source, text.blocks(source)) == ["First block\nstill first", "Second", "Third"]


def test_lines_skip_blank_lines():
    source = "one\n\n   \n  two  \nthree"
    assert pieces(source, text.lines(source, 0, len(source))) == ["one", "two", "three"]


@pytest.mark.parametrize("block", ["Key Takeaways", "What Is Nerve Damage?", "How to Use Magnesium for Nerve Health",
                                   "Can too much magnesium be harmful?"])
def test_short_lines_without_a_stop_are_headings(block):
    assert text.is_heading(block)


@pytest.mark.parametrize("block", ["By Jonathan Hunsaker", "Reading Time: 14 minutes", "Nerve damage is common.",
                                   "Consider the following:", "• Spinach", "two lines\nof text",
                                   "lower case start", " ".join(["word"] * 20)])
def test_sentences_bylines_and_list_items_are_not_headings(block):
    assert not text.is_heading(block)


def test_heading_levels_follow_capitalisation():
    assert text.heading_level("Common Questions About Magnesium and Nerve Health") == 2
    assert text.heading_level("Can too much magnesium be harmful?") == 3


def test_words_are_lowercase_with_accents_folded():
    assert text.words("Café CRÈME, don’t 400mg!") == ["cafe", "creme", "don't", "400mg"]
    assert text.words("cafe\u0301 ﬁsh naïve") == ["cafe", "fish", "naive"]  # a combining mark after ASCII, a ligature


def test_normalise_space():
    assert text.normalise_space("  a\n\n b\tc  ") == "a b c"


def test_list_after_a_lead_in_is_the_list_and_stops_at_the_next_paragraph():
    doc = "Try these:\n\n  • Spinach\n  • Almonds\n\nSomething else entirely."
    assert doc[:text.list_after(doc, len("Try these:"))].endswith("• Almonds")


def test_list_after_a_section_lead_in_takes_the_heading_paragraph_and_its_list():
    doc = "Look for:\n\nQuality Signs\n\nPrioritize:\n\n  1. Testing\n\nDosage\n\nAdults take 400 mg."
    assert doc[:text.list_after(doc, len("Look for:"))].endswith("1. Testing")


def test_list_after_stops_near_the_size_limit_and_keeps_at_least_one_item():
    doc = "Items:\n" + "".join(f"  • item number {i} of many\n" for i in range(100))
    end = text.list_after(doc, len("Items:"), max_chars=200)
    assert 100 < end - len("Items:") <= 230 and doc[:end].endswith("of many")
    assert text.list_after("Nothing follows:", 16) == 16


def test_list_after_takes_nothing_when_no_list_follows_the_next_heading():
    doc = "Other forms help too:\n\nHow to Use It\n\nHere is how to start:\n\nDosage\n\nAdults take 400 mg."
    assert text.list_after(doc, len("Other forms help too:")) == len("Other forms help too:")
