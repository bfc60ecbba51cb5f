"""The web app without a server: chat formatting, the source page, uploads and the live index swap."""

from __future__ import annotations

import html
import re
import threading
from pathlib import Path

import pytest

from fakes import write
from mgqa.answer import Answer, Quote
from mgqa.build import BuildError
from mgqa.formatting import (
    app_link,
    documents_table,
    format_answer,
    format_question,
    highlighted,
    index_summary,
    safe_href,
)
from mgqa.records import Document
from mgqa.source_view import render_source_page, span
from mgqa.ui import Library, UploadError, add_uploads, build_app, parse_port, password_ok, safe_filename

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'


def make_quote(text: str = "Magnesium helps nerves. Low levels cause tingling.",
               highlight: str = "Low levels cause tingling.", **changes) -> Quote:
    start = 100
    h_start = start + text.index(highlight) if highlight in text else start
    fields = dict(text=text, highlight=highlight, doc_id="nerves", title="Magnesium and Nerves", section="Basics",
                  link="https://example.org/nerves#:~:text=Low%20levels", score=0.8, promotional=False,
                  start=start, end=start + len(text), highlight_start=h_start, highlight_end=h_start + len(highlight))
    return Quote(**{**fields, **changes})


def answered(*quotes: Quote, status: str = "answered", notice: str | None = None) -> Answer:
    return Answer("How does magnesium help nerves?", status, "General health information. Ask a doctor.", quotes,
                  notice)


# ---------------------------------------------------------------- escaping


@pytest.mark.parametrize("payload", [SCRIPT, IMG])
def test_question_is_shown_literally(payload):
    shown = format_question(f"{payload} does magnesium help?")
    assert "<script" not in shown and "<img" not in shown
    assert "&lt;script&gt;" in shown or "&lt;img src=x onerror=&quot;" in shown


@pytest.mark.parametrize("payload", [SCRIPT, IMG])
def test_document_text_in_quotes_is_escaped(payload):
    quote = make_quote(text=f"Magnesium helps nerves. {payload} Low levels cause tingling.",
                       title=f"Title {payload}", section=f"Section {payload}")
    message = format_answer(answered(quote))
    assert "<script" not in message and "<img" not in message
    assert message.count(html.escape(payload)) == 3  # text, title and section each show it as characters


def test_a_message_is_one_html_block_so_markdown_never_touches_the_text():
    quote = make_quote(text="First paragraph *not bold*.\n\nSecond [link](javascript:alert(1)) here.",
                       highlight="Second [link](javascript:alert(1)) here.")
    message = format_answer(answered(quote))
    assert "\n" not in message
    assert "<br><br>" in message
    assert 'href="javascript' not in message


# ---------------------------------------------------------------- what a person sees in an answer


def test_highlight_is_marked_inside_the_block_quote():
    message = format_answer(answered(make_quote()))
    assert "<blockquote>Magnesium helps nerves. <mark>Low levels cause tingling.</mark></blockquote>" in message


def test_highlight_falls_back_to_searching_when_offsets_disagree():
    quote = make_quote(highlight_start=0, highlight_end=5)
    assert highlighted(quote) == "Magnesium helps nerves. <mark>Low levels cause tingling.</mark>"


def test_source_links_open_in_a_new_tab_and_every_quote_can_open_in_the_app():
    message = format_answer(answered(make_quote()))
    links = re.findall(r"<a [^>]*>", message)
    assert len(links) == 2
    assert all('target="_blank"' in a and 'rel="noopener noreferrer"' in a for a in links)
    assert 'href="https://example.org/nerves#:~:text=Low%20levels"' in message
    assert 'href="/source/nerves?start=100&amp;end=150&amp;hs=124&amp;he=150#passage"' in message


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,<b>x</b>", "//evil.example/x",
                                  "ftp://example.org/x", 'https://example.org/"onmouseover="x'])
def test_links_other_than_http_or_the_source_view_are_dropped(link):
    assert safe_href(link) is None
    message = format_answer(answered(make_quote(link=link)))
    assert "Open the source" not in message
    assert "open in app" in message  # the app's own view still works


def test_safe_links_are_kept():
    assert safe_href("https://example.org/a?b=c#:~:text=x") == "https://example.org/a?b=c#:~:text=x"
    assert safe_href("/source/nerves?start=1&end=2#passage") == "/source/nerves?start=1&end=2#passage"


def test_app_link_percent_encodes_the_document_id():
    assert app_link(make_quote(doc_id="a b/c")).startswith("/source/a%20b%2Fc?start=100")


