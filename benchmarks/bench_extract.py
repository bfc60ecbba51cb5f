"""HTML main-content extraction on the test library: clutter passages, text kept, headings, speed.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_extract.py [--library ../shared/library/docs] [--runs 5]

Each extractor turns every HTML page of the library into paragraphs; the text is cut into passages by
mgqa's chunker (128 whitespace words, as the fake embedder in tests counts). Against the hand labels in
eval/library_labels.yaml:
  clutter passages  passages holding a clutter phrase of their page (cookie banner, newsletter, related...)
  clutter kept      clutter phrases found anywhere in the text
  text kept         share of the article's words (the labelled content region, less its clutter and
                    neutral blocks) found in the text, counted as a multiset
  headings          heading spans found / headings in the content region
  ms/page           median wall time over --runs, imports excluded
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import lxml.html  # noqa: E402

from mgqa import chunking  # noqa: E402
from mgqa.boilerplate import prune  # noqa: E402
from mgqa.html_text import Block, HtmlText, assemble, html_text, walk_blocks  # noqa: E402
from mgqa.records import Document  # noqa: E402
from mgqa.text import words  # noqa: E402

LEAVES = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "pre", "figcaption")


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


# ---------------------------------------------------------------- the extractors compared
# Each returns (text, heading spans) as mgqa stores a page; the optional libraries are in the `bench` extra.


def today(html: str) -> HtmlText:
    """mgqa before: the stdlib walk of every paragraph, inside <article>/<main> when there is one."""
    return assemble(walk_blocks(html, from_headline=False))


def trafilatura_only(html: str) -> HtmlText:
    return assemble(trafilatura_blocks(html))


def readability(html: str) -> HtmlText:
    from readability import Document as Readable

    return assemble(walk_blocks(Readable(html).summary(html_partial=True), from_headline=False))


def justext(html: str) -> HtmlText:
    import justext as jt

    paragraphs = [p for p in jt.justext(html.encode("utf-8"), jt.get_stoplist("English")) if not p.is_boilerplate]
    return assemble([Block(p.text, 2 if p.is_heading else 0, True) for p in paragraphs])


def pruned_walk(html: str) -> HtmlText:
    """mgqa now: boilerplate.prune, then the walk (html_text without its metadata)."""
    return html_text(html)


def pruned_trafilatura(html: str) -> HtmlText:
    """boilerplate.prune, then trafilatura on what is left."""
    return assemble(trafilatura_blocks(lxml.html.tostring(prune(lxml.html.document_fromstring(html)),
                                                          encoding="unicode")))


EXTRACTORS = {"today (stdlib walk)": today, "trafilatura": trafilatura_only, "readability-lxml": readability,
              "justext": justext, "prune + trafilatura": pruned_trafilatura, "prune + walk (mgqa now)": pruned_walk}


def inline(element) -> str:
    """Text of an element and its inline children; line breaks stay, nested lists are read separately."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            parts.append("\n")
        elif child.tag not in ("list", "table"):
            parts.append(inline(child))
        parts.append(child.tail or "")
    lines = ("".join(parts)).split("\n")
    return "\n".join(text for line in lines if (text := " ".join(line.split())))


def xml_blocks(element, out: list[Block]) -> None:
    """trafilatura's XML (head, p, list/item, quote, table/row/cell, code) -> paragraphs in reading order."""
    for child in element:
        tag = child.tag
        if tag == "head":
            level = int((child.get("rend") or "h2").lstrip("h") or 2) if (child.get("rend") or "").startswith("h") \
                else 2
            if text := " ".join(inline(child).split()):
                out.append(Block(text, min(max(level, 1), 6), True))
        elif tag == "list":
            for item in child.iter("item"):
                if text := inline(item):
                    out.append(Block("• " + text, 0, True))
        elif tag == "table":
            for row in child.iter("row"):
                cells = [" ".join(inline(cell).split()) for cell in row.iter("cell")]
                if text := " ".join(cell for cell in cells if cell):
                    out.append(Block(text, 0, True))
        elif tag == "code":
            if text := (child.text or "").strip("\n"):
                out.append(Block("\n".join(line.rstrip() for line in text.split("\n")), 0, True))
        elif tag in ("p", "quote"):
            if len(child) and all(grand.tag in ("p", "list", "head", "quote") for grand in child):
                xml_blocks(child, out)  # a quote of paragraphs
            elif text := inline(child):
                out.append(Block(text, 0, True))
        elif tag in ("div", "main", "body"):
            xml_blocks(child, out)


