"""Document loaders: what a user would notice about each format, metadata, ids and skipped files."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from fakes import write
from mgqa.documents import (
    DocumentError,
    assign_doc_ids,
    comment_form_start,
    file_digest,
    iter_document_files,
    load_document,
    load_document_with_warnings,
    load_documents,
    make_doc_id,
)
from pdf_fixture import make_pdf

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED = SEEDS / "000_298022469d73e39c.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "docs"


# ---------------------------------------------------------------- the real seed


def test_seed_loads_with_its_title_and_id():
    doc = load_document(SEED, SEEDS)
    assert doc.doc_id == "000-298022469d73e39c"
    assert doc.source == "000_298022469d73e39c.txt"
    assert doc.kind == "txt"
    assert doc.title == "Can Magnesium Repair Nerve Damage? Natural Healing Revealed"


def test_seed_metadata_comes_from_its_sidecar():
    doc = load_document(SEED, SEEDS)
    assert doc.url == "https://organixx.com/can-magnesium-repair-nerve-damage/"
    assert (doc.publisher, doc.author) == ("Organixx", "Jonathan Hunsaker")
    assert doc.commercial is True
    assert "Magnesium 7" in doc.promotes
    sidecar = SEED.with_name(SEED.name + ".meta.yaml")
    assert doc.sha256 == hashlib.sha256(SEED.read_bytes() + sidecar.read_bytes()).hexdigest() == file_digest(SEED)


def test_seed_text_is_the_file_text_without_the_comment_form():
    doc = load_document(SEED, SEEDS)
    file_text = SEED.read_text(encoding="utf-8")
    assert doc.text.endswith("are taking prescription medications.")
    assert "Leave a Reply" not in doc.text
    assert "Your email address" not in doc.text
    assert file_text.startswith(doc.text)  # offsets into doc.text are offsets into the file


# ---------------------------------------------------------------- plain text


def test_txt_keeps_the_body_verbatim_apart_from_newlines(tmp_path):
    body = "\ufeffTitle line  \r\nIt’s “quoted” — café\r\n\r\n  indented\ttab\rend   \n\n"
    doc = load_document(write(tmp_path, "note.txt", body.encode("utf-8")), tmp_path)
    assert doc.text == "Title line  \nIt’s “quoted” — café\n\n  indented\ttab\nend"
    assert doc.title == "Title line"


def test_utf16_text_with_a_bom_is_read(tmp_path):
    doc = load_document(write(tmp_path, "notepad.txt", "Title ✓\r\nbody".encode("utf-16")), tmp_path)
    assert doc.text == "Title ✓\nbody"


def test_txt_title_falls_back_to_the_first_non_empty_line(tmp_path):
    doc = load_document(write(tmp_path, "note.txt", "\n\n   \nFirst real line\nbody"), tmp_path)
    assert doc.title == "First real line"
    assert doc.text.startswith("\n\n   \nFirst")  # leading lines kept so offsets match the file


@pytest.mark.parametrize(
    "tail",
    [
        "\n\nComments\n\nLeave a Reply\n\nYour email address will not be published. Required fields are marked *",
        "\n\nLeave a Reply\nCancel reply\nComment *\nName *\nEmail *\nWebsite\nPost Comment\n",
        "\n\n3 Comments\n",
    ],
)
def test_a_trailing_comment_form_is_cut(tmp_path, tail):
    doc = load_document(write(tmp_path, "a.txt", "Title\n\nThe article ends here." + tail), tmp_path)
    assert doc.text == "Title\n\nThe article ends here."


def test_comments_mentioned_inside_the_article_are_kept():
    text = "Title\n\nComments\n\nReaders wrote in with questions about dosage.\n"
    assert comment_form_start(text) is None
    assert comment_form_start("Leave a Reply\n\nMore article text.") is None


# ---------------------------------------------------------------- markdown


MARKDOWN = """---
title: Nerve Care Guide
url: https://example.org/nerve-care
publisher: Example Health
author: [Ana Ruiz, Ben Ode]
tags: [ignored]
---
# Heading One

Intro text.