def test_promotional_quotes_and_only_those_carry_a_badge():
    message = format_answer(answered(make_quote(promotional=True), make_quote(doc_id="other", promotional=False)))
    assert message.count(">Promotional</span>") == 1
    assert message.index("Promotional") < message.index('<span class="mgqa-num">2</span>')


def test_title_and_section_are_shown_as_title_then_section():
    assert "<strong>Magnesium and Nerves</strong> › Basics" in format_answer(answered(make_quote()))


def test_caution_is_shown_before_the_quotes():
    message = format_answer(answered(make_quote()))
    assert 'class="mgqa-caution"' in message
    assert message.index("General health information") < message.index("<blockquote>")


def test_urgent_answer_opens_with_the_emergency_notice():
    notice = "This may be a medical emergency. Call your local emergency number now."
    message = format_answer(answered(make_quote(), status="urgent", notice=notice))
    first_text = re.sub(r"<[^>]+>", " ", message).split()
    assert " ".join(first_text[:4]) == "Emergency: get help now"
    assert message.index(notice) < message.index("General health information") < message.index("<blockquote>")
    assert 'role="alert"' in message


def test_not_found_says_what_happened_and_what_to_try():
    notice = "The documents in this knowledge base don't cover that question."
    message = format_answer(answered(status="not_found", notice=notice))
    assert "Not covered by these documents" in message and html.escape(notice) in message
    assert "example questions" in message
    assert "<blockquote>" not in message


def test_invalid_question_shows_the_reason():
    message = format_answer(answered(status="invalid", notice="The question is empty. Type a question."))
    assert "couldn't be answered" in message and "The question is empty" in message


def test_a_real_answer_from_the_knowledge_base_formats(kb):
    answer = kb.ask("How much magnesium do adults take each day?")
    message = format_answer(answer)
    assert answer.status == "answered" and "<mark>" in message and message.count("<blockquote>") == len(answer.quotes)


# ---------------------------------------------------------------- the source view


def doc(text: str = f"Intro line.\nThe passage {SCRIPT} is here. And the end.") -> Document:
    return Document(doc_id="d", source="d.txt", kind="txt", title=f"Doc {IMG}", text=text, sha256="0" * 64,
                    url="javascript:alert(1)", publisher="Pub & Co")


def test_source_page_escapes_everything_and_marks_the_passage():
    d = doc()
    a = d.text.index("The passage")
    b = d.text.index(" And the end")
    best = (a, a + len("The passage"))
    page = render_source_page(d, (a, b), best)
    assert "<script>window" not in page and "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page
    assert "<img" not in page and "Doc &lt;img src=x onerror=&quot;window.__xss=2&quot;&gt;" in page
    assert '<mark id="passage"><span class="best">The passage</span> &lt;script&gt;' in page
    assert "javascript:" not in page  # a non-http url gets no link
    assert "Pub &amp; Co" in page


@pytest.mark.parametrize("start,end", [("", ""), ("5", "2"), ("-1", "4"), ("0", "99999"), ("x", "3")])
def test_source_page_without_a_valid_span_shows_the_whole_document(start, end):
    d = doc()
    assert span(start, end, len(d.text)) is None
    page = render_source_page(d, span(start, end, len(d.text)))
    assert '<mark id="passage">' not in page and "The whole document is shown" in page


# ---------------------------------------------------------------- knowledge-base tab


def test_documents_table_and_summary_are_text(kb):
    rows = documents_table(kb.manifest)
    assert {r[0] for r in rows} == {"Magnesium and Nerves", "Magnesium Foods", "Magnesium and Sleep"}
    assert all(len(r[3]) == 12 for r in rows)
    summary = index_summary({**kb.manifest, "model": "<b>m</b>"})
    assert "&lt;b&gt;m&lt;/b&gt;" in summary and "3 documents" in summary


@pytest.mark.parametrize("name,expected", [
    ("notes.md", "notes.md"), ("../../etc/passwd.txt", "passwd.txt"), ("..\\..\\win.HTML", "win.html"),
    (".hidden.md", "hidden.md"), ("my notes (v2).pdf", "my_notes__v2.pdf"), ("/abs/path/a.txt", "a.txt"),
])
def test_safe_filename_keeps_only_a_plain_name(name, expected):
    assert safe_filename(name) == expected


@pytest.mark.parametrize("name", ["run.exe", "archive.txt.zip", "noextension", "../..", "....md", "x.meta.yaml"])
def test_safe_filename_refuses_unsupported_files(name):
    with pytest.raises(UploadError):
        safe_filename(name)


