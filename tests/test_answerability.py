"""The calibrated abstention: its features, the shipped model, and the knowledge base's use of it."""

from __future__ import annotations

import numpy as np
import pytest

from mgqa import answerability
from mgqa.answerability import NAMES, AnswerabilityModel


def test_features_are_one_number_per_name_and_a_short_topic_is_marked(kb):
    question = kb.answerability_features("Which foods are rich in magnesium?")
    assert question.shape == (len(NAMES),) and np.isfinite(question).all()
    assert question[NAMES.index("coverage")] == 1.0 and question[NAMES.index("topic")] == 0.0
    assert kb.answerability_features("magnesium sleep")[NAMES.index("topic")] == 1.0


def test_an_amount_asked_outright_and_not_stated_counts_against_the_answer(kb):
    at = NAMES.index("amount_missing")
    assert kb.answerability_features("How many mg of magnesium do adults take each day?")[at] == 0.0
    assert kb.answerability_features("How long does magnesium take to help sleep?")[at] == 1.0


def test_the_model_round_trips_and_refuses_below_its_threshold(tmp_path):
    model = AnswerabilityModel(np.ones(len(NAMES), np.float32), -1.0, np.zeros(len(NAMES), np.float32),
                               np.ones(len(NAMES), np.float32), 0.5, "some-model")
    model.save(tmp_path / "m.npz")
    loaded = AnswerabilityModel.load(tmp_path / "m.npz")
    assert loaded.threshold == 0.5 and loaded.model_id == "some-model"
    assert loaded.probability(np.zeros(len(NAMES), np.float32)) < 0.5 < loaded.probability(np.ones(len(NAMES)))


def test_the_shipped_model_is_for_the_bundled_embedder_and_not_for_others():
    shipped = AnswerabilityModel.load()
    assert 0.0 < shipped.threshold < 1.0 and shipped.weights.shape == (len(NAMES),)
    assert answerability.load_for("another/model") is None


@pytest.mark.model
def test_the_knowledge_base_withholds_a_close_answer_the_score_rejects(real_kb):
    answer = real_kb.ask("how much turmeric should i take a day for nerve pain")
    assert answer.status == "not_found"
    assert real_kb.ask("How much magnesium should I take for nerve pain?").status == "answered"


def test_an_amount_counts_only_in_a_sentence_that_names_the_subject(kb):
    # the documents state "310 to 420 mg of magnesium", never an amount of kidney anything
    at = NAMES.index("amount_missing")
    assert kb.answerability_features("How many mg of magnesium do adults take each day?")[at] == 0.0
    assert kb.answerability_features("How many mg of magnesium is safe with kidney disease?")[at] == 1.0


def test_the_check_is_skipped_only_when_it_cannot_change_the_verdict():
    weights = np.zeros(len(NAMES), np.float32)
    weights[NAMES.index("check")] = 2.0
    weights[NAMES.index("sentence")] = 1.0
    model = AnswerabilityModel(weights, 0.0, np.zeros(len(NAMES), np.float32), np.ones(len(NAMES), np.float32),
                               0.5, "some-model")
    x = np.zeros(len(NAMES), np.float32)
    for sentence, expected in ((5.0, True), (-5.0, False), (-1.0, None)):
        x[NAMES.index("sentence")] = sentence
        assert model.settled_without_check(x) is expected
        if expected is not None:  # whatever the check says, the verdict is the same
            for value in (0.0, 0.3, 1.0):
                x[NAMES.index("check")] = value
                assert (model.probability(x) >= model.threshold) is expected


@pytest.mark.model
def test_an_answer_the_check_decides_gets_the_same_verdict_as_with_the_check_always_read(real_kb, monkeypatch):
    questions = ["how much turmeric should i take a day for nerve pain", "How much magnesium should I take?",
                 "how much vitamin D should I take with magnesium", "does magnesium help restless legs"]
    lazy = [real_kb.ask(q).status for q in questions]
    monkeypatch.setattr(AnswerabilityModel, "settled_without_check", lambda self, x: None)
    assert [real_kb.ask(q).status for q in questions] == lazy


def test_a_question_is_told_from_a_keyword_or_title_query():
    assert answerability.put_as_question("how much magnesium is in spinach")
    assert answerability.put_as_question("magnesium dose for kids?")
    assert not answerability.put_as_question("Caffeine During Pregnancy")
    assert not answerability.put_as_question("magnesium sleep")


@pytest.mark.model
def test_near_misses_the_answer_check_is_sure_of_are_refused(real_kb):
    """Near misses the calibrated score let through (another medicine's dose, a lab range, a food's content):
    the answer check reads the sentence that would be quoted as no answer at all."""
    for question in ("whats the right gabapentin dose for neuropathy in my feet",
                     "what is a normal magnesium level on a blood test", "how much magnesium is in a cup of spinach"):
        answer = real_kb.ask(question)
        assert answer.status == "not_found" and answer.quotes == (), question
    assert real_kb.ask("How much magnesium should I take for nerve pain?").status == "answered"


