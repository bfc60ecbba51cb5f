"""What a page's <head> says about it: title, address, publisher, author, date, and whether it sells.

Read from <meta>/<link> tags and schema.org JSON-LD. Besides the common tags (`author`, `og:site_name`,
`article:published_time`), an operator can mark a page with `mgqa:commercial`, `mgqa:promotes` (product
names separated by ";") and `mgqa:type`; `source-*` works as a prefix too. A page is commercial when it
says so, or when it is a product page by its own markup (og:type product, a price tag, a schema.org Product
or Offer); the product's name then counts as something it promotes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from mgqa.records import Metadata

if TYPE_CHECKING:
    from lxml.html import HtmlElement

_URL_KEYS = ("canonical", "source-url", "og:url")  # in order of trust
_PUBLISHER_KEYS = ("publisher", "og:site_name", "application-name")
_AUTHOR_KEYS = ("author", "article:author", "dc.creator")
_DATE_KEYS = ("article:published_time", "date", "dc.date", "publish-date", "article:modified_time")
_PRICE_KEYS = ("product:price:amount", "og:price:amount")
_OWN_PREFIXES = ("mgqa:", "source-")
_SELLING_TYPES = frozenset({"product", "offer", "aggregateoffer", "productgroup"})


HtmlMeta = Metadata  # what a page's <head> says, in the record every loader uses


def web_url(value: str | None) -> str | None:
    """The value if it is an absolute http(s) URL, else None (relative or javascript: links are no use)."""
    value = (value or "").strip()
    scheme, _, rest = value.partition("://")
    return value if scheme.lower() in ("http", "https") and rest else None


def _clean(value: object) -> str | None:
    return " ".join(str(value).split()) or None if value is not None else None


def _tags(root: HtmlElement) -> dict[str, str]:
    """Every <meta name|property> as key -> content (first wins), plus <link rel=canonical>."""
    found: dict[str, str] = {}
    for element in root.iter("meta", "link"):
        if element.tag == "link":
            if "canonical" in (element.get("rel") or "").lower().split():
                found.setdefault("canonical", (element.get("href") or "").strip())
            continue
        key = (element.get("name") or element.get("property") or element.get("itemprop") or "").strip().lower()
        if key and (content := _clean(element.get("content"))):
            found.setdefault(key, content)
    return found


def _json_ld(root: HtmlElement) -> list[dict]:
    """schema.org objects of the page, @graph lists flattened; unreadable blocks are ignored."""
    objects: list[dict] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, dict):
                objects.append(item)
                stack += item.get("@graph", []) if isinstance(item.get("@graph"), list) else []
    return objects


def _types(item: dict) -> set[str]:
    kind = item.get("@type", [])
    return {str(k).lower() for k in (kind if isinstance(kind, list) else [kind])}


def _name(value: object) -> str | None:
    return _clean(value.get("name")) if isinstance(value, dict) else _clean(value) if isinstance(value, str) else None


def _own(tags: dict[str, str], key: str) -> str | None:
    return next((tags[prefix + key] for prefix in _OWN_PREFIXES if prefix + key in tags), None)


def page_meta(root: HtmlElement) -> HtmlMeta:
    """The metadata of a parsed page; absent fields are None."""
    tags = _tags(root)
    objects = _json_ld(root)
    title_element = root.find(".//title")
    title = _clean(title_element.text_content()) if title_element is not None else None
    first = next((value for key in _PUBLISHER_KEYS if (value := tags.get(key))), None)
    publisher = first or next((n for item in objects if (n := _name(item.get("publisher")))), None)
    author = next((value for key in _AUTHOR_KEYS if (value := tags.get(key))), None)
    author = author or next((n for item in objects if (n := _name(item.get("author")))), None)
    date = next((value for key in _DATE_KEYS if (value := tags.get(key))), None)
    date = date or next((d for item in objects if (d := _clean(item.get("datePublished")))), None)

    products = [name for item in objects if _types(item) & {"product", "productgroup"} if (name := _name(item))]
    if tags.get("og:type", "").lower() == "product" and (og_title := tags.get("og:title")):
        products.append(og_title)
    selling = bool(products) or any(_types(item) & _SELLING_TYPES for item in objects) or \
        any(key in tags for key in _PRICE_KEYS)
    declared = (_own(tags, "commercial") or "").lower()
    commercial = declared in ("true", "yes", "1") or (selling and declared not in ("false", "no", "0"))
    named = [name.strip() for name in (_own(tags, "promotes") or "").split(";") if name.strip()]
    return HtmlMeta(
        title=title,
        url=next((url for key in _URL_KEYS if (url := web_url(tags.get(key)))), None),
        publisher=publisher,
        author=author,
        date=date,
        commercial=commercial,
        promotes=tuple(dict.fromkeys(named + (products if commercial else []))),
        publisher_type=_own(tags, "type"),
    )
