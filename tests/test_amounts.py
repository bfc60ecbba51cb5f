"""Which quotes can state the amount a question asks for (amounts.py): no figure for another thing."""

from __future__ import annotations

from types import SimpleNamespace

from mgqa import amounts


def quote(text: str, title: str = "Magnesium and your medicines", section: str = "",
          highlight: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(text=text, title=title, section=section, highlight=text if highlight is None else highlight)


# ---------------------------------------------------------------- amounts about the asked subject


def test_an_amount_is_kept_only_when_its_quote_names_the_asked_subject():
    magnesium = quote("Most adults take 310 to 420 mg of magnesium a day.")
    gabapentin = quote("Gabapentin is started at 300 mg at night.")
    kept, missing = amounts.about_the_subject("what's the usual gabapentin dose", [magnesium, gabapentin])
    assert kept == [gabapentin] and missing == []
    kept, missing = amounts.about_the_subject("what's the usual gabapentin dose", [magnesium])
    assert kept == [] and missing == ["an amount for gabapentin"]


def test_a_figure_under_a_heading_or_title_naming_the_subject_is_about_it():
    dose = quote("Take 2 capsules (600 mg) a day with food.", title="NerveCalm Gabapentin-Free Formula",
                 section="How to take gabapentin alternatives")
    assert amounts.about_the_subject("how much gabapentin a day", [dose])[0] == [dose]
    under_heading = quote("Start low: 100 mg at bedtime, then raise it every few days.", section="Gabapentin")
    assert amounts.about_the_subject("gabapentin dose?", [under_heading])[0] == [under_heading]


def test_a_passage_without_any_figure_is_not_an_amount_because_its_page_names_the_subject():
    no_figure = quote("Ask your pharmacist before you change anything.", section="Gabapentin and antacids")
    kept, missing = amounts.about_the_subject("how much gabapentin can i take", [no_figure])
    assert kept == [] and missing == ["an amount for gabapentin"]


# ---------------------------------------------------------------- quotes that can say the amount asked


def test_what_how_much_or_how_many_asks_for_is_read_from_the_words_after_it():
    assert amounts.asked_amount("how much epsom salt should i put in a bath") == (None, ["epsom", "salt"])
    assert amounts.asked_amount("how many sprays of magnesium oil should i use") == ("sprays", ["magnesium", "oil"])
    assert amounts.asked_amount("b12 dosage for nerve damage?? how many mcg") == ("mcg", [])
    assert amounts.asked_amount("alpha lipoic acid how many mg per day") == ("mg", ["alpha", "lipoic"])
    assert amounts.asked_amount("how many capsules come in a bottle") == ("capsules", [])  # "come" is its verb
    assert amounts.asked_amount("how much is too much magnesium") is None
    assert amounts.asked_amount("how much does magnesium 7 cost") is None
    assert amounts.asked_amount("what is the daily dose") is None
    for odd in ("how many", "how many of", "how much of it", "HOW MUCH ?!", "how much " + "of " * 500):
        assert amounts.asked_amount(odd) is None  # nothing named: nothing to check, and nothing raises


def test_an_amount_of_one_thing_is_not_answered_with_a_figure_for_another():
    dose = quote("General recommendation: 310-420mg of elemental magnesium daily for adults",
                 title="Can Magnesium Repair Nerve Damage?", section="Finding the Right Dosage")
    kept, missing = amounts.of_what_is_asked("how much epsom salt should i put in a bath", [dose])
    assert kept == [] and missing == ["an amount of epsom salt"]
    kept, missing = amounts.of_what_is_asked("b12 dosage for nerve damage?? how many mcg", [dose])
    assert kept == [] and missing == ["a figure in mcg"]
    assert amounts.of_what_is_asked("how much magnesium should i take a day", [dose]) == ([dose], [])
    assert amounts.of_what_is_asked("how many mg of magnesium a day", [dose]) == ([dose], [])
    assert amounts.of_what_is_asked("how much mag shld i take", [dose]) == ([dose], [])  # "mag": magnesium


def test_what_an_amount_is_asked_in_is_read_from_the_words_after_in():
    assert amounts.asked_in("how many mg of magnesium in a cup of kale") == ["kale"]
    assert amounts.asked_in("how much magnesium is in 10 sprays of transdermamag") == ["transdermamag"]
    assert amounts.asked_in("how much magnesium is in cocoa powder") == ["cocoa", "powder"]
    # a measure of something whose name has an "of" of its own: the whole name, not its first word
    assert amounts.asked_in("how much magnesium is in a tablespoon of milk of magnesia") == ["milk", "of", "magnesia"]
    for none in ("how much magnesium should i get in my diet", "how many people in the US have neuropathy",
                 "how much magnesium should i take in a day", "how much is in", "in a cup of kale how much"):
        assert amounts.asked_in(none) == [], none


def test_an_amount_in_one_food_is_not_answered_with_the_figure_for_another():
    """"How much magnesium in a cup of kale" is not answered by a food list's spinach line, however close; the
    line that names kale answers it."""
    spinach = quote("Spinach, boiled, 1/2 cup: 78 mg", title="Magnesium in foods")
    kept, missing = amounts.of_what_is_asked("how much magnesium is in a cup of kale", [spinach])
    assert kept == [] and missing == ["an amount in kale"]
    milk = quote("Milk, 1 cup: 24 to 27 mg (6% DV)", title="Magnesium in foods")
    kept, missing = amounts.of_what_is_asked("how much magnesium is in one tablespoon of milk of magnesia", [milk])
    assert kept == [] and missing == ["an amount in milk of magnesia"]
    kale = quote("Kale, raw, 1 cup: 7 mg", title="Magnesium in foods")
    assert amounts.of_what_is_asked("how much magnesium is in a cup of kale", [spinach, kale]) == ([kale], [])
    # the food named on the page but not in the answering sentence: another line's figure
    listed = quote("Spinach, boiled, 1/2 cup: 78 mg. Kale is a leafy green too.", highlight="Spinach, boiled, 1/2 "
                   "cup: 78 mg.", title="Magnesium in foods")
    assert amounts.of_what_is_asked("how much magnesium is in a cup of kale", [listed])[0] == []
    # a product's page: its title names the product, the answering sentence needn't
    spray = quote("Ten sprays deliver about 100 mg of magnesium.", title="TransDermaMag Magnesium Oil Spray")
    assert amounts.of_what_is_asked("how much magnesium is in 10 sprays of transdermamag", [spray]) == ([spray], [])


def test_a_sentence_that_only_names_the_subject_states_no_amount_of_it():
    """"Research shows that both taurine and magnesium stimulate the nervous system" names taurine but says no
    amount of it; a list's "3." elsewhere in the passage is no amount either: the answering sentence must hold one."""
    names = quote("Taurine is an amino acid.  3. Magnesium Glycinate",
                  highlight="Research shows that both taurine and magnesium stimulate the nervous system.")
    kept, missing = amounts.of_what_is_asked("how much taurine should i take for my nerves", [names])
    assert kept == [] and missing == ["an amount of taurine"]
    water = quote("Aim for at least 8 glasses of water daily", section="Hydration")
    assert amounts.of_what_is_asked("how much water should i drink", [names, water]) == ([water], [])


def test_a_dose_asked_of_something_is_read_from_the_words_beside_dose():
    assert amounts.asked_dose("gabapentin dose for postherpetic neuralgia mg per day") == ["gabapentin"]
    assert amounts.asked_dose("what dose of alpha lipoic acid is safe") == ["alpha", "lipoic", "acid"]
    assert amounts.asked_dose("calmcore dose per serving") == ["calmcore"]
    assert amounts.asked_dose("once i feel better should i lower my dose") is None
    assert amounts.asked_dose("whats the long term effect of high dose magnesium for years") is None  # a kind of dose
    dose = quote("General recommendation: 310-420mg of elemental magnesium daily for adults")
    kept, missing = amounts.of_what_is_asked("whats a safe gabapentin dose for diabetic nerve pain", [dose])
    assert kept == [] and missing == ["a dose for “safe gabapentin”"]  # the asker's words, as they wrote them
    assert amounts.of_what_is_asked("magnesium dose for nerve damage", [dose]) == ([dose], [])
