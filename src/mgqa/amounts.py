"""Whether a quote can state the amount a question asks for: a dose, a limit, a count, a figure in a unit.

"How much epsom salt should I put in a bath" sounds close to a page's magnesium doses, and the ranking and the
abstention both read it so; a figure for another thing is no answer. These checks read what an amount is asked of,
from a list of health subjects and from the question's word order ("how much X", "how many N of X", "X dose",
"dose of X"), and keep only quotes that name it and state a number (or a figure in the asked unit). They run on the
few quotes of an answer, after the abstention: they remove quotes, and an answer left with none is `not_found`,
saying what the documents don't state.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mgqa.disagreement import figures, unit_of
from mgqa.lexical import STOP_WORDS, stem
from mgqa.text import words
from mgqa.vocabulary import HEALTH_TERMS

_AMOUNT_ASK = re.compile(r"\b(?:how (?:much|many)|dose|dosage|dosing|mg|milligrams?|limit|maximum|max|price|cost)\b",
                         re.I)


def about_the_subject(question: str, quotes: list, unknown: Sequence[str] = ()) -> tuple[list, list[str]]:
    """For a question asking an amount (dose, limit, price) of a named health subject, keep only quotes that name
    that subject: gabapentin's dose is not the magnesium dose in the next sentence. A quote that states a number
    names it also through its page's title and headings: on a CoQ10 product's page, "Take 2 softgels (200 mg) a day"
    under "How to take it" is CoQ10's dose. `unknown`: the question's rare words no document uses
    (focus.TermStats.unknown), subjects too: no quote names them, so no figure answers an amount of benfotiamine.
    Returns (quotes, subjects no kept quote names)."""
    if not _AMOUNT_ASK.search(question):
        return quotes, []
    subjects = [w for w in dict.fromkeys(words(question)) if w in HEALTH_TERMS or w.rstrip("s") in HEALTH_TERMS]
    subjects += [w for w in unknown if w not in subjects]
    if not subjects:
        return quotes, []
    asked = {stem(s) for s in subjects}

    def about(quote) -> bool:
        said = {stem(w) for w in words(quote.text)}
        if asked <= said:
            return True
        context = {stem(w) for w in words(f"{quote.title} {quote.section}")}
        return any(c.isdigit() for c in quote.text) and asked <= said | context

    kept = [q for q in quotes if about(q)]
    return kept, ([] if kept else [f"an amount for {' and '.join(subjects)}"])


def _named_run(side: list[str], most: int, through_of: bool = False) -> list[str]:
    """The words of `side` up to the first function word, at most `most` of them; with `through_of`, one "of" is
    read through ("how many sprays of magnesium oil")."""
    run: list[str] = []
    for word in side:
        if (word in STOP_WORDS and not (through_of and word == "of" and "of" not in run)) or len(run) == most:
            break
        run.append(word)
    return run


_HOW_MUCH = re.compile(r"\bhow (much|many)\b", re.I)
_COUNT_WORDS = frozenset("one two three four five six seven eight nine ten eleven twelve dozen half".split())
_HOW_MUCH_WORDS = 4  # words read after "how much/many": "how much omega 3 fish oil"


def asked_amount(question: str) -> tuple[str | None, list[str]] | None:
    """What "how much X" or "how many N (of X)" asks for: (N, the words naming X); N is None for "how much".
    The words run from "how much/many" to the first function word ("how much epsom salt should I use": X is
    "epsom salt"; "how many sprays of magnesium oil": N "sprays", X "magnesium oil"; a unit asked with no "of X"
    after a question that opens with X: "alpha lipoic acid how many mg a day"). None when a function word
    comes first ("how much is too much", "how much does it cost"). Word order, not a list of subjects: it reads a
    subject no document names as well as one they all do."""
    match = _HOW_MUCH.search(question)
    if not match:
        return None
    run = _named_run(words(question[match.end():]), _HOW_MUCH_WORDS, through_of=True)
    counted, of = (run[:run.index("of")], run[run.index("of") + 1:]) if "of" in run else (run, [])
    if match.group(1).lower() == "many":  # "how many capsules come in a bottle": what follows N is its verb
        before = words(question[:match.start()])
        if counted and not of and unit_of(counted[0]) and len(_named_run(before[::-1], 3)) == len(before):
            of = before  # "alpha lipoic acid how many mg": the question opens with what it asks an amount of
        return (counted[0], of[:2]) if counted else None
    named = (counted + of)[:3]
    return (None, named) if named else None


_IN = re.compile(r"\bin\b", re.I)
_ONE = frozenset({"a", "an", "one", "each", "single", "per"})  # "in one capsule of", "in a cup of", "in each softgel"


def asked_in(question: str) -> list[str]:
    """What "how much X is in Y" asks the amount in: the words after "in", past "a", "one", a number and a measure
    ("in a cup of kale", "in 10 sprays of transdermamag", "in one magnesium 7 capsule"), up to a function word.
    Nothing when a function word or a unit follows "in" ("in my diet", "in the US", "in a day"): then nothing
    holds the amount but the body or a time."""
    asked = _HOW_MUCH.search(question)
    found = _IN.search(question, asked.end()) if asked else None
    if found is None:
        return []
    after = words(question[found.end():])
    start = 0
    while start < len(after) and (after[start] in _ONE or after[start][:1].isdigit()):
        start += 1
    if start == 0 and after and after[0] in STOP_WORDS:
        return []
    run = _named_run(after[start:], 4, through_of=True)
    if "of" in run:  # "a cup of kale": the measure, then what it measures, a name with an "of" of its own too
        rest = after[start + run.index("of") + 1:]  # ("a tablespoon of milk of magnesia")
        run = _named_run(rest, 4, through_of=True)
    run = [w for w in run if not w[:1].isdigit()]
    return [] if not run or any(unit_of(w) for w in run[:1]) else run


_DOSE_ASKED = re.compile(r"\b(?:dose|dosage|dosing)\b(\s+of\b)?", re.I)  # a question's "X dose", "dose of X"


def asked_dose(question: str) -> list[str] | None:
    """What "X dose" or "dose of X" asks the dose of: the words just before "dose" back to a function word
    ("gabapentin dose for…": "gabapentin"), or after "dose of" up to one ("what dose of alpha lipoic acid is":
    "alpha lipoic acid"); None when a function word is next ("my dose", "the dose") and when a word other than a
    function word follows "dose", which then names a kind ("effects of high dose magnesium")."""
    match = _DOSE_ASKED.search(question)
    if not match:
        return None
    after = words(question[match.end():])[:1]
    if not match.group(1) and after and after[0] not in STOP_WORDS and after[0] != "per":
        return None  # "high dose magnesium": a kind of dose named, not a dose asked
    if match.group(1):
        return _named_run(words(question[match.end():]), 3) or None
    return _named_run(words(question[:match.start()])[::-1], 3)[::-1] or None


def _named_stems(quote) -> set[str]:
    """The stems of what a quote names: its text, its page's title and its headings."""
    return {stem(w) for w in words(f"{quote.text} {quote.title} {quote.section}")}


