"""Who publishes a document: public health, clinic, commercial or unknown, said once per folder or per file.

A documents folder may hold `sources.yaml`, mapping a web domain or a publisher name to its type and,
for sellers, the products it sells:

    shop.example.com:            # the document's URL host, or a subdomain of it
      type: commercial
      products: ["Example Magnesium Spray"]
    "Example County Health Department":   # the publisher, or the start of it ("..., Nutrition Program")
      type: public_health

What a document says of itself (front matter, sidecar, `<meta name="mgqa:type">`) wins over the folder file;
with neither, a government domain (`.gov`, `.gov.uk`, `nhs.uk`...) is public health and a commercial flag
means commercial. Nothing else is guessed: the type is "unknown".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from mgqa.records import Document

SOURCES_FILE = "sources.yaml"
PUBLISHER_TYPES = ("public_health", "clinic", "commercial", "unknown")
LABELS = {"public_health": "public health", "clinic": "clinic", "commercial": "commercial", "unknown": "unknown"}
# second-level labels that only governments and national health services hold
_GOVERNMENT = frozenset({"gov", "gouv", "gob", "govt", "nhs", "gc"})


def publisher_type(value: object) -> str | None:
    """A known type from what people write ("Public health", "public-health", "clinic"), else None."""
    if not isinstance(value, str):
        return None
    key = re.sub(r"[^a-z]+", "_", value.strip().lower()).strip("_")
    return key if key in PUBLISHER_TYPES else None


@dataclass(frozen=True)
class Source:
    key: str  # a domain ("shop.example.com") or a publisher name, lower case
    type: str | None = None
    products: tuple[str, ...] = ()

    def matches(self, doc: Document) -> bool:
        host = (urlsplit(doc.url).hostname or "").lower() if doc.url else ""
        if host and (host == self.key or host.endswith("." + self.key)):
            return True
        publisher = (doc.publisher or "").casefold()
        return bool(publisher) and (publisher == self.key or re.match(re.escape(self.key) + r"\b", publisher))


def read_sources(folder: Path) -> tuple[tuple[Source, ...], list[str]]:
    """The folder's sources.yaml (none is fine); a malformed entry is skipped with a one-line warning."""
    path = folder / SOURCES_FILE
    if not path.is_file():
        return (), []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        return (), [f"ignored {SOURCES_FILE}: not readable YAML ({type(error).__name__})"]
    if not isinstance(data, dict):
        return (), [f"ignored {SOURCES_FILE}: not a mapping of domains or publishers to their type"]
    found, warnings = [], []
    for key, entry in data.items():
        entry = entry if isinstance(entry, dict) else {"type": entry}
        kind = publisher_type(entry.get("type"))
        products = entry.get("products", [])
        products = [products] if isinstance(products, str) else products
        if kind is None and entry.get("type") is not None or not isinstance(products, list):
            warnings.append(f"{SOURCES_FILE}: {key}: ignored, type must be one of {', '.join(PUBLISHER_TYPES)} "
                            "and products a list of names")
            continue
        names = tuple(" ".join(str(name).split()) for name in products if str(name).strip())
        found.append(Source(" ".join(str(key).split()).casefold(), kind, names))
    return tuple(found), warnings


def _government(url: str | None) -> bool:
    labels = (urlsplit(url).hostname or "").lower().split(".") if url else []
    return any(label in _GOVERNMENT for label in labels[-3:-1]) or labels[-1:] == ["gov"]


def classify(doc: Document, sources: tuple[Source, ...] = ()) -> Document:
    """The document with its publisher type settled and, for a commercial one, its products added."""
    source = next((s for s in sources if s.matches(doc)), None)
    declared = doc.publisher_type if doc.publisher_type != "unknown" else None
    kind = declared or (source.type if source else None)
    if kind is None:
        kind = "commercial" if doc.commercial else "public_health" if _government(doc.url) else "unknown"
    products = doc.promotes + (source.products if source else ())
    return replace(doc, publisher_type=kind, commercial=doc.commercial or kind == "commercial",
                   promotes=tuple(dict.fromkeys(products)))