## Food sources ##

```python
# not a heading
```

#hashtag is not a heading
### C# tips
"""


def test_markdown_front_matter_gives_metadata_and_is_not_text(tmp_path):
    doc = load_document(write(tmp_path, "guide.md", MARKDOWN), tmp_path)
    assert doc.kind == "md"
    assert (doc.title, doc.url, doc.publisher, doc.author) == (
        "Nerve Care Guide",
        "https://example.org/nerve-care",
        "Example Health",
        "Ana Ruiz, Ben Ode",
    )
    # rendered as a reader sees it: no "#" marks, the code block's text kept as it is
    assert doc.text == ("Heading One\n\nIntro text.\n\nFood sources\n\n# not a heading\n\n"
                        "#hashtag is not a heading\n\nC# tips")
    assert "tags" not in doc.text


def test_markdown_headings_are_spans_of_the_heading_text(tmp_path):
    doc = load_document(write(tmp_path, "guide.md", MARKDOWN), tmp_path)
    found = [(doc.text[start:end], level) for start, end, level in doc.headings]
    assert found == [("Heading One", 1), ("Food sources", 2), ("C# tips", 3)]


def test_markdown_title_comes_from_the_first_h1_then_the_file_stem(tmp_path):
    with_h1 = write(tmp_path, "a.md", "Intro\n\n## Minor\n\n# Main Title\n\ntext")
    assert load_document(with_h1, tmp_path).title == "Main Title"
    assert load_document(write(tmp_path, "Nerve Notes.md", "just text"), tmp_path).title == "Nerve Notes"


def test_markdown_invalid_front_matter_warns_and_stays_out_of_the_text(tmp_path):
    path = write(tmp_path, "bad.md", "---\ntitle: [unclosed\n---\n# Real Title\n\nBody.\n")
    doc, warnings = load_document_with_warnings(path, tmp_path)
    assert doc.text == "Real Title\n\nBody."
    assert doc.title == "Real Title"
    assert warnings == ["bad.md: front matter: ignored, invalid YAML (line 3)"]


def test_markdown_comment_form_cut_drops_its_headings(tmp_path):
    doc = load_document(write(tmp_path, "a.md", "# Title\n\nBody.\n\n### Leave a Reply\n"), tmp_path)
    assert doc.text == "Title\n\nBody."
    assert [doc.text[s:e] for s, e, _ in doc.headings] == ["Title"]


# ---------------------------------------------------------------- html


def test_html_keeps_article_text_and_drops_page_chrome():
    doc = load_document(FIXTURES / "page.html", FIXTURES)
    assert doc.kind == "html"
    for dropped in (
        "trackingScript",
        "font-family",
        "Menu link",
        "home",
        "JavaScript",
        "buy our pills",
        "newsletter",
        "Sidebar",
        "Copyright",
    ):
        assert dropped not in doc.text
    # the article's own <header> holds its headline, unlike the page's site header
    assert doc.text.startswith("Magnesium & Your Nerves\n\nMagnesium helps nerves send signals — a key role.")
    assert "• Spinach & greens\n\n• Pumpkin seeds" in doc.text
    assert "Dose < 350 mg from supplements, says café lore." in doc.text


def test_html_headings_title_and_metadata():
    doc = load_document(FIXTURES / "page.html", FIXTURES)
    assert [(doc.text[s:e], level) for s, e, level in doc.headings] == [
        ("Magnesium & Your Nerves", 1),
        ("Food sources", 2),
    ]
    assert doc.title == "Magnesium & Nerves | Example Health"
    assert doc.url == "https://example.org/magnesium-nerves"  # canonical beats og:url
    assert (doc.publisher, doc.author) == ("Example Health", "Dana Reyes")


def test_html_without_title_or_article_uses_h1_and_the_whole_body(tmp_path):
    page = """<html><head>
      <link rel="canonical" href="/relative/only">
      <meta name="source-url" content="javascript:alert(1)">
      <meta property="og:url" content="https://example.org/from-og">
    </head><body><h1>Page &quot;One&quot;</h1><p>Body text.</p>
      <table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>
      <pre>
