"""Pure safety rules: emergency triage, caution notes and question checks (promotion.py flags adverts)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

MAX_QUESTION_CHARS = 2000

EMERGENCY_NOTICE = (
    "This may be a medical emergency. Call your local emergency number now (911 in the US and Canada, "
    "999 in the UK, 112 in the EU) or go to the nearest emergency department. Do not wait for an answer here, "
    "and do not drive yourself if you feel unwell."
)
CRISIS_NOTICE = (
    "If you are thinking about ending your life or hurting yourself, please reach out right now: call or text "
    "988 in the US (Suicide & Crisis Lifeline), call 116 123 in the UK and Ireland (Samaritans), or your local "
    "emergency number. If you are in immediate danger, call emergency services. You don't have to face this alone."
)
SUPPORT_LINE = ("If you or someone you know is thinking about suicide or self-harm, help is there any time: call or "
                "text 988 in the US (Suicide & Crisis Lifeline) or call 116 123 in the UK and Ireland (Samaritans).")
GREY_ZONE_LINE = ("If this is happening now, call your local emergency number (911 in the US and Canada, "
                  "999 in the UK, 112 in the EU) instead of reading on.")
POISON_LINE = ("If someone may have taken too much of a medicine or supplement, call Poison Control (1-800-222-1222 "
               "in the US) or your local emergency number now, even if they seem fine.")
NOT_FOUND_MESSAGE = (
    "The documents in this knowledge base don't cover that question, so nothing is quoted rather than a loosely "
    "related passage. Try rewording it, ask about something the documents discuss, or ask a doctor or pharmacist."
)


# after a notice naming what no document mentions: it may be there under a name the question didn't use
ANOTHER_NAME = (" If it goes by another name (a medicine's generic name, or the kind of medicine, supplement or "
                "condition it is), asking with that name may find what they say.")


def not_found_message(missing: Sequence[str] = (), unstated: Sequence[str] = ()) -> str:
    """The plain "not covered" notice; it names what the documents never mention (`missing`), else what the
    passages closest to the question don't (`unstated`: a library may speak of children's magnesium and never of a
    child's zinc), when that is the reason."""
    if not missing and not unstated:
        return NOT_FOUND_MESSAGE
    items = list(missing or unstated)
    named = items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"
    where = "The documents in this knowledge base" if missing else "The passages closest to this question"
    notice = f"{where} never mention {named}, so nothing is quoted rather than a loosely related passage."
    return notice + (ANOTHER_NAME if missing else "")


@dataclass(frozen=True)
class Triage:
    kind: str  # "emergency" | "crisis"
    reason: str
    notice: str


_I = r"(?:i|i'm|im|i am|me|my|he|he's|she|she's|they|they're|we|my \w+|our \w+|someone|somebody|a friend)"
_SUDDEN = r"(?:sudden(?:ly)?|all of a sudden|out of nowhere|just now|right now|this (?:morning|evening|afternoon))"
_PILLS = r"(?:pills?|tablets?|capsules?|supplements?|medicines?|meds|gummies)"

_WHO = r"(?:my|his|her|their|the)"