def trafilatura_blocks(html: str) -> list[Block]:
    """Main content as trafilatura finds it; empty when it finds nothing."""
    # imported here: trafilatura pulls in lxml extras and date parsing (~0.3 s) that only HTML files need
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(html, output_format="xml", include_comments=False, include_tables=True,
                              include_images=False, include_links=False, favor_precision=True,
                              deduplicate=False, with_metadata=False)
    if not xml:
        return []
    out: list[Block] = []
    main = etree.fromstring(xml.encode("utf-8")).find("main")
    if main is not None:
        xml_blocks(main, out)
    return out


def _words(blocks: list[Block]) -> int:
    return sum(len(block.text.split()) for block in blocks)



# ---------------------------------------------------------------- the labels


def _select(root, selector: str):
    """The first element matching a `tag`, `.class` or `#id` selector."""
    if selector.startswith("."):
        found = root.xpath(f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {selector[1:]} ')]")
    elif selector.startswith("#"):
        found = root.xpath(f"//*[@id='{selector[1:]}']")
    else:
        found = root.xpath(f"//{selector}")
    if not found:
        raise SystemExit(f"label selector {selector!r} matches nothing")
    return found[0]


def content_words(html: str, label: dict) -> tuple[Counter, int]:
    """Words of the labelled article region, less blocks holding a clutter or neutral phrase; its headings."""
    import lxml.html

    region = _select(lxml.html.document_fromstring(html), label["content"])
    skip = [_norm(p) for phrases in label["clutter"].values() for p in phrases] + \
           [_norm(p) for p in label.get("neutral", [])]
    items = {_norm(item) for item in label.get("items", [])}
    counted, headings = Counter(), 0
    for element in region.iter(*LEAVES):
        if any(a.tag in LEAVES for a in element.iterancestors()):
            continue
        text = _norm(element.text_content())
        if text and text not in items and not any(p in text for p in skip):
            counted.update(words(text))
            headings += element.tag in LEAVES[2:8]
    return counted, headings


def is_clutter(passage: str, label: dict) -> bool:
    """A passage holding one of its page's clutter phrases, or a line that is one of its clutter items."""
    phrases = [_norm(p) for group in label["clutter"].values() for p in group]
    items = {_norm(item) for item in label.get("items", [])}
    lines = {_norm(line).lstrip("• ") for line in passage.split("\n")}
    return any(p in _norm(passage) for p in phrases) or bool(lines & items)


def chunks_of(page: HtmlText) -> list[str]:
    doc = Document(doc_id="page", source="page.html", kind="html", title="", text=page.text, sha256="",
                   headings=page.headings)
    return [c.text for c in chunking.chunk_document(doc, lambda t: len(t.split()))] if page.text.strip() else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, default=ROOT.parent / "shared" / "library" / "docs")
    parser.add_argument("--labels", type=Path, default=ROOT / "eval" / "library_labels.yaml")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    labels = yaml.safe_load(args.labels.read_text(encoding="utf-8"))["pages"]
    pages = {name: (args.library / name).read_text(encoding="utf-8") for name in labels}
    truth = {name: content_words(html, labels[name]) for name, html in pages.items()}
    for extract in EXTRACTORS.values():  # imports and first-call set-up out of the timings
        extract(next(iter(pages.values())))

    print(f"{len(pages)} HTML pages, {sum(len(p) for page in labels.values() for p in page['clutter'].values())} "
          f"clutter phrases, {sum(sum(t.values()) for t, _ in truth.values())} article words\n")
    print("| extractor | clutter passages | pages with clutter | clutter kept | text kept | headings | ms/page |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, extract in EXTRACTORS.items():
        bad = total = dirty_pages = kept_phrases = 0
        kept = wanted = found_h = want_h = 0
        times = []
        for page, html in pages.items():
            runs = []
            for _ in range(args.runs):
                began = time.perf_counter()
                page_text = extract(html)
                runs.append(time.perf_counter() - began)
            times.append(statistics.median(runs))
            phrases = [_norm(p) for group in labels[page]["clutter"].values() for p in group]
            text, headings = page_text.text, len(page_text.headings)
            passages = chunks_of(page_text)
            dirty = sum(1 for c in passages if is_clutter(c, labels[page]))
            bad, total, dirty_pages = bad + dirty, total + len(passages), dirty_pages + bool(dirty)
            kept_phrases += sum(1 for p in phrases if p in _norm(text))
            expected, heads = truth[page]
            got = Counter(words(text))
            kept += sum(min(n, got[w]) for w, n in expected.items())
            wanted += sum(expected.values())
            found_h, want_h = found_h + min(headings, heads), want_h + heads
        print(f"| {name} | {bad} of {total} | {dirty_pages} of {len(pages)} | {kept_phrases} | "
              f"{kept / wanted:.1%} | {found_h} of {want_h} | {1000 * statistics.mean(times):.1f} |")


if __name__ == "__main__":
    main()
