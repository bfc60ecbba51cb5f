"""Sources that disagree: different figures for the quantity a question asks about (a dose, a limit, a rate, a
percentage, a time), or a flat "no" against a "yes". Finds them among the quotes, brings the other side in
from the passages that answer when it isn't quoted, and says so before the quotes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from mgqa import text as textlib
from mgqa.answer import MAX_QUOTES, Claim, Disagreement, Quote, build_quotes
from mgqa.answer_check import ANSWERS
from mgqa.focus import Focus, passage_terms
from mgqa.records import Document
from mgqa.retrieval import Passage
from mgqa.sources import LABELS

_NUMBER = r"\d+(?:[.,]\d+)?"
_UNITS = {"mg": "mg", "milligram": "mg", "milligrams": "mg", "mcg": "mcg", "µg": "mcg", "microgram": "mcg",
          "micrograms": "mcg", "g": "g", "gram": "g", "grams": "g", "mm": "mm", "millimeter": "mm",
          "millimeters": "mm", "millimetre": "mm", "millimetres": "mm", "inch": "inch", "inches": "inch", "%": "%",
          "percent": "%", "hour": "hour", "hours": "hour", "day": "day", "days": "day", "week": "week",
          "weeks": "week", "month": "month", "months": "month", "year": "year", "years": "year", "liter": "l",
          "liters": "l", "litre": "l", "litres": "l", "ml": "ml", "milliliter": "ml", "milliliters": "ml",
          "millilitre": "ml", "millilitres": "ml", "oz": "oz", "ounce": "oz", "ounces": "oz", "cup": "cup",
          "cups": "cup", "iu": "iu", "international unit": "iu", "international units": "iu"}
FIGURE = re.compile(rf"({_NUMBER})(?:\s*(?:-|–|to|and)\s*({_NUMBER}))?\s*({'|'.join(sorted(_UNITS, key=len)[::-1])})"
                    r"(?![a-z])", re.I)


def unit_of(word: str) -> str | None:
    """The unit a word names ("milligrams" -> "mg"), or None."""
    return _UNITS.get(word.lower())


_TIME = frozenset({"hour", "day", "week", "month", "year"})
# how much of a substance: by weight, or in international units (vitamins D, E and A: "4,000 IU (100 micrograms)")
MASS = frozenset({"mg", "mcg", "g", "iu"})
# what is drunk or eaten is measured by volume: "how much grapefruit juice is too much" is answered in liters (a
# dispute still sets only figures of the asked unit against each other)
VOLUME = frozenset({"l", "ml", "oz", "cup"})
# what the question asks for -> the units that can answer it, and a name for the quantity
_ASKS = (
    (re.compile(r"\b(?:max|maximum|upper|limit|too much|safe(?:ly)?|overdo)\b", re.I), MASS,
     "safe daily amount"),
    (re.compile(r"\b(?:need|requirement|recommended|rda|should i (?:get|have))\b", re.I), MASS,
     "daily need"),
    (re.compile(r"\b(?:how much|how many (?:mg|milligrams)|dose|dosage|mg|milligrams?|amount)\b", re.I),
     MASS, "dose"),
    (re.compile(r"\b(?:per day|a day|how fast|mm|rate|regrow\w*|grow back)\b", re.I), {"mm", "inch"},
     "rate"),
    (re.compile(r"\b(?:percent|percentage|%|how many (?:people|diabetics|of)|what share)\b", re.I), {"%"},
     "percentage"),
    (re.compile(r"\b(?:how long|how soon|how quickly|wait|apart|weeks?|months?)\b", re.I), _TIME, "time"),
)
_YES_NO = re.compile(r"^\s*(?:is|are|does|do|can|could|will|should|did)\b", re.I)
_DENIAL = re.compile(r"\b(?:no (?:good |strong |reliable )?evidence|(?:is|are|was|were) not|isn't|aren't|does not|"
                     r"doesn't|do not|don't|cannot|can't|won't|not (?:proven|absorbed|shown|effective)|"
                     r"little (?:or no )?evidence|negligible|myth)\b", re.I)


# the answer check over sentences: how likely each one answers the question (the knowledge base's `_reads`, which
# reads each sentence once a question); a figure is a side's claim only in a sentence it reads as answering
Reader = Callable[[Sequence[str]], Sequence[float]]
SENTENCES_READ = 2  # of one quote, when its figure is about to be said as a side


@dataclass(frozen=True)
class _Figure:
    low: float
    high: float
    unit: str
    text: str  # as the document words it


def figures(text: str, units: set[str]) -> list[_Figure]:
    """The figures of the given units in a text, in order."""
    out = []
    for match in FIGURE.finditer(text):
        unit = _UNITS[match.group(3).lower()]
        if unit in units:
            low = float(match.group(1).replace(",", ""))
            high = float(match.group(2).replace(",", "")) if match.group(2) else low
            out.append(_Figure(low, high, unit, match.group(0)))
    return out


# "how many hours", "how much mg": the question names the unit it wants, whatever else it says
_NAMED_UNIT = re.compile(rf"\bhow (?:many|much)\s+({'|'.join(sorted(_UNITS, key=len)[::-1])})(?![a-z])", re.I)


def asked(question: str) -> tuple[str, set[str]] | None:
    """The quantity a question asks for and the units that state it, or None."""
    named = _NAMED_UNIT.search(question)
    if named:
        unit = _UNITS[named.group(1).lower()]
        return next(((name, units) for _, units, name in reversed(_ASKS) if unit in units), (unit, {unit}))
    for pattern, units, name in _ASKS:
        if pattern.search(question):
            return name, units
    return None


def _accepted(reads: Reader | None, sentences: Sequence[str]) -> list[bool]:
    """Which sentences the answer check reads as answering (every one, without a check)."""
    if reads is None:
        return [True] * len(sentences)
    return [float(v) >= ANSWERS for v in reads(sentences)] if sentences else []


def _stating(texts: Sequence[str], units: set[str]) -> list[tuple[str, _Figure]]:
    """The texts that state a figure in those units, each with its first figure."""
    return [(t, found[0]) for t in texts if (found := figures(t, units))]


About = tuple[Focus, frozenset[str]]  # a question's focus and what it asks an amount of


def about_of(question: str, focus: Focus | None) -> About | None:
    """The focus with the question's subject: its medicines, nutrients and conditions, else the rarest of its
    focus terms that don't ask for the amount itself ("max", "how soon", "per day")."""
    if focus is None:
        return None
    spans = [m.group(0) for pattern, _, _ in _ASKS for m in pattern.finditer(question)]
    asking = passage_terms(" ".join(spans + [m.group(0) for m in _NAMED_UNIT.finditer(question)]))
    return focus, focus.subject(asking)


