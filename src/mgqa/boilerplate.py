"""Page clutter removed by what the markup or the shape says it is, never by the words it holds.

Signals: elements that are chrome by definition (nav, footer, aside, forms), ARIA roles and hidden states,
the class/id/aria-label vocabulary that templates use for banners and widgets (cookie, newsletter, share,
related, comments, reviews, cart, a call to action, the byline or "posted on" line...), and blocks made mostly
of links. An element holding the page's headline or most of its text is never removed, so a badly named wrapper
can't take the article with it.

Text and markdown have no markup to read, but a menu, a breadcrumb trail, a share bar or a footer keeps its
shape when a page is saved as text: a line of three or more short items set apart by a separator ("Home ›
Health › Vitamins", "Email · Print · Facebook", "© 2024 Shop · Shipping · Returns"), `is_link_bar`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mgqa.credits import reads_as_credit

if TYPE_CHECKING:
    from lxml.html import HtmlElement

ALWAYS = frozenset("script style noscript template svg iframe object embed canvas button select input textarea".split())
CHROME = frozenset("nav footer aside dialog".split())
CHROME_ROLES = frozenset("navigation banner contentinfo complementary search dialog alertdialog".split())
# template vocabulary, matched as whole words of class, id and aria-label ("jp-relatedposts" -> related posts)
_CLUTTER_WORDS = re.compile(
    r"\b(?:cookies?|consent|gdpr|newsletters?|subscribe|subscription|sign ?up|share|sharing|sharedaddy|social"
    r"|related\w*|recommended|you may also like|comments?|commentlist|respond|reviews|testimonials?|ratings?"
    r"|cta|call to action"
    r"|stars|breadcrumbs?|popup|modal|overlay|announcement|promo|advert\w*|ads?|sponsor\w*|feedback|survey"
    r"|skip|sidebar|widgets?|cart|checkout|price|paywall|author (?:box|bio|info|card)|about (?:the )?author"
    r"|authorbox|print|toolbar|bylines?|datelines?|(?:entry|post|article) meta)\b"
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
LINK_LISTS = frozenset("ul ol div section p table dl".split())
MAX_LINK_SHARE = 0.6  # a block this much link text, with several links, is a menu or a list of other pages
KEEP_SHARE = 0.5  # an element holding this share of the page's text is the article, whatever it is called
# a link bar saved as text: items set apart by a separator with space on both sides (a table row keeps its cells
# apart with "|" at both ends and is content; a list item's bullet starts its line)
_SEPARATOR = re.compile(r"\s+[|·›»•]\s+")
BAR_ITEMS = 3  # at least this many items
BAR_ITEM_WORDS = 6  # and the middle one by length no longer than this: names and links, not sentences


def label_words(element: HtmlElement) -> str:
    """class, id and aria-label as lower-case words: "hg-cookieBanner" -> "hg cookie banner"."""
    raw = " ".join(element.get(name) or "" for name in ("class", "id", "aria-label"))
    return " ".join(re.split(r"[^a-z0-9]+", _CAMEL.sub(" ", raw).lower())).strip()


def is_clutter(element: HtmlElement) -> bool:
    """What the element's tag, role, state or template names say it is (not its text)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in ALWAYS or tag in CHROME:
        return True
    if (element.get("role") or "").strip().lower() in CHROME_ROLES:
        return True
    if element.get("hidden") is not None or (element.get("aria-hidden") or "").lower() == "true":
        return True
    if _HIDDEN_STYLE.search(element.get("style") or ""):
        return True
    return bool(_CLUTTER_WORDS.search(label_words(element)))


def _words(element: HtmlElement) -> int:
    return len(element.text_content().split())


def _link_share(element: HtmlElement) -> tuple[float, int]:
    links = element.findall(".//a")
    text = len(" ".join(element.text_content().split()))
    linked = sum(len(" ".join(a.text_content().split())) for a in links)
    return (linked / text if text else 0.0), len(links)


def _holds_article(element: HtmlElement, total_words: int) -> bool:
    if element.tag in ("html", "body", "main", "article") or element.find(".//h1") is not None:
        return True
    if element.find(".//main") is not None or element.find(".//article") is not None:
        return True
    return total_words > 0 and _words(element) >= KEEP_SHARE * total_words


def prune(root: HtmlElement) -> HtmlElement:
    """Remove clutter from a parsed page in place and return it (the <head> is left alone for metadata)."""
    body = root.find("body")
    if body is None:
        body = root
    total = _words(body)
    for element in list(body.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        # a form that wraps a whole page (ASP.NET) is a container, not a widget
        if element.tag == "header" and element.xpath("ancestor::article or ancestor::main"):
            continue  # an article's own header holds its headline
        clutter = is_clutter(element) or element.tag == "header" or element.tag == "form"
        if not clutter and element.tag in LINK_LISTS:
            share, links = _link_share(element)
            clutter = links >= 3 and share >= MAX_LINK_SHARE
        if clutter and (element.tag in ALWAYS or not _holds_article(element, total)):
            _drop(element)
    return root


def _drop(element: HtmlElement) -> None:
    """Remove an element but keep the text that follows it inside its parent."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def is_link_bar(block: str) -> bool:
    """Whether every line of a text block is a row of short items set apart by separators: a menu, a breadcrumb
    trail, a share bar or a footer as it looks once the page is text."""
    lines = [line.strip() for line in block.split("\n") if line.strip()]
    # a credit line ("Jane Roe | 5 min read | Reviewed May 2024") stays: credits.py keeps it out of quotes
    return bool(lines) and all(_bar_line(line) for line in lines) and not reads_as_credit(" ".join(block.split()))


def _bar_line(line: str) -> bool:
    if line.startswith("|") and line.endswith("|"):  # a table row
        return False
    items = sorted(len(item.split()) for item in _SEPARATOR.split(line) if item.strip())
    return len(items) >= BAR_ITEMS and items[len(items) // 2] <= BAR_ITEM_WORDS
