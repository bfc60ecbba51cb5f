"""The test library (../shared/library/docs, 18 pages as they come from the web) built with the seed.

Checks what a reader would notice: no page clutter and no markup in any passage, sellers known as
commercial with their product passages flagged, text headers read, every text-fragment link findable
on the page it points to. Clutter phrases come from the hand labels in eval/library_labels.yaml.
"""

from __future__ import annotations

import re
import shutil
from urllib.parse import unquote

import pytest
import yaml

from conftest import ROOT, SEED
from fakes import FakeEmbedder
from mgqa.answer import source_link
from mgqa.metadata import sidecar_path
from mgqa.settings import Settings

LIBRARY = ROOT.parent / "shared" / "library" / "docs"
LABELS = yaml.safe_load((ROOT / "eval" / "library_labels.yaml").read_text(encoding="utf-8"))["pages"]
SELLERS = ("calmcore-magnesium-glycinate", "neurosoothe-plus", "transderma-magnesium-oil")
MARKUP = re.compile(r"\*\*|__|^#{1,6} |^[=-]{3,}$|\]\(|!\[|^> |`", re.M)

pytestmark = pytest.mark.skipif(not LIBRARY.is_dir(), reason=f"the test library is not at {LIBRARY}")


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """The library, the seed and the fixture sources.yaml in one folder, built with the fake embedder."""
    from mgqa.build import build
    from mgqa.store import load_index

    docs = tmp_path_factory.mktemp("library") / "docs"
    shutil.copytree(LIBRARY, docs)
    shutil.copy(SEED, docs / SEED.name)
    shutil.copy(sidecar_path(SEED), docs / sidecar_path(SEED).name)
    shutil.copy(ROOT / "tests" / "fixtures" / "library_sources.yaml", docs / "sources.yaml")
    for path in docs.iterdir():
        path.chmod(0o644)
    settings = Settings(docs_dir=docs, index_dir=docs.parent / "index", model="fake-hash")
    report = build(settings, FakeEmbedder())
    return report, load_index(settings.index_dir)


def test_every_document_is_indexed(library):
    report, data = library
    assert len(data.documents) == 19 and report.skipped == () and report.warnings == ()


def test_no_passage_holds_page_clutter(library):
    _, data = library
    for source, label in LABELS.items():
        doc_id = source.rsplit(".", 1)[0]
        phrases = [_norm(p) for group in label["clutter"].values() for p in group]
        items = {_norm(item) for item in label.get("items", [])}
        for chunk in (c for c in data.chunks if c.doc_id == doc_id):
            assert not [p for p in phrases if p in _norm(chunk.text)], chunk.text
            assert not {_norm(line).lstrip("• ") for line in chunk.text.split("\n")} & items, chunk.text


def test_no_passage_holds_markdown_markup(library):
    _, data = library
    marked = [c.text for c in data.chunks if MARKUP.search(c.text)]
    assert marked == []


def test_sellers_are_commercial_and_their_product_passages_flagged(library):
    from mgqa.promotion import brand_words, context_of, is_promotional

    _, data = library
    for doc_id in SELLERS:
        doc = data.documents[doc_id]
        assert doc.commercial and doc.publisher_type == "commercial" and doc.promotes
        names = re.compile("|".join(rf"\b{re.escape(name)}\b" for name in doc.promotes + brand_words(doc)), re.I)
        product = [c for c in data.chunks if c.doc_id == doc_id and names.search(c.text)]
        assert product and all(is_promotional(c.text, doc, context_of(doc, c.start)) for c in product)
    kinds = {doc.publisher_type for doc_id, doc in data.documents.items() if doc_id not in SELLERS}
    assert kinds == {"public_health", "clinic", "commercial"}  # the seed's publisher sells supplements too


def test_text_headers_are_read(library):
    _, data = library
    feet = data.documents["diabetes-foot-care-checklist"]
    assert feet.publisher.startswith("Community Health Agency")
    assert feet.url == "https://cha.example.org/diabetes/managing/foot-care-checklist"
    assert "Source:" not in feet.text
    pharmacy = data.documents["magnesium-medication-interactions"]
    assert (pharmacy.publisher, pharmacy.author) == ("Maple Street Pharmacy community newsletter",
                                                     "Grace Ochoa, PharmD")


def _rendered(doc) -> str:
    """The words a browser shows for the document's page: the HTML file's body, the markdown rendered."""
    import lxml.html

    path = LIBRARY / doc.source
    if doc.kind == "html":
        body = lxml.html.document_fromstring(path.read_text(encoding="utf-8")).find("body")
        return " ".join(body.text_content().split())
    if doc.kind == "md":
        from markdown_it import MarkdownIt

        page = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(
            path.read_text(encoding="utf-8").split("---", 2)[2])
        return " ".join(lxml.html.fragment_fromstring(page, create_parent="div").text_content().split())
    return " ".join(doc.text.split())


def test_every_text_fragment_link_matches_the_rendered_page(library):
    _, data = library
    checked = 0
    for doc_id, doc in data.documents.items():
        if not doc.url or doc.source not in {p.name for p in LIBRARY.iterdir()}:
            continue
        page = _rendered(doc)
        spans = data.sentence_spans(doc_id)
        for a, b in spans:
            fragment = source_link(doc, a, b).split("#:~:text=", 1)[1]
            for term in fragment.split(","):
                assert unquote(term) in page, (doc.source, unquote(term))
                checked += 1
    assert checked > 500