def of_what_is_asked(question: str, quotes: list) -> tuple[list, list[str]]:
    """Only quotes that could say the amount asked: for "how much X", a quote that names X (in its text, title
    or headings; "mag" names magnesium) and whose answering sentence holds a number; for "how many" of a unit
    ("how many mcg"), a quote stating a figure in that unit (350 mg is no number of micrograms); with "of X", one
    that names X too; for "X dose" or "dose of X" (asked_dose), as for "how much X". A question about epsom salt
    is not answered with magnesium's daily dose, nor taurine's amount with a sentence that only names taurine, nor
    gabapentin's dose with magnesium's. Returns (quotes, what no kept quote states)."""
    asked = asked_amount(question)
    dosed = asked_dose(question) if asked is None else None
    if asked is None and dosed is None:
        return quotes, []
    counted, subject = asked or (None, dosed)
    stems = [s for s in map(stem, subject) if len(s) > 2]
    unit = unit_of(counted) if counted else None

    def says(quote) -> bool:
        if stems:
            named = _named_stems(quote)
            if not any(n.startswith(s) for s in stems for n in named):
                return False
        if counted is None:
            return any(w.rstrip("abcdefghijklmnopqrstuvwxyz").isdigit() or w in _COUNT_WORDS
                       for w in words(quote.highlight))
        return unit is None or bool(figures(quote.text, {"mg", "g"} if unit in ("mg", "g") else {unit}))

    held = asked_in(question)
    container = [stem(w) for w in held if w not in STOP_WORDS]

    def holds(quote) -> bool:
        """"How much magnesium in a cup of kale": the quote names kale, and its answering sentence or its page's
        title does (a product's page is about the product; a food list's spinach line is not about kale)."""
        named = _named_stems(quote)
        return all(c in named for c in container) and any(stem(w) in container
                                                          for w in words(f"{quote.highlight} {quote.title}"))

    saying = [q for q in quotes if says(q)]
    kept = [q for q in saying if not container or holds(q)]
    if kept:
        return kept, []
    if container and saying:
        return [], [f"an amount in {' '.join(held)}"]
    of = " ".join(subject)
    what = (f"a dose for “{of}”" if dosed else f"an amount of {of}" if counted is None
            else f"a figure in {counted}" if unit else f"how many {counted}")
    return [], [what + (f" for {of}" if counted and of else "")]
