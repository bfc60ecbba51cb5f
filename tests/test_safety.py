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


def test_a_dose_written_without_a_space_gets_the_stronger_caution():
    assert safety.needs_strong_caution("Is 500mg of magnesium a day safe?")


@pytest.mark.parametrize("question", ["What is magnesium?", "Which foods contain magnesium?",
                                      "How does magnesium help nerves?"])
def test_general_questions_get_the_ordinary_caution(question):
    assert not safety.needs_strong_caution(question)


# ---------------------------------------------------------------- promotional passages


# ---------------------------------------------------------------- amounts about the asked subject


def quote(text: str, title: str = "Magnesium and your medicines", section: str = "",
          highlight: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(text=text, title=title, section=section, highlight=text if highlight is None else highlight,
                           promotional=False)


def test_an_amount_is_kept_only_when_its_quote_names_the_asked_subject():
    magnesium = quote("Most adults take 310 to 420 mg of magnesium a day.")
    gabapentin = quote("Gabapentin is started at 300 mg at night.")
    kept, missing = safety.amounts_about_the_subject("what's the usual gabapentin dose", [magnesium, gabapentin])
    assert kept == [gabapentin] and missing == []
    kept, missing = safety.amounts_about_the_subject("what's the usual gabapentin dose", [magnesium])
    assert kept == [] and missing == ["an amount for gabapentin"]


def test_a_figure_under_a_heading_or_title_naming_the_subject_is_about_it():
    dose = quote("Take 2 capsules (600 mg) a day with food.", title="NerveCalm Gabapentin-Free Formula",
                 section="How to take gabapentin alternatives")
    assert safety.amounts_about_the_subject("how much gabapentin a day", [dose])[0] == [dose]
    under_heading = quote("Start low: 100 mg at bedtime, then raise it every few days.", section="Gabapentin")
    assert safety.amounts_about_the_subject("gabapentin dose?", [under_heading])[0] == [under_heading]


def test_a_passage_without_any_figure_is_not_an_amount_because_its_page_names_the_subject():
    no_figure = quote("Ask your pharmacist before you change anything.", section="Gabapentin and antacids")
    kept, missing = safety.amounts_about_the_subject("how much gabapentin can i take", [no_figure])
    assert kept == [] and missing == ["an amount for gabapentin"]


# ---------------------------------------------------------------- quotes that can say the amount asked


def test_what_how_much_or_how_many_asks_for_is_read_from_the_words_after_it():
    assert safety.asked_amount("how much epsom salt should i put in a bath") == (None, ["epsom", "salt"])
    assert safety.asked_amount("how many sprays of magnesium oil should i use") == ("sprays", ["magnesium", "oil"])
    assert safety.asked_amount("b12 dosage for nerve damage?? how many mcg") == ("mcg", [])
    assert safety.asked_amount("how many capsules come in a bottle") == ("capsules", [])  # "come" is its verb
    assert safety.asked_amount("how much is too much magnesium") is None
    assert safety.asked_amount("how much does magnesium 7 cost") is None
    assert safety.asked_amount("what is the daily dose") is None
    for odd in ("how many", "how many of", "how much of it", "HOW MUCH ?!", "how much " + "of " * 500):
        assert safety.asked_amount(odd) is None  # nothing named: nothing to check, and nothing raises


def test_an_amount_of_one_thing_is_not_answered_with_a_figure_for_another():
    dose = quote("General recommendation: 310-420mg of elemental magnesium daily for adults",
                 title="Can Magnesium Repair Nerve Damage?", section="Finding the Right Dosage")
    kept, missing = safety.amounts_of_what_is_asked("how much epsom salt should i put in a bath", [dose])
    assert kept == [] and missing == ["an amount of epsom salt"]
    kept, missing = safety.amounts_of_what_is_asked("b12 dosage for nerve damage?? how many mcg", [dose])
    assert kept == [] and missing == ["a figure in mcg"]
    assert safety.amounts_of_what_is_asked("how much magnesium should i take a day", [dose]) == ([dose], [])
    assert safety.amounts_of_what_is_asked("how many mg of magnesium a day", [dose]) == ([dose], [])
    assert safety.amounts_of_what_is_asked("how much mag shld i take", [dose]) == ([dose], [])  # "mag": magnesium


def test_a_sentence_that_only_names_the_subject_states_no_amount_of_it():
    """"Research shows that both taurine and magnesium stimulate the nervous system" names taurine but says no
    amount of it; a list's "3." elsewhere in the passage is no amount either: the answering sentence must hold one."""
    names = quote("Taurine is an amino acid.  3. Magnesium Glycinate",
                  highlight="Research shows that both taurine and magnesium stimulate the nervous system.")
    kept, missing = safety.amounts_of_what_is_asked("how much taurine should i take for my nerves", [names])
    assert kept == [] and missing == ["an amount of taurine"]
    water = quote("Aim for at least 8 glasses of water daily", section="Hydration")
    assert safety.amounts_of_what_is_asked("how much water should i drink", [names, water]) == ([water], [])


def test_a_dose_asked_of_something_is_read_from_the_words_beside_dose():
    assert safety.asked_dose("gabapentin dose for postherpetic neuralgia mg per day") == ["gabapentin"]
    assert safety.asked_dose("what dose of alpha lipoic acid is safe") == ["alpha", "lipoic", "acid"]
    assert safety.asked_dose("calmcore dose per serving") == ["calmcore"]
    assert safety.asked_dose("once i feel better should i lower my dose") is None
    assert safety.asked_dose("whats the long term effect of high dose magnesium for years") is None  # a kind of dose
    dose = quote("General recommendation: 310-420mg of elemental magnesium daily for adults")
    kept, missing = safety.amounts_of_what_is_asked("whats a safe gabapentin dose for diabetic nerve pain", [dose])
    assert kept == [] and missing == ["a dose for “safe gabapentin”"]  # the asker's words, as they wrote them
    assert safety.amounts_of_what_is_asked("magnesium dose for nerve damage", [dose]) == ([dose], [])


def test_a_dose_in_a_quote_is_still_seen_beside_an_emergency_or_talk_of_self_harm():
    """The quote-side dose pattern (names_a_dose) is not the question-side one (asked_dose): a dose named in a
    quote must keep it from an urgent answer and from talk of self-harm, whatever the question-side rules add."""
    for text in ("Take 400 mg a day with food.", "Adults: 310-420mg daily.", "2 capsules per day"):
        assert safety.names_a_dose(text), text
        assert safety.harmful_near_self_harm(quote(text)), text
    assert not safety.names_a_dose("What dose of magnesium is safe?")  # the word alone states no amount
    dose = quote("Take 400 mg a day. Call your doctor if you feel weak.")
    assert safety.harmful_when_urgent(dose)