@pytest.mark.model
def test_the_answer_check_vetoes_a_question_but_not_a_keyword_query(real_kb, monkeypatch):
    monkeypatch.setattr(real_kb, "_reads", lambda question: lambda sentences: [0.0] * len(sentences))
    refused = real_kb.ask("How much magnesium should I take for nerve pain?")
    assert refused.status == "not_found" and refused.reason.startswith("answer check")
    assert real_kb.ask("magnesium nerve pain").status == "answered"


@pytest.mark.model
def test_a_later_passage_the_check_reads_as_answering_keeps_the_answer(real_kb, monkeypatch):
    """The floor refuses only when no passage quoted after the first is read as answering: the first quote can be
    wrong while the second holds the answer."""
    def reads(question):
        calls = []

        def read(sentences):  # the first sentence read (the one quoted first) is no answer, the others are
            calls.append(sentences)
            return [0.0] * len(sentences) if len(calls) == 1 else [0.9] * len(sentences)
        return read

    monkeypatch.setattr(real_kb, "_reads", reads)
    assert real_kb.ask("How much magnesium should I take for nerve pain?").status == "answered"


@pytest.mark.model
def test_the_check_is_read_for_a_settled_answer_only_when_the_floor_can_refuse_it(real_kb, monkeypatch):
    read = []
    monkeypatch.setattr(AnswerabilityModel, "settled_without_check", lambda self, x: True)
    monkeypatch.setattr(real_kb, "_reads", lambda question: lambda sentences: read.extend(sentences) or
                        [0.9] * len(sentences))
    assert real_kb.ask("magnesium nerve pain").status == "answered" and read == []  # a keyword query: no floor
    assert real_kb.ask("How much magnesium should I take for nerve pain?").status == "answered" and read


def _passage(doc, sentences: list[str], section: tuple[str, ...] = ()):
    from mgqa.records import Chunk
    from mgqa.retrieval import Passage

    spans, at = [], 0
    for sentence in sentences:
        start = doc.text.index(sentence, at)
        spans.append((start, start + len(sentence)))
        at = start + len(sentence)
    chunk = Chunk("c", doc.doc_id, spans[0][0], spans[-1][1], doc.text[spans[0][0]:spans[-1][1]], section,
                  tuple(spans))
    return Passage(chunk, 1.0, 0.5, 0.5, 1.0, spans[0], (0.5,) * len(spans), 0.5)


@pytest.mark.parametrize("title, sentences, question, stated", [
    # the figure's sentence says "it": the sentence before names the vaccine
    ("Shingles", ["The recombinant shingles vaccine is recommended for adults over 50.",
                  "It is given as 2 doses, 2 to 6 months apart."],
     "shingles vaccine how far apart are the shots", True),
    # the page's title completes the subject the sentence before starts
    ("Shingles and nerve pain",
     ["Lidocaine patches go over the painful skin.", "They can stay on for up to 12 hours."],
     "how long can lidocaine patches stay on for shingles pain", True),
    # what is drunk is measured by volume
    ("Statins", ["People taking atorvastatin should limit grapefruit juice.", "Over 1 liter a day raises the risk."],
     "grapefruit juice with atorvastatin, how much is too much", True),
    # a heading on the subject alone doesn't make another thing's figure the subject's
    ("Shingles and nerve pain", ["Most people need no treatment.", "Pain fades within 3 months."],
     "how long do lidocaine patches last", False),
    # a figure two sentences after the one naming the subject is not taken as the subject's, nor one in the
    # next list item or paragraph
    ("Recovery", ["Some pain may ease within days.\n", "Nerve changes take 3-8 weeks."],
     "how long does pain take to fade", False),
    ("Patches", ["Lidocaine patches go over the painful skin.", "Creams are also sold.", "Relief lasts 3 months."],
     "how long does lidocaine relief last", False),
])
def test_an_amount_is_the_subjects_when_its_sentence_or_the_one_before_names_it(title, sentences, question, stated):
    from mgqa import disagreement
    from mgqa.focus import TermStats
    from mgqa.records import Document

    doc = Document("d", "d.txt", "txt", title, " ".join(sentences), "0")
    sentences = [s.strip() for s in sentences]
    from mgqa.lexical import terms

    stats = TermStats({t: 1 for t in terms(f"{title} {doc.text} {question}")}, 20)
    about = disagreement.about_of(question, stats.focus(question))
    units = disagreement.asked(question)[1]
    assert answerability._states_amount_of(_passage(doc, sentences), doc, about, units) is stated
