"""The answer check: a sentence that answers the question reads as answering; one that only sounds close doesn't."""

from __future__ import annotations

import pytest

from mgqa import answer_check

# Written for this test, not taken from the training pairs: each question with a sentence that answers it and a
# near miss on the same subject that a search by meaning would put close to it.
PAIRS = [
    ("how much vitamin D should i take each day?", "Most adults need 600 IU of vitamin D a day.",
     "Most adults need 310 to 420 mg of magnesium a day."),
    ("can magnesium make migraines less frequent?",
     "In trials, daily magnesium cut the number of migraine attacks by about 40 percent.",
     "Magnesium is found in leafy greens, nuts and seeds."),
    ("is it safe to take magnesium if my kidneys are weak",
     "People with kidney disease should not take magnesium supplements unless their doctor advises it, because "
     "the kidneys cannot clear the extra magnesium.",
     "Magnesium supports healthy nerve and muscle function."),
    ("how long does a b12 shot take to work",
     "Most people feel more energetic within a few days of their first B12 injection.",
     "B12 injections are given into a muscle, usually in the upper arm."),
]


def test_a_question_and_its_sentence_are_read_as_one_text_with_the_question_cut_short():
    text = answer_check.pair_text("q" * 1000, "The sentence.")
    assert text.endswith(answer_check.SEPARATOR + "The sentence.")
    assert len(text) == answer_check.MAX_QUESTION_CHARS + len(answer_check.SEPARATOR) + len("The sentence.")


def test_no_sentences_cost_no_encoder_run():
    from mgqa.embedding import DEFAULT_MODEL

    class NoCalls:
        def layer_states(self, texts, layers):
            raise AssertionError("encoded")

    assert len(answer_check.load_for(DEFAULT_MODEL).scores(NoCalls(), "magnesium?", [])) == 0


@pytest.mark.model
def test_the_sentence_that_answers_scores_above_the_near_miss(real_embedder):
    check = answer_check.load_for(real_embedder.model_id)
    for question, answers, near_miss in PAIRS:
        right, wrong = check.scores(real_embedder, question, [answers, near_miss])
        assert right > wrong, f"{question!r}: answering {right:.2f} <= near miss {wrong:.2f}"
