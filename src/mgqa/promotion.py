"""Is a passage selling something? Pure rules over the passage and what its document says about its publisher.

A passage is promotional when it
- names a product the publisher promotes, or its brand: a coined word of a product or publisher name
  ("CalmCore" of "CalmCore Magnesium Glycinate", never "Magnesium", which the page uses as a plain word);
- offers a deal or calls to buy ("add to cart", "subscribe & save"), on any page: an advert is an advert;
- is on a commercial page and gives a price, quotes or cites customers, claims superiority ("most
  bioavailable", "clinically studied"), or speaks for the seller's own goods ("our formula").
The context (the passage's heading, and the lead-in of a list it belongs to) counts too: the items under
"Why NeuroSoothe?" or after "Each serving of NeuroSoothe contains:" are about the product.
"""

from __future__ import annotations

import re

from mgqa import text as textlib
from mgqa.records import Document

_PRICE = re.compile(r"[$€£¥]\s?\d|\b\d+(?:[.,]\d{2})?\s?(?:usd|eur|gbp|dollars)\b", re.I)
_DEAL = re.compile(
    r"\b(?:\d+\s?%\s?off|save \$?\d|save up to|free shipping|money[- ]back|risk[- ]free|discount code|coupon"
    r"|promo code|best value|limited[- ]time|(?:introductory|sale) pric)", re.I)
_CALL = re.compile(
    r"\b(?:add to (?:cart|bag|basket)|buy (?:it |yours |one )?now|order (?:it |yours |today|now)|shop (?:now|our|the)"
    r"|subscribe (?:&|and) save|check ?out now|get yours|try (?:it |us )?(?:risk[- ]free|today)|in stock)", re.I)
_OWN_GOODS = re.compile(
    r"\bour (?:formulas?|products?|capsules|blend|brand|supplements?|spray|gummies|tablets|powder"
    r"|ingredients|nutrients|promise|guarantee)\b|\bcustomers?\b|\breviews\b|\btestimonials?\b"
    # the claims sellers make for what they sell
    r"|\bthe best\b|\bbest (?:absorption|value|results|form|choice)\b|\bmost (?:bioavailable|absorbable|effective)\b"
    r"|\b(?:faster|better) than\b|\bclinically (?:studied|proven)\b", re.I)
# a quotation followed by an attribution: "It works!" — Jo K.
_TESTIMONIAL = re.compile(r"[\"“][^\"”]{8,}[\"”]\s*[—–-]\s*[A-Z]")
MIN_BRAND_LETTERS = 4
# words companies add to their names; alone they name no brand
_COMPANY_WORDS = frozenset("labs laboratories inc ltd llc company corp corporation group gmbh nutrition health"
                           " wellness naturals supplements pharma products store shop".split())


def brand_words(doc: Document) -> tuple[str, ...]:
    """Coined words of the product and publisher names: capitalised there, never written in lower case
    in the document ("NeuroSoothe", "Organixx"), so a mention of them is a mention of the brand."""
    names = doc.promotes + ((doc.publisher,) if doc.commercial and doc.publisher else ())
    if not names:
        return ()
    key = (doc.doc_id, doc.sha256, names)  # the text is the file's: same bytes, same words
    found = _BRANDS.get(key)
    if found is None:  # every quote from a document asks again, and reading its whole text costs a millisecond
        found = _coined(names, doc.text)
        if len(_BRANDS) >= 1024:
            _BRANDS.clear()
        _BRANDS[key] = found
    return found


_BRANDS: dict[tuple, tuple[str, ...]] = {}


def _coined(names: tuple[str, ...], text: str) -> tuple[str, ...]:
    plain = set(re.findall(r"\b[a-z][\w'-]*", text))
    found = []
    for name in names:
        for word in re.findall(r"[A-Za-z][\w'-]*", name):
            lower = word.lower()
            # "Spray" of a product name is a plain word when the page writes "sprays" or "spraying"
            if len(word) >= MIN_BRAND_LETTERS and word[0].isupper() and lower not in _COMPANY_WORDS \
                    and not any(seen.startswith(lower) for seen in plain):
                found.append(word)
    return tuple(dict.fromkeys(found))


def _names(quote: str, names: tuple[str, ...]) -> bool:
    folded = quote.casefold()
    return any(re.search(r"\b" + r"\s+".join(map(re.escape, name.casefold().split())) + r"\b", folded)
               for name in names if name.strip())


def context_of(doc: Document, start: int) -> str:
    """The section heading above offset `start` (not the title) and, when a list item starts there, the
    lead-in paragraph of its list."""
    above = [doc.text[a:b] for a, b, level in doc.headings if b <= start and level > 1]  # not the title
    parts = above[-1:]
    if doc.text.startswith("• ", start) or re.match(r"\d{1,3}[.)] ", doc.text[start:start + 5]):
        paragraphs = [(a, b) for a, b in textlib.blocks(doc.text) if b <= start]  # only a list item needs them
        for a, b in reversed(paragraphs):  # back over the list's other items to the paragraph announcing it
            if not re.match(r"(?:• |\d{1,3}[.)] )", doc.text[a:b]):
                parts.append(doc.text[a:b])
                break
    return "\n".join(parts)


def is_promotional(quote: str, doc: Document, context: str = "", brands: tuple[str, ...] | None = None) -> bool:
    """True when the quote advertises (see the module docstring); context is its heading and list lead-in."""
    if _names(quote, doc.promotes) or _DEAL.search(quote) or _CALL.search(quote):
        return True
    if not doc.commercial:
        return False
    brands = brand_words(doc) if brands is None else brands
    return any(_names(text, doc.promotes + brands) or _OWN_GOODS.search(text) for text in (quote, context)) \
        or bool(_PRICE.search(quote) or _TESTIMONIAL.search(quote))
