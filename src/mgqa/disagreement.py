"""Sources that disagree: different figures for the quantity a question asks about (a dose, a limit, a rate, a
percentage, a time), or a flat "no" against a "yes". Finds them among the quotes, brings the other side in
from the passages that answer when it isn't quoted, and says so before the quotes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from mgqa.answer import MAX_QUOTES, Claim, Disagreement, Quote, build_quotes
from mgqa.records import Document
from mgqa.retrieval import Passage
from mgqa.sources import LABELS

_NUMBER = r"\d+(?:[.,]\d+)?"
_UNITS = {"mg": "mg", "milligram": "mg", "milligrams": "mg", "mcg": "mcg", "µg": "mcg", "micrograms": "mcg",
          "g": "g", "grams": "g", "mm": "mm", "millimeters": "mm", "millimetres": "mm", "inch": "inch",
          "inches": "inch", "%": "%", "percent": "%", "hour": "hour", "hours": "hour", "day": "day", "days": "day",
          "week": "week", "weeks": "week", "month": "month", "months": "month"}
FIGURE = re.compile(rf"({_NUMBER})(?:\s*(?:-|–|to|and)\s*({_NUMBER}))?\s*({'|'.join(sorted(_UNITS, key=len)[::-1])})"
                    r"(?![a-z])", re.I)
_TIME = frozenset({"hour", "day", "week", "month"})
# what the question asks for -> the units that can answer it, and a name for the quantity
_ASKS = (
    (re.compile(r"\b(?:max|maximum|upper|limit|too much|safe(?:ly)?|overdo)\b", re.I), {"mg", "mcg", "g"},
     "safe daily amount"),
    (re.compile(r"\b(?:need|requirement|recommended|rda|should i (?:get|have))\b", re.I), {"mg", "mcg", "g"},
     "daily need"),
    (re.compile(r"\b(?:how much|how many (?:mg|milligrams)|dose|dosage|mg|milligrams?|amount)\b", re.I),
     {"mg", "mcg", "g"}, "dose"),
    (re.compile(r"\b(?:per day|a day|how fast|mm|rate|regrow\w*|grow back)\b", re.I), {"mm", "inch"},
     "rate"),
    (re.compile(r"\b(?:percent|percentage|%|how many (?:people|diabetics|of)|what share)\b", re.I), {"%"},
     "percentage"),
    (re.compile(r"\b(?:how long|how soon|how quickly|wait|apart|before|weeks?|months?)\b", re.I), _TIME, "time"),
)
_YES_NO = re.compile(r"^\s*(?:is|are|does|do|can|could|will|should|did)\b", re.I)
_DENIAL = re.compile(r"\b(?:no (?:good |strong |reliable )?evidence|(?:is|are|was|were) not|isn't|aren't|does not|"
                     r"doesn't|do not|don't|cannot|can't|won't|not (?:proven|absorbed|shown|effective)|"
                     r"little (?:or no )?evidence|negligible|myth)\b", re.I)


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


def _claim_of(quote: Quote, units: set[str]) -> _Figure | None:
    found = figures(quote.highlight, units) or figures(quote.text, units)
    return found[0] if found else None


def find(question: str, quotes: list[Quote]) -> list[Disagreement]:
    """Disagreements among the quotes: documents stating different figures for the asked quantity, or, for a
    yes/no question, one document denying what another states."""
    wanted = asked(question)
    if wanted:
        name, units = wanted
        stated = [(i, f) for i, q in enumerate(quotes) if (f := _claim_of(q, units)) is not None]
        values = {(f.low, f.high, f.unit) for _, f in stated}
        docs = {quotes[i].doc_id for i, _ in stated}
        if len(values) > 1 and len(docs) > 1:
            return [Disagreement(name, tuple(_claim(quotes[i], i, f.text) for i, f in stated))]
    if _YES_NO.search(question) and len({q.doc_id for q in quotes}) > 1:
        denies = [bool(_DENIAL.search(q.highlight)) for q in quotes]
        if any(denies) and not all(denies):
            claims = tuple(_claim(q, i, "no" if d else "yes") for i, (q, d) in enumerate(zip(quotes, denies)))
            return [Disagreement("whether " + question.strip().rstrip("?").split(maxsplit=1)[-1], claims)]
    return []


def with_both_sides(question: str, quotes: list[Quote], answering: list[Passage], documents: Mapping[str, Document],
                    strong: bool, limit: int = MAX_QUOTES) -> tuple[list[Quote], list[Disagreement]]:
    """The quotes, with the other side brought in when a passage that answers states a different figure than
    every quote (in place of the weakest quote), and with a public-health or clinic source in place of a seller
    on a dose or medicine question; then the disagreements among them."""
    if not quotes or limit < 2:  # one quote can't show two sides
        return quotes, find(question, quotes) if quotes else []
    wanted = asked(question)
    quoted = {q.doc_id for q in quotes}
    if wanted and not find(question, quotes):  # the quotes don't already disagree: look for the other side
        values = {(f.low, f.high) for q in quotes if (f := _claim_of(q, wanted[1]))}
        for passage in answering:
            if passage.chunk.doc_id in quoted:
                continue
            doc = documents[passage.chunk.doc_id]
            best = figures(doc.text[slice(*passage.best)], wanted[1])
            if best and (best[0].low, best[0].high) not in values:
                quotes = _in_place_of_weakest(quotes, passage, documents, wanted[1], limit)
                break
    if strong and not any(q.publisher_type in ("public_health", "clinic") for q in quotes):
        for passage in answering:
            if documents[passage.chunk.doc_id].publisher_type in ("public_health", "clinic"):
                quotes = _in_place_of_weakest(quotes, passage, documents, set(), limit)
                break
    return quotes, find(question, quotes)


def _in_place_of_weakest(quotes: list[Quote], passage: Passage, documents: Mapping[str, Document],
                         units: set[str], limit: int = MAX_QUOTES) -> list[Quote]:
    added = build_quotes([passage], documents, limit=1)
    if not added:
        return quotes
    if len(quotes) < limit:
        return quotes + added
    # the last quote that states no figure, or repeats another's figure; else the last one
    seen, weakest = set(), len(quotes) - 1
    for index, quote in enumerate(quotes):
        figure = _claim_of(quote, units) if units else None
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
        parts.append(f"Sources disagree on the {item.quantity}: {sides}.")
    return " ".join(parts)


def _claim(quote: Quote, index: int, value: str) -> Claim:
    return Claim(value, quote.doc_id, quote.publisher, quote.publisher_type, index)


def _who(claim: Claim) -> str:
    return f"{claim.publisher or 'an unnamed publisher'} ({LABELS.get(claim.publisher_type, 'unknown')})"