def test_uploads_are_checked_before_any_is_copied(tmp_path: Path):
    docs = tmp_path / "docs"
    good = write(tmp_path / "in", "good.md", "# Good\n\nMagnesium is a mineral.\n")
    binary = write(tmp_path / "in", "bad.txt", b"\x00\x01\x02binary")
    with pytest.raises(UploadError, match="bad.txt"):
        add_uploads([str(good), str(binary)], docs)
    assert not docs.exists() or not any(docs.iterdir())
    big = write(tmp_path / "in", "big.txt", "magnesium " * 200)
    with pytest.raises(UploadError, match="limit"):
        add_uploads([str(big)], docs, max_bytes=1000)
    assert add_uploads([str(good)], docs) == ["good.md"]
    assert (docs / "good.md").read_text() == good.read_text()
    assert [p.name for p in docs.iterdir()] == ["good.md"]  # no staging leftovers


def test_password_check():
    assert password_ok("s3cret", "s3cret")
    assert not password_ok("wrong", "s3cret")
    assert not password_ok("", "")
    assert not password_ok("anything", None)
    assert not password_ok(None, "s3cret")


# ---------------------------------------------------------------- the live index swap


def test_rebuild_swaps_in_the_new_index_and_old_one_answers_meanwhile(built, kb, tmp_path: Path):
    library = Library(kb, built)
    question = "Does magnesium threonate reach the brain?"
    assert all(q.doc_id != "threonate" for q in library.ask(question).quotes)
    upload = write(tmp_path / "in", "threonate.txt",
                   "Magnesium Threonate\n\nMagnesium threonate may reach the brain better than other forms.\n")
    during = []

    def progress(fraction: float, message: str) -> None:
        if 0.1 < fraction < 1 and not during:  # mid-build: the question is answered by the old index
            result = {}
            asker = threading.Thread(target=lambda: result.update(a=library.ask(question)))
            asker.start()
            asker.join()
            during.append(result["a"])

    report, added = library.rebuild([str(upload)], progress)
    assert added == ["threonate.txt"] and "threonate" in report.added
    assert during and all(q.doc_id != "threonate" for q in during[0].quotes)
    after = library.ask(question)
    assert after.quotes[0].doc_id == "threonate"
    assert library.kb is not kb and library.kb.embedder is kb.embedder  # model not reloaded


def test_a_failed_build_keeps_the_old_index_answering(built, kb):
    library = Library(kb, built)
    for path in built.docs_dir.iterdir():
        path.unlink()
    with pytest.raises(BuildError, match="no usable document"):
        library.rebuild()
    assert library.kb is kb
    assert library.ask("How much magnesium do adults take each day?").status == "answered"


def test_only_one_rebuild_at_a_time(built, kb):
    library = Library(kb, built)
    started, release = threading.Event(), threading.Event()

    def slow(fraction: float, message: str) -> None:
        started.set()
        release.wait(5)

    (built.docs_dir / "extra.txt").write_text("Extra\n\nMagnesium citrate is absorbed well.\n")
    worker = threading.Thread(target=library.rebuild, kwargs={"progress": slow})
    worker.start()
    assert started.wait(5)
    with pytest.raises(BuildError, match="already running"):
        library.rebuild()
    release.set()
    worker.join(10)


# ---------------------------------------------------------------- the app itself (built, not served)


def components(demo) -> dict[str, object]:
    return {b.elem_id: b for b in demo.blocks.values() if getattr(b, "elem_id", None)}


def test_without_an_admin_password_the_tab_says_how_to_enable_uploads(built, kb):
    found = components(build_app(Library(kb, built), admin_password=None))
    assert "mgqa-upload" not in found and "mgqa-password" not in found
    off = found["mgqa-admin-off"].value
    assert "MGQA_ADMIN_PASSWORD" in off and f"mgqa build --index {built.index_dir}" in off


def test_with_an_admin_password_uploads_wait_behind_the_unlock(built, kb):
    found = components(build_app(Library(kb, built), admin_password="s3cret"))
    assert {"mgqa-password", "mgqa-unlock", "mgqa-upload", "mgqa-rebuild"} <= set(found)
    assert "s3cret" not in str(found["mgqa-password"].value)


@pytest.mark.parametrize("raw,port", [(None, 7860), ("", 7860), ("8080", 8080)])
def test_port_from_the_environment(raw, port):
    assert parse_port(raw) == port


@pytest.mark.parametrize("raw", ["abc", "0", "70000", "-1"])
def test_a_bad_port_says_what_is_wrong(raw):
    with pytest.raises(ValueError, match="MGQA_PORT"):
        parse_port(raw)