def _about(about: About | None, title: str | None, section: str, sentence: str) -> bool:
    """Whether a sentence, under its page's title and headings, names what the question asks an amount of: B12's
    daily need is not the 300 mg on a magnesium page (without a subject, every sentence is)."""
    return about is None or about[0].names_all(about[1], passage_terms(title or "", section, sentence))


def _claims(quotes: Sequence[Quote], units: set[str], reads: Reader | None,
            verify: bool = False, about: About | None = None) -> list[_Figure | None]:
    """Each quote's figure for the asked quantity: from its highlight, else from the first sentence of the passage
    that states one; with `about` (the question's focus and subject), only from a sentence about that subject. With
    `verify`, only from a sentence the answer check reads as answering the question (a label's "1,000 mg" example
    is not a safe daily amount)."""
    options = [[(t, f) for t, f in _stating([q.highlight] + [q.text[a:b] for a, b in textlib.sentences(q.text)], units)
                if _about(about, q.title, q.section, t)] for q in quotes]
    if verify:  # the check reads at most SENTENCES_READ of a quote: one that states a figure and doesn't answer
        options = [option[:SENTENCES_READ] for option in options]  # is seldom followed by one that does
    at = [0] * len(options)  # each quote's sentence under consideration
    while verify:  # each round, the check reads every quote's next sentence at once; most need one round
        pending = [i for i, option in enumerate(options) if at[i] < len(option)]
        verdicts = _accepted(reads, [options[i][at[i]][0] for i in pending])
        rejected = [i for i, ok in zip(pending, verdicts) if not ok]
        for i in rejected:
            at[i] += 1
        verify = bool(rejected)
    return [option[i][1] if i < len(option) else None for option, i in zip(options, at)]


def _figure_dispute(name: str, quotes: Sequence[Quote], claims: list[_Figure | None]) -> list[Disagreement]:
    """Documents stating different figures in one unit: "600 IU (15 micrograms)" is not set against "15 mcg"."""
    stated = [(i, f) for i, f in enumerate(claims) if f is not None]
    by_unit: dict[str, list[tuple[int, _Figure]]] = {}
    for i, f in stated:
        by_unit.setdefault(f.unit, []).append((i, f))
    if any(len({(f.low, f.high) for _, f in same}) > 1 and len({quotes[i].doc_id for i, _ in same}) > 1
           for same in by_unit.values()):
        return [Disagreement(name, tuple(_claim(quotes[i], i, f.text) for i, f in stated))]
    return []


def _yes_no_dispute(question: str, sides: list[tuple[int, Quote]]) -> list[Disagreement]:
    denies = [bool(_DENIAL.search(q.highlight)) for _, q in sides]
    if any(denies) and not all(denies) and len({q.doc_id for _, q in sides}) > 1:
        claims = tuple(_claim(q, i, "no" if d else "yes") for (i, q), d in zip(sides, denies))
        return [Disagreement(f"“{question.strip()}”", claims)]
    return []