# Each rule describes a situation happening now, not a topic: "can magnesium prevent strokes?"
# or "my feet are numb" must not match, "his face is drooping and his speech is slurred" must.
# A rule is a list of alternatives, any of which fires it.
_CRISIS_RULES: dict[str, list[str]] = {
    "suicidal thoughts": [
        r"\bsuicid", r"\bkill(?:ing)? myself", r"\bend(?:ing)? (?:my|it) (?:own )?(?:life|all)\b",
        r"\btake my (?:own )?life", r"\bwant(?:ed)? to die\b", r"\bbetter off dead\b",
        r"\bdon'?t want to (?:be alive|live|wake up|be here)",
        r"\bno (?:reason|point) (?:to|in) (?:live|living|going on)",
        r"\bhurt(?:ing)? myself", r"\bself[- ]?harm", r"\bcut(?:ting)? myself",
    ],
}
_EMERGENCY_RULES: dict[str, list[str]] = {
    "stroke signs": [
        r"\b(?:face|mouth|smile|eyelid)\b[^.?!]{0,30}\b(?:droop|sag|lopsided|uneven|fall(?:ing|en)? )",
        r"\bslurr",
        r"\b(?:can'?t|cannot|can not|unable to|trouble|struggling to) (?:speak|talk|get (?:my|the) words out)",
        r"\bhaving a stroke", r"\b(?:is|am|was) a stroke\b", r"\bstroke (?:right now|symptoms now)",
        rf"(?=[^.?!]*{_SUDDEN})(?=[^.?!]*\b(?:weak|numb|paraly|dead|can'?t (?:move|feel|lift)))"
        r"[^.?!]*\b(?:one side|left|right|arm and leg|face)\b",
        r"\b(?:can'?t|cannot) understand (?:what (?:people|anyone|you|they)|anyone|words)",
        rf"\bone side of {_WHO} (?:body|face)\b[^.?!]{{0,40}}\b(?:numb|weak|droop|dead|paraly)",
        rf"\b(?:numb|weak|droop|paraly)\w*[^.?!]{{0,40}}\bone side of {_WHO} (?:body|face)",
    ],
    "chest pain": [
        r"\bchest\b[^.?!]{0,25}\b(?:pain|pressure|tight|hurts?|hurting|crushing|squeez|heavy|ache|aching)",
        rf"\b(?:pain|pressure|tightness|crushing)\b[^.?!]{{0,20}}\b(?:in|on|across) {_WHO} chest",
        r"\bhaving (?:a )?heart attack", r"\bheart attack (?:right )?now",
    ],
    "trouble breathing": [
        r"\b(?:can'?t|cannot|can not|unable to|struggling to|hard to|trouble|difficult(?:y)?) "
        r"(?:breath|catch (?:my|his|her) breath)",
        r"\b(?:i'm|im|i am|he's|she's|he is|she is|they're|feel(?:ing)?|getting|suddenly|very|so) short of breath",
        r"\b(?:sudden|severe) shortness of breath", r"shortness of breath (?:right )?now",
        r"\bgasping", r"\b(?:not|stopped) breathing", r"\bchoking", r"\bturning blue",
        r"\blips? (?:are |is )?(?:blue|purple)",
    ],
    "severe allergic reaction": [
        r"\bthroat\b[^.?!]{0,20}\b(?:swell|clos|tight)", r"\b(?:tongue|lips?|face)\b[^.?!]{0,15}\bswell", r"\banaphyla",
    ],
    "overdose or poisoning": [
        r"\boverdosed", r"\boverdosing", r"\b(?:took|taken|had) an overdose", r"\bpoisoned\b",
        r"\b(?:took|taken|swallowed|ate|had)\b[^.?!]{0,20}\btoo (?:many|much)\b",
        r"\b(?:took|taken|swallowed|ate|eaten|downed)\b[^.?!]{0,30}\b(?:whole|entire|all (?:of )?(?:my|the|his|her)|"
        rf"half (?:a|the)|handful|bottle|box|pack|bunch|\d{{2,}} {_PILLS})",
        rf"\b(?:kid|child|toddler|baby|son|daughter)\b[^.?!]{{0,30}}\b(?:ate|swallowed|got into)\b"
        rf"[^.?!]{{0,30}}{_PILLS}",
    ],
    "rapidly spreading weakness": [
        r"\bweak\w*\b[^.?!]{0,40}\b(?:spreading|moving|climbing|creeping|going|rising) up",
        r"\b(?:spreading|moving|climbing|creeping|going) up (?:my|his|her|both) (?:legs|arms|body)",
        r"\bweaker (?:by the|every) (?:hour|minute)",
        rf"{_SUDDEN}[^.?!]{{0,30}}\b(?:can'?t|cannot|unable to) (?:walk|stand|move)",
        r"\b(?:can'?t|cannot) (?:walk|stand|move (?:my|his|her) legs) (?:anymore )?(?:since|all of a sudden|suddenly)",
        rf"{_SUDDEN}[^.?!]{{0,30}}\bparaly",
    ],
    "heart rhythm with fainting": [
        r"(?=[^?!]*\b(?:heart|pulse|heartbeat)\b[^.?!]{0,30}\b(?:irregular|racing|pounding|fluttering|skipping|"
        r"out of rhythm|all over the place))"
        r"(?=[^?!]*\b(?:pass(?:ing)? out|faint|black(?:ing)? out|dizzy|light ?headed|chest))",
    ],
    "seizure": [
        r"\b(?:having|just had) a (?:seizure|fit|convulsion)", r"\bseizing\b", r"\bconvuls",
        r"\bwon'?t stop (?:shaking|jerking)",
    ],
    "unconscious or collapsed": [
        r"\bunconscious", r"\bunresponsive", r"\bpassed out", r"\bwon'?t wake", r"\bcan'?t wake", r"\bcollapsed",
        r"\bnot responding", r"\bfainted and",
    ],
    "loss of bladder or bowel control": [
        r"\b(?:lost|losing|loss of|can'?t control)\b[^.?!]{0,20}\b(?:bladder|bowel)",
        r"\bnumb\w*\b[^.?!]{0,20}\b(?:groin|saddle|between (?:my|the) legs)",
    ],
    "worst headache": [r"\bworst headache", r"\bthunderclap"],
    "sudden vision loss": [
        rf"{_SUDDEN}[^.?!]{{0,30}}\b(?:can'?t see|lost (?:my |his |her )?(?:vision|sight)|went blind|blind)\b",
    ],
    "heavy bleeding": [
        r"\bbleeding (?:heavily|a lot|badly)", r"\bwon'?t stop bleeding", r"\bcoughing (?:up )?blood",
        r"\bvomiting blood",
    ],
    "sudden confusion": [rf"{_SUDDEN}[^.?!]{{0,20}}\b(?:confused|doesn'?t know where|can'?t recognize)"],
}
_COMPILED = [(reason, re.compile("|".join(alternatives)), CRISIS_NOTICE, "crisis")
             for reason, alternatives in _CRISIS_RULES.items()] + \
            [(reason, re.compile("|".join(alternatives)), EMERGENCY_NOTICE, "emergency")
             for reason, alternatives in _EMERGENCY_RULES.items()]