dose   = 350
  unit = "mg"
</pre></body></html>"""
    doc = load_document(write(tmp_path, "p.htm", page), tmp_path)
    assert doc.title == 'Page "One"'
    assert doc.url == "https://example.org/from-og"  # non-http(s) candidates skipped
    assert doc.text == 'Page "One"\n\nBody text.\n\na b\n\nc\n\ndose   = 350\n  unit = "mg"'


def test_broken_html_still_loads(tmp_path):
    # (an unclosed <title> swallows the rest of the page, in browsers as in lxml: not tested here)
    page = "<title>Broken</title><p>First <b>bold<p>Second<div>Third &amp; last<li>item"
    doc = load_document(write(tmp_path, "broken.html", page), tmp_path)
    assert doc.title == "Broken"
    assert doc.text == "First bold\n\nSecond\n\nThird & last\n\n• item"


# ---------------------------------------------------------------- pdf


def test_pdf_fixture_round_trips_through_pypdf(tmp_path):
    make_pdf(tmp_path / "a.pdf", ["Hello (world) \\ back", "Line one\nLine two – café"], title="T")
    reader = PdfReader(tmp_path / "a.pdf", strict=True)  # strict: the xref offsets must be exact
    assert [page.extract_text() for page in reader.pages] == ["Hello (world) \\ back", "Line one\nLine two – café"]
    assert reader.metadata.title == "T"


def test_pdf_pages_map_offsets_to_the_right_page(tmp_path):
    pages = ["Page one text\nsecond line", "Page two text", "Page three text"]
    make_pdf(tmp_path / "report.pdf", pages, title="Magnesium Report")
    doc = load_document(tmp_path / "report.pdf", tmp_path)
    assert (doc.kind, doc.title) == ("pdf", "Magnesium Report")
    assert doc.text == "\n\n".join(pages)
    assert len(doc.pages) == 3
    for number, page_text in enumerate(pages, start=1):
        start = doc.pages[number - 1]
        assert doc.text[start : start + len(page_text)] == page_text
        assert doc.page_at(start) == doc.page_at(start + len(page_text) - 1) == number


def test_pdf_title_falls_back_to_the_stem(tmp_path):
    make_pdf(tmp_path / "untitled-report.pdf", ["Some text"])
    assert load_document(tmp_path / "untitled-report.pdf", tmp_path).title == "untitled-report"


def test_password_protected_pdf_is_refused_with_a_reason(tmp_path):
    make_pdf(tmp_path / "plain.pdf", ["Secret text"])
    writer = PdfWriter(clone_from=PdfReader(tmp_path / "plain.pdf"))
    writer.encrypt("secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    path = write(tmp_path, "locked.pdf", buffer.getvalue())
    with pytest.raises(DocumentError, match=r"^locked\.pdf: the PDF is password-protected; save an unprotected copy$"):
        load_document(path, tmp_path)


def test_pdf_without_text_is_refused(tmp_path):
    make_pdf(tmp_path / "scan.pdf", ["", ""])
    with pytest.raises(DocumentError, match=r"^scan\.pdf: no text found"):
        load_document(tmp_path / "scan.pdf", tmp_path)


# ---------------------------------------------------------------- bad files in a folder


def _folder_with_bad_files(folder: Path) -> None:
    write(folder, "good.txt", "Good title\n\nGood text.")
    write(folder, "notes/good.md", "# Good markdown\n\nText.")
    make_pdf(folder / "good.pdf", ["Good PDF text"])
    write(folder, "empty.md", "")
    write(folder, "blank.txt", "  \n\t\n")
    write(folder, "binary.txt", b"GIF89a\x00\x01\x02\x00\xff\xfe")
    write(folder, "controls.txt", bytes(range(1, 9)) * 20 + b"some text")
    write(folder, "windows.txt", b"Caf\xe9 \x93quoted\x94\r\nbody")
    write(folder, "slides.docx", b"PK\x03\x04")
    write(folder, "huge.txt", "x" * 5000)
    write(folder, "LICENSE", "MIT")
    write(folder, "fake.pdf", "just text")
    write(folder, "broken.pdf", b"%PDF-1.4\nthis is not really a pdf\n%%EOF\n")
    write(folder, "only-scripts.html", "<script>x()</script><style>p{}</style>")


SKIP_REASONS = {
    "empty.md": "the file is empty",
    "blank.txt": "no text found",
    "binary.txt": "not a text file",
    "controls.txt": "not a text file",
    "slides.docx": "unsupported file type '.docx' (supported: .txt, .md, .markdown, .html, .htm, .pdf)",
    "LICENSE": "no file extension to tell its type (supported: .txt, .md, .markdown, .html, .htm, .pdf)",
    "fake.pdf": "not a PDF file (no %PDF header)",
    "huge.txt": "the file is 5.0 kB, over the 4.0 kB limit (MGQA_MAX_FILE_BYTES)",
    "only-scripts.html": "no text found",
}


def test_bad_files_are_skipped_with_one_line_warnings_and_good_files_load(tmp_path):
    _folder_with_bad_files(tmp_path)
    docs, warnings = load_documents(tmp_path, max_bytes=4000)
    assert [(doc.doc_id, doc.source) for doc in docs] == [
        ("good-pdf", "good.pdf"),
        ("good-txt", "good.txt"),
        ("notes-good", "notes/good.md"),
        ("windows", "windows.txt"),
    ]
    assert all("\n" not in warning for warning in warnings)
    for name, reason in SKIP_REASONS.items():
        assert f"skipped {name}: {reason}" in warnings
    assert any(w.startswith("skipped broken.pdf: not a readable PDF (") for w in warnings)
    assert "windows.txt: read as Windows-1252 (not valid UTF-8)" in warnings
    assert len(warnings) == len(SKIP_REASONS) + 2


def test_windows_1252_text_is_decoded(tmp_path):
    path = write(tmp_path, "w.txt", b"Caf\xe9 \x93quoted\x94\r\nbody")
    doc, warnings = load_document_with_warnings(path, tmp_path)
    assert doc.text == "Café “quoted”\nbody"
    assert warnings == ["w.txt: read as Windows-1252 (not valid UTF-8)"]


@pytest.mark.parametrize("name", sorted(SKIP_REASONS))
def test_load_document_raises_a_one_line_error_naming_the_file(tmp_path, name):
    _folder_with_bad_files(tmp_path)
    with pytest.raises(DocumentError) as caught:
        load_document(tmp_path / name, tmp_path, max_bytes=4000)
    assert str(caught.value) == f"{name}: {SKIP_REASONS[name]}"


def test_a_missing_folder_is_an_error(tmp_path):
    with pytest.raises(DocumentError, match="no such folder"):
        load_documents(tmp_path / "nope")
    with pytest.raises(DocumentError, match="not a folder"):
        load_documents(write(tmp_path, "file.txt", "text"))


# ---------------------------------------------------------------- sidecars


SIDECAR = """# notes for people are fine in a sidecar
title: From sidecar
url: https://example.org/a
publisher: Pub
commercial: true
language: en
"""


def test_sidecar_overrides_what_the_document_says(tmp_path):
    front_matter = "---\ntitle: From front matter\nauthor: Front\npromotes: [Front product]\n---\n"
    write(tmp_path, "article.md", front_matter + "# Heading\n\nText.")
    write(tmp_path, "article.md.meta.yaml", SIDECAR)
    docs, warnings = load_documents(tmp_path)
    assert warnings == []
    assert [doc.source for doc in docs] == ["article.md"]  # the sidecar is not a document
    doc = docs[0]
    assert (doc.title, doc.url, doc.publisher, doc.author) == ("From sidecar", "https://example.org/a", "Pub", "Front")
    assert (doc.commercial, doc.promotes) == (True, ("Front product",))  # only the keys the sidecar has


def test_sidecar_is_part_of_the_digest(tmp_path):
    path = write(tmp_path, "a.txt", "Title\n\nText.")
    before = file_digest(path)
    sidecar = write(tmp_path, "a.txt.meta.yaml", "title: New title\n")
    after = file_digest(path)
    assert before == hashlib.sha256(path.read_bytes()).hexdigest()
    assert after == hashlib.sha256(path.read_bytes() + sidecar.read_bytes()).hexdigest() != before
    assert load_document(path, tmp_path).sha256 == after


def test_bad_sidecars_and_orphans_warn(tmp_path):
    write(tmp_path, "a.txt", "Title A\n\nText.")
    write(tmp_path, "a.txt.meta.yaml", "title: [unclosed\n")
    write(tmp_path, "b.txt", "Title B\n\nText.")
    write(tmp_path, "b.txt.meta.yaml", "url: ftp://example.org/b\ncommercial: maybe\n")
    write(tmp_path, "gone.txt.meta.yaml", "title: Orphan\n")
    docs, warnings = load_documents(tmp_path)
    assert [(doc.title, doc.url) for doc in docs] == [("Title A", None), ("Title B", None)]
    assert warnings == [
        "a.txt.meta.yaml: ignored, invalid YAML (line 2)",
        "b.txt.meta.yaml: commercial ignored, not true or false",
        "b.txt: url ignored, not an http(s) address: ftp://example.org/b",
        "ignored gone.txt.meta.yaml: no gone.txt next to it",
    ]


# ---------------------------------------------------------------- ids and file discovery


@pytest.mark.parametrize(
    ("source", "doc_id"),
    [
        ("000_298022469d73e39c.txt", "000-298022469d73e39c"),
        ("guides/Nerve Care.md", "guides-nerve-care"),
        ("--Weird__Name!!.v2.HTML", "weird-name-v2"),
        ("Café Notes.txt", "cafe-notes"),
        ("!!!.txt", "document"),
    ],
)
def test_doc_ids_come_from_the_relative_path(source, doc_id):
    assert make_doc_id(source) == doc_id


def test_colliding_doc_ids_get_their_extension(tmp_path):
    write(tmp_path, "guides/Nerve Care.md", "# Care\n\nText.")
    write(tmp_path, "guides/nerve-care.txt", "Care\n\nText.")
    write(tmp_path, "other.txt", "Other\n\nText.")
    docs, _ = load_documents(tmp_path)
    assert [(doc.doc_id, doc.source) for doc in docs] == [
        ("guides-nerve-care-md", "guides/Nerve Care.md"),
        ("guides-nerve-care-txt", "guides/nerve-care.txt"),
        ("other", "other.txt"),
    ]


def test_ids_that_still_collide_are_numbered():
    assert assign_doc_ids(["a/b.md", "a-b.md", "c.txt"]) == {"a-b.md": "a-b-md", "a/b.md": "a-b-md-2", "c.txt": "c"}


def test_iter_document_files_is_recursive_sorted_and_skips_hidden_and_sidecars(tmp_path):
    for name in ["b.txt", "a/z.md", "a/c.html", ".hidden.txt", ".git/config.txt", "b.txt.meta.yaml", "x.docx"]:
        write(tmp_path, name, "text")
    found = [path.relative_to(tmp_path).as_posix() for path in iter_document_files(tmp_path)]
    assert found == ["a/c.html", "a/z.md", "b.txt", "x.docx"]


def test_utf8_with_one_broken_byte_stays_utf8_and_says_so(tmp_path):
    path = write(tmp_path, "mixed.txt", "Magnésium — the “mineral” of nerves.\n".encode() + b"One bad \xff byte.\n")
    doc, warnings = load_document_with_warnings(path, tmp_path)
    assert "Magnésium — the “mineral” of nerves." in doc.text  # no mojibake of the good UTF-8
    assert warnings == ["mixed.txt: 1 byte(s) not valid UTF-8 shown as \ufffd (the rest read as UTF-8)"]


def test_another_encoding_is_detected_for_the_whole_file_and_named(tmp_path):
    text = "Магний помогает нервам. Это минерал, который нужен организму каждый день.\n"
    path = write(tmp_path, "ru.txt", text.encode("cp1251"))
    doc, warnings = load_document_with_warnings(path, tmp_path)
    assert doc.text.startswith("Магний помогает нервам.")
    assert warnings == ["ru.txt: read as Windows-1251 (not valid UTF-8)"]


def test_links_and_special_files_are_skipped_with_a_warning(tmp_path):
    outside = write(tmp_path / "outside", "secret.txt", "Secret\n\nThe secret is here.\n")
    docs = tmp_path / "docs"
    write(docs, "good.txt", "Good\n\nMagnesium is a mineral.\n")
    (docs / "passwd.txt").symlink_to(outside)
    (docs / "linked").symlink_to(outside.parent, target_is_directory=True)
    os.mkfifo(docs / "pipe.txt")
    loaded, warnings = load_documents(docs)
    assert [doc.source for doc in loaded] == ["good.txt"]
    assert "skipped passwd.txt: a link (links are not followed)" in warnings
    assert "skipped linked: a link (links are not followed)" in warnings
    assert "skipped pipe.txt: not a regular file" in warnings


# ---------------------------------------------------------------- as documents really come


def test_markdown_is_rendered_without_markup(tmp_path):
    source = ("Setext Title\n============\n\nSome **bold**, *em*, `code` and [a link](https://example.org/x).\n"
              "Second line of the paragraph.\n\n> **Sale:** quoted\n\n1. first\n2. second\n\n- [x] item\n")
    doc = load_document(write(tmp_path, "a.md", source), tmp_path)
    assert doc.text == ("Setext Title\n\nSome bold, em, code and a link. Second line of the paragraph.\n\n"
                        "Sale: quoted\n\n1. first\n\n2. second\n\n• [x] item")
    assert [(doc.text[a:b], level) for a, b, level in doc.headings] == [("Setext Title", 1)]
    assert doc.title == "Setext Title"


def test_txt_header_lines_are_metadata(tmp_path):
    source = ("Foot Care Checklist\nCounty Health Agency, Diabetes Program\nSource: https://example.org/feet\n\n"
              "Look at your feet every day.\n")
    doc = load_document(write(tmp_path, "feet.txt", source), tmp_path)
    assert (doc.title, doc.publisher, doc.url) == ("Foot Care Checklist", "County Health Agency, Diabetes Program",
                                                   "https://example.org/feet")
    assert doc.text == "Foot Care Checklist\n\nLook at your feet every day."
    byline = "Ask the Pharmacist\nCorner Pharmacy newsletter, by Jo Lee, PharmD\n\nBody text here."
    doc = load_document(write(tmp_path, "ask.txt", byline), tmp_path)
    assert (doc.publisher, doc.author) == ("Corner Pharmacy newsletter", "Jo Lee, PharmD")


def test_a_header_line_of_labelled_parts_gives_its_date_and_stays_out_of_the_text(tmp_path):
    source = ("Ask the Pharmacist\nCorner Pharmacy newsletter, by Jo Lee, PharmD\nSource: https://example.org/ask\n"
              "Posted June 2024 | Filed under: Vitamins, Migraine\n\nBody text here.\n")
    doc = load_document(write(tmp_path, "ask.txt", source), tmp_path)
    assert (doc.publisher, doc.url, doc.date) == ("Corner Pharmacy newsletter", "https://example.org/ask", "June 2024")
    assert doc.text == "Ask the Pharmacist\n\nBody text here."


@pytest.mark.parametrize("name", ["page.txt", "page.md"])
def test_menus_breadcrumbs_share_bars_and_footers_saved_as_text_are_dropped(tmp_path, name):
    # a page saved as text keeps its link bars' shape: short items set apart by separators; a credit line of that
    # shape stays (credits.py keeps it out of quotes)
    source = ("Zinc Facts\n\nHome › Health › Minerals › Zinc\n\nMenu: Shop | Health | About us | Contact\n\n"
              "Jo Lee · 5 min read · Reviewed May 2024\n\n"
              "Zinc is a mineral. Adults need 8 to 11 mg a day.\n\nShare this page: Email · Print · Facebook\n\n"
              "Take it with food | if it upsets your stomach.\n\n"
              "© 2024 Corner Pharmacy · 77 Main Street · Open 8 a.m. to 9 p.m. · Privacy · Terms\n")
    doc = load_document(write(tmp_path, name, source), tmp_path)
    assert doc.text == ("Zinc Facts\n\nJo Lee · 5 min read · Reviewed May 2024\n\n"
                        "Zinc is a mineral. Adults need 8 to 11 mg a day.\n\n"
                        "Take it with food | if it upsets your stomach.")


def test_a_markdown_table_and_its_headings_survive_the_link_bar_rule(tmp_path):
    source = "# Caffeine\n\n| Drink | Serving | Caffeine |\n|---|---|---|\n| Coffee | 8 oz | 95 mg |\n\n" \
             "Home · Drinks · Caffeine · Tea\n\n## Limits\n\nUp to 400 mg a day.\n"
    doc = load_document(write(tmp_path, "c.md", source), tmp_path)
    assert doc.text == "Caffeine\n\nDrink Serving Caffeine\n\nCoffee 8 oz 95 mg\n\nLimits\n\nUp to 400 mg a day."
    assert [doc.text[a:b] for a, b, _ in doc.headings] == ["Caffeine", "Limits"]


def test_a_first_paragraph_of_prose_is_not_a_header(tmp_path):
    doc = load_document(write(tmp_path, "p.txt", "Title\nA sentence that starts the body.\n"), tmp_path)
    assert (doc.publisher, doc.text) == (None, "Title\nA sentence that starts the body.")


def test_html_clutter_is_pruned_by_its_markup(tmp_path):
    page = """<html><head><title>T</title>
      <meta property="og:type" content="product"><meta property="og:title" content="Zinc Drops">
      <meta property="article:published_time" content="2024-01-02"></head><body>
      <div class="cc-banner" role="region" aria-label="Cookie consent">We use cookies.</div>
      <main><h1>Zinc Drops</h1><p class="byline">By A. Writer · Updated May 2024</p>
      <div class="entry-meta">Posted on <time>May 8, 2023</time> by Dr. B</div><p>Zinc is a mineral.</p>
      <div class="newsletterSignup"><p>Join our list.</p></div>
      <div class="x1"><a href="/a">One</a> <a href="/b">Two</a> <a href="/c">Three</a></div>
      <section class="product-reviews"><p>Five stars!</p></section>
      <div style="display: none">Hidden offer.</div>
      <h2>Dose</h2><p>One drop a day.</p>
      <div class="cta-box"><h3>Worried?</h3><p>Book a visit or call (555) 010-7788.</p></div></main>
      <div class="popup"><p>10% off now</p></div></body></html>"""
    doc = load_document(write(tmp_path, "zinc.html", page), tmp_path)
    assert doc.text == "Zinc Drops\n\nZinc is a mineral.\n\nDose\n\nOne drop a day."
    assert (doc.commercial, doc.promotes, doc.publisher_type, doc.date) == (True, ("Zinc Drops",), "commercial",
                                                                             "2024-01-02")


def test_sources_yaml_gives_publisher_types_and_products(tmp_path):
    write(tmp_path, "sources.yaml", 'shop.example.com: {type: commercial, products: ["Calm Drops"]}\n'
                                    '"County Health": public_health\n')
    write(tmp_path, "a.md", "---\nurl: https://www.shop.example.com/p\n---\nCalm Drops help.\n")
    write(tmp_path, "b.txt", "Feet\nCounty Health, Diabetes Program\nSource: https://example.org/f\n\nBody.\n")
    write(tmp_path, "c.md", "---\ntype: clinic\n---\nBody.\n")
    write(tmp_path, "d.md", "---\nurl: https://www.health.gov/x\n---\nBody.\n")
    docs, warnings = load_documents(tmp_path)
    assert warnings == []
    assert [(d.source, d.publisher_type, d.commercial) for d in docs] == [
        ("a.md", "commercial", True), ("b.txt", "public_health", False), ("c.md", "clinic", False),
        ("d.md", "public_health", False)]
    assert docs[0].promotes == ("Calm Drops",)