def find(question: str, quotes: list[Quote], reads: Reader | None = None, focus: Focus | None = None
         ) -> list[Disagreement]:
    """Disagreements among the quotes: documents stating different figures for the asked quantity, or, for a
    yes/no question, one document denying what another states. `reads`: the answer check over sentences; a
    dispute the figures or wordings show is said only with the sides the check reads as answering (it runs only
    then: most answers show no dispute). `focus`: what the question is about; a figure is a side only in a sentence
    about the asked subject."""
    return _find(question, quotes, reads, about_of(question, focus))


def _find(question: str, quotes: list[Quote], reads: Reader | None, about: About | None) -> list[Disagreement]:
    wanted = asked(question)
    if wanted:
        name, units = wanted
        found = _figure_dispute(name, quotes, _claims(quotes, units, reads, about=about))
        if found and reads is not None:
            found = _figure_dispute(name, quotes, _claims(quotes, units, reads, verify=True, about=about))
        if found:
            return found
    if _YES_NO.search(question) and len({q.doc_id for q in quotes}) > 1:
        sides = list(enumerate(quotes))
        found = _yes_no_dispute(question, sides)
        if found and reads is not None:  # only quotes whose answering sentence answers take a side
            answers = _accepted(reads, [q.highlight for q in quotes])
            found = _yes_no_dispute(question, [side for side, ok in zip(sides, answers) if ok])
        return found
    return []


OTHER_SIDES = 3  # passages the answer check reads at most when looking for the other side


def with_both_sides(question: str, quotes: list[Quote], answering: list[Passage], documents: Mapping[str, Document],
                    strong: bool, limit: int = MAX_QUOTES, reads: Reader | None = None, focus: Focus | None = None
                    ) -> tuple[list[Quote], list[Disagreement]]:
    """The quotes, with the other side brought in when a passage that answers states a different figure than
    every quote (in place of the weakest quote), and with a public-health or clinic source in place of a seller
    on a dose or medicine question; then the disagreements among them. `reads`: the answer check over sentences;
    with it, a figure is a side only in a sentence the check reads as answering the question; with `focus`, only in
    a sentence about the asked subject."""
    about = about_of(question, focus)
    if not quotes or limit < 2:  # one quote can't show two sides
        return quotes, _find(question, quotes, reads, about) if quotes else []
    wanted = asked(question)
    quoted = {q.doc_id for q in quotes}
    if wanted and not _find(question, quotes, reads, about):  # the quotes don't already disagree: the other side
        values = {(f.low, f.high) for f in _claims(quotes, wanted[1], reads, about=about) if f is not None}
        candidates = [(p, option[0][0]) for p in answering if p.chunk.doc_id not in quoted
                      and (option := _stating([documents[p.chunk.doc_id].text[slice(*p.best)]], wanted[1]))
                      and _about(about, documents[p.chunk.doc_id].title, " ".join(p.chunk.section), option[0][0])
                      and (option[0][1].low, option[0][1].high) not in values]
        for passage, sentence in candidates[:OTHER_SIDES]:
            if _accepted(reads, [sentence])[0]:
                quotes = _in_place_of_weakest(quotes, passage, documents, wanted[1], limit)
                break
    if strong and not any(q.publisher_type in ("public_health", "clinic") for q in quotes):
        for passage in answering:
            if documents[passage.chunk.doc_id].publisher_type in ("public_health", "clinic"):
                quotes = _in_place_of_weakest(quotes, passage, documents, set(), limit)
                break
    return quotes, _find(question, quotes, reads, about)


def _in_place_of_weakest(quotes: list[Quote], passage: Passage, documents: Mapping[str, Document],
                         units: set[str], limit: int = MAX_QUOTES) -> list[Quote]:
    added = build_quotes([passage], documents, limit=1)
    if not added:
        return quotes
    if len(quotes) < limit:
        return quotes + added
    # the last quote that states no figure, or repeats another's figure; else the last one
    seen, weakest = set(), len(quotes) - 1
    claims = _claims(quotes, units, None) if units else [None] * len(quotes)
    for index, (quote, figure) in enumerate(zip(quotes, claims)):
        key = (figure.low, figure.high) if figure else None
        if index and (key is None or key in seen) and quote.publisher_type != "public_health":
            weakest = index
        seen.add(key)
    return quotes[:weakest] + quotes[weakest + 1:] + added


def notice(found: list[Disagreement]) -> str:
    """One line per disagreement, said before the quotes: who states what, with their type."""
    parts = []
    for item in found:
        sides = "; ".join(f"{_who(c)} says {c.value} [{c.quote + 1}]" for c in item.claims)
        parts.append(f"Sources disagree on {item.subject}: {sides}.")
    return " ".join(parts)


def _claim(quote: Quote, index: int, value: str) -> Claim:
    return Claim(value, quote.doc_id, quote.publisher, quote.publisher_type, index)


def _who(claim: Claim) -> str:
    return f"{claim.publisher or 'an unnamed publisher'} ({LABELS.get(claim.publisher_type, 'unknown')})"