_STRONG = re.compile(
    r"(?<![a-z])mg\b|\b(?:dose|dosage|dosing|how much|how many|milligrams?|overdose|too much|max(?:imum)?|"
    r"medications?|medicines?|meds|drugs?|prescriptions?|pills?|gabapentin|pregabalin|lyrica|neurontin|"
    r"antibiotics?|diuretics?|blood pressure|insulin|metformin|stop(?:ping)?|quit(?:ting)?|instead of|replace|"
    r"come off|wean|pregnan\w*|breastfeed\w*|child(?:ren)?|kids?|kidneys?|interact\w*|side effects?)\b")


def clean_question(question: object) -> tuple[str, str | None]:
    """(cleaned question, None) or ("", reason) for input that can't be a question."""
    if not isinstance(question, str):
        return "", "Please type a question as text."
    cleaned = "".join(" " if unicodedata.category(c)[0] == "C" and c not in "\n\t" else c for c in question)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        return "", "The question is empty. Type a question, for example: “How much magnesium is safe each day?”"
    if len(cleaned) > MAX_QUESTION_CHARS:
        return "", (f"The question is {len(cleaned):,} characters long; the limit is {MAX_QUESTION_CHARS:,}. "
                    "Ask one question at a time, in a sentence or two.")
    if not any(c.isalpha() for c in cleaned):
        return "", "The question has no words in it. Ask it in a sentence, for example: “Which foods have magnesium?”"
    return cleaned, None


def triage(question: str) -> Triage | None:
    """Emergency or crisis situations described in the question, checked before any retrieval."""
    folded = _fold(question)
    for reason, pattern, notice, kind in _COMPILED:
        if pattern.search(folded):
            return Triage(kind, reason, notice)
    return None


def needs_strong_caution(question: str) -> bool:
    """Doses, medicines, stopping a treatment, pregnancy, children, kidneys: ask a professional first."""
    return bool(_STRONG.search(_fold(question)))


CAUTION = "General health information, not medical advice: ask a doctor, nurse or pharmacist about your own situation."
# said of every dose and medicine question, whatever the library is about: supplements in general (it named
# magnesium, the seed's subject, and so told a question on vitamin D about magnesium)
STRONG_CAUTION = ("Ask your doctor or pharmacist before you start, change or stop a supplement, a medicine or a dose: "
                  "supplements can interact with medicines, and some build up to harmful levels when the kidneys "
                  "don't work well.")
_TYPE_WORDS = {"public_health": "public health", "clinic": "clinic", "commercial": "commercial, sells supplements"}


def caution_note(sources: list[tuple[str | None, str]], strong: bool) -> str:
    """The note shown with every answer: one sentence, the publishers quoted (publisher, publisher_type) by name
    and type, and for doses and medicines the stronger line."""
    named = [f"{publisher or 'an unnamed publisher'} ({_TYPE_WORDS.get(kind, 'type unknown')})"
             for publisher, kind in dict.fromkeys(sources)]
    text = CAUTION + (f" Sources: {'; '.join(named)}." if named else " Source: the documents in this knowledge base.")
    return f"{text} {STRONG_CAUTION}" if strong else text


def _fold(text: str) -> str:
    return text.lower().replace("’", "'").replace("‘", "'")


_DOSE = re.compile(r"\b\d[\d,.]*\s*(?:-|to|–)?\s*\d*\s*(?:mg|mcg|µg|g|iu|milligrams?|micrograms?|grams?|capsules?|"
                   r"tablets?|pills?)\b|\bdaily (?:dose|intake|allowance)|\bper day\b|\ba day\b", re.I)
_OVERDOSE = re.compile(r"\b(?:overdos\w*|poison\w*|toxic\w*|too (?:much|many)|took (?:the )?whole|swallowed)\b", re.I)


_SAFETY_INFO = re.compile(r"\b(?:emergency|call (?:a|your) (?:doctor|physician)|seek (?:immediate |urgent )?"
                          r"(?:medical )?(?:care|help|attention|treatment)|toxic\w*|overdos\w*|hypermagnes\w*"
                          r"|poison\w*)", re.I)


def harmful_when_urgent(quote) -> bool:
    """A quote that must not follow an emergency notice: anything but safety information (toxicity, when to get
    care), and never a dose or amount, a product or an advert."""
    return quote.promotional or names_a_dose(quote.text) or not _SAFETY_INFO.search(quote.text)


def harmful_near_self_harm(quote) -> bool:
    """A quote that must not stand next to talk of self-harm, even calm talk: a dose or amount, a product, an
    advert."""
    return quote.promotional or names_a_dose(quote.text)


def names_a_dose(text: str) -> bool:
    return bool(_DOSE.search(text))


def asks_about_overdose(question: str) -> bool:
    """The question is about taking too much of something: it always gets the poison-control line."""
    return bool(_OVERDOSE.search(question))
