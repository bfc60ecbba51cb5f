"""The source page: the whole document escaped, the quoted passage marked; pure functions, no server."""

from __future__ import annotations

import pytest

from mgqa.records import Document
from mgqa.source_view import render_source_page, span

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'


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


