"""Safety rules: emergencies are sent to help, ordinary questions are not, every answer carries a caution."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mgqa import safety


@pytest.mark.parametrize("question, reason", [
    ("My husband's face is drooping and his speech is slurred", "stroke signs"),
    ("Suddenly I can't move my left arm and leg", "stroke signs"),
    ("I have crushing pain in my chest and it spreads to my arm", "chest pain"),
    ("I think I'm having a heart attack", "chest pain"),
    ("I can’t breathe properly after taking magnesium", "trouble breathing"),
    ("My throat is swelling shut after the new supplement", "severe allergic reaction"),
    ("I took way too much magnesium and my heart is racing", "overdose or poisoning"),
    ("My toddler swallowed a bunch of my magnesium tablets", "overdose or poisoning"),
    ("I just swallowed 40 pills of magnesium", "overdose or poisoning"),
    ("The weakness is spreading up my legs since this morning", "rapidly spreading weakness"),
    ("My son is having a seizure right now", "seizure"),
    ("She collapsed and is unresponsive", "unconscious or collapsed"),
    ("I lost control of my bladder and my groin is numb", "loss of bladder or bowel control"),
    ("This is the worst headache of my life", "worst headache"),
    ("I SUDDENLY LOST MY VISION in one eye", "sudden vision loss"),
])
def test_emergencies_in_different_words_are_triaged(question, reason):
    found = safety.triage(question)
    assert found is not None and found.kind == "emergency"
    assert found.reason == reason
    assert found.notice == safety.EMERGENCY_NOTICE and "emergency" in found.notice


@pytest.mark.parametrize("question", [
    "I want to kill myself",
    "I've been having suicidal thoughts since the diagnosis",
    "Sometimes I think everyone would be better off dead without me",
    "I don't want to live anymore with this pain",
    "I keep hurting myself when the nerve pain gets bad",
])
def test_self_harm_gets_the_crisis_notice(question):
    found = safety.triage(question)
    assert found is not None and found.kind == "crisis"
    assert found.notice == safety.CRISIS_NOTICE and "988" in found.notice


@pytest.mark.parametrize("question", [
    "my feet are numb, can magnesium help?",
    "can magnesium prevent strokes?",
    "can too much magnesium be harmful?",
    "does magnesium help with seizures?",
    "How much magnesium should I take for nerve pain?",
    "I have tingling in my hands at night, which magnesium form is best?",
    "Can magnesium help restless legs?",
    "Is magnesium safe with kidney disease?",
    "My doctor says I have neuropathy. What helps with burning feet?",
    "Does magnesium cause diarrhea?",
    "What foods are rich in magnesium?",
    "Can magnesium help with muscle weakness from low magnesium?",
])
def test_ordinary_symptom_questions_are_not_triaged(question):
    assert safety.triage(question) is None


@pytest.mark.parametrize("question", [
    "What happens if you overdose on magnesium?",
    "Is magnesium poisoning a real thing?",
    "Does magnesium help with shortness of breath?",
    "Can magnesium help with paralysis after a nerve injury?",
    "I had a seizure last year, is magnesium safe for me?",
    "I had a heart attack two years ago; is magnesium safe with my heart medication?",
])
def test_questions_about_a_topic_or_past_history_are_not_triaged(question):
    assert safety.triage(question) is None


# ---------------------------------------------------------------- question checks


@pytest.mark.parametrize("question", ["", "   ", "\n\t ", "!!!", "??? 123 ...", None, 42, ["a list"]])
def test_unusable_questions_are_refused_with_a_reason(question):
    cleaned, problem = safety.clean_question(question)
    assert cleaned == "" and problem


def test_a_question_over_the_limit_is_refused():
    cleaned, problem = safety.clean_question("a" * (safety.MAX_QUESTION_CHARS + 1))
    assert cleaned == "" and "2,000" in problem
    cleaned, problem = safety.clean_question("a" * safety.MAX_QUESTION_CHARS)
    assert problem is None and len(cleaned) == safety.MAX_QUESTION_CHARS


def test_control_characters_and_runs_of_space_are_cleaned():
    cleaned, problem = safety.clean_question("  How much\x00 magnesium\x1b[31m\r\n is\u200b   safe?\x7f ")
    assert problem is None
    assert cleaned == "How much magnesium [31m is safe?"
    assert all(c.isprintable() for c in cleaned)


def test_an_ordinary_question_is_kept_as_typed():
    assert safety.clean_question("Is magnesium glycinate good for sleep?") == (
        "Is magnesium glycinate good for sleep?", None)


# ---------------------------------------------------------------- caution notes


def test_the_caution_names_the_publisher_and_its_type_and_says_it_is_not_medical_advice():
    note = safety.caution_note([("Example Health", "public_health")], strong=False)
    assert "Example Health (public health)" in note
    assert "not medical advice" in note
    assert "commercial" not in note and "sells" not in note


def test_the_caution_says_when_a_source_is_commercial():
    note = safety.caution_note([("Organixx", "commercial")], strong=False)
    assert "Organixx (commercial, sells supplements)" in note


def test_the_caution_names_each_source_once_and_stays_short():
    source = ("Example", "clinic")
    note = safety.caution_note([source, source, (None, "unknown"), ("Shop", "commercial")], strong=True)
    assert note.count("Example (clinic)") == 1 and "an unnamed publisher (type unknown)" in note
    assert len(note) < 420  # it was 540 characters (median) with several sources


def test_without_sources_the_caution_still_stands():
    note = safety.caution_note([], strong=False)
    assert "not medical advice" in note and "documents in this knowledge base" in note


@pytest.mark.parametrize("question", [
    "How much magnesium should I take for nerve pain?",
    "What dose of magnesium glycinate is safe?",
    "Can I take magnesium with gabapentin?",
    "Should I stop my blood pressure medication and take magnesium instead?",
    "Is magnesium safe during pregnancy?",
    "Can I give magnesium to my kids?",
    "I have kidney disease, is magnesium ok?",
])
def test_dose_and_medicine_questions_get_the_stronger_caution(question):
    assert safety.needs_strong_caution(question)


def test_the_stronger_caution_adds_the_medicine_line_to_the_plain_one():
    strong = safety.caution_note([], strong=True)
    assert strong.startswith(safety.caution_note([], strong=False))
    assert "doctor or pharmacist before you start, change or stop" in strong and "interact" in strong
    # a library answers on zinc, fish oil and vitamin D too: the line is about supplements, and names none
    assert "supplements can interact with medicines" in strong and "kidneys" in strong
    assert "magnesium" not in strong.lower()


def test_a_dose_written_without_a_space_gets_the_stronger_caution():
    assert safety.needs_strong_caution("Is 500mg of magnesium a day safe?")


@pytest.mark.parametrize("question", ["What is magnesium?", "Which foods contain magnesium?",
                                      "How does magnesium help nerves?"])
def test_general_questions_get_the_ordinary_caution(question):
    assert not safety.needs_strong_caution(question)


# ---------------------------------------------------------------- quotes withheld beside an emergency or self-harm


def test_a_dose_in_a_quote_is_still_seen_beside_an_emergency_or_talk_of_self_harm():
    """The quote-side dose pattern (names_a_dose) is not the question-side one (amounts.asked_dose): a dose named in
    a quote must keep it from an urgent answer and from talk of self-harm, whatever the question-side rules add."""
    for text in ("Take 400 mg a day with food.", "Adults: 310-420mg daily.", "2 capsules per day"):
        assert safety.names_a_dose(text), text
        assert safety.harmful_near_self_harm(SimpleNamespace(text=text, promotional=False)), text
    assert not safety.names_a_dose("What dose of magnesium is safe?")  # the word alone states no amount
    assert safety.harmful_when_urgent(SimpleNamespace(text="Take 400 mg a day. Call your doctor if you feel weak.",
                                                      promotional=False))


def test_a_notice_says_the_documents_never_mention_only_what_no_document_does():
    told = safety.not_found_message(["eliquis"])
    assert told.startswith("The documents in this knowledge base never mention eliquis")
    assert "generic name" in told  # a brand the documents may speak of by its generic name or its kind
    # what only the closest passages lack: a library may speak of children's magnesium and never of a child's zinc
    told = safety.not_found_message([], ["children or teenagers"])
    assert told.startswith("The passages closest to this question never mention children or teenagers")
    assert safety.not_found_message() == safety.NOT_FOUND_MESSAGE
