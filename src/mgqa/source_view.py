"""The app's own view of a source: the whole document, escaped, with the quoted passage marked and in view.

Served at `/source/<doc_id>?start=..&end=..[&hs=..&he=..]#passage`, the links answer.py builds for
documents without a web address and the "open in app" link on every quote.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Callable

from mgqa.formatting import safe_href
from mgqa.records import Document

_STYLE = """
body { font: 17px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; background: #fafaf7;
       margin: 0; }
header { background: #fff; border-bottom: 1px solid #ddd; padding: 1rem 1.5rem; position: sticky; top: 0; }
header h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
header p { margin: .15rem 0; color: #555; font-size: .92rem; }
.caution { background: #fff8e1; border-left: 4px solid #e0a800; padding: .4rem .7rem; color: #4a3b00; }
.doc { max-width: 46rem; margin: 1.5rem auto 40vh; padding: 0 1.5rem; white-space: pre-wrap; overflow-wrap: anywhere; }
mark { background: #fff0a8; padding: .1em 0; scroll-margin-top: 35vh; }
mark .best { background: #ffd54a; font-weight: 600; }
a { color: #0b57d0; }
"""
_SCRIPT = 'document.getElementById("passage")?.scrollIntoView({block: "center"});'


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode() + "'"


# Only this page's own style and script may run: an escaped document can't add any, and a CSP makes sure.
HEADERS = {
    "Content-Security-Policy": f"default-src 'none'; style-src {_csp_hash(_STYLE)}; script-src {_csp_hash(_SCRIPT)}; "
                               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def span(start: object, end: object, length: int) -> tuple[int, int] | None:
    """A valid (start, end) inside a text of `length` characters, or None for anything else."""
    try:
        a, b = int(str(start)), int(str(end))
    except ValueError:
        return None
    return (a, b) if 0 <= a < b <= length else None


def render_source_page(doc: Document, passage: tuple[int, int] | None = None,
                       best: tuple[int, int] | None = None) -> str:
    """The whole document as escaped text; `passage` wrapped in <mark id="passage">, `best` marked inside it."""
    body = doc.text
    if passage is None:
        content = html.escape(body)
        missing = '<p class="caution">That passage is not in this version of the document; it may have been ' \
                  'rebuilt since the link was made. The whole document is shown.</p>'
    else:
        a, b = passage
        inner = html.escape(body[a:b])
        if best is not None and a <= best[0] < best[1] <= b and best != passage:
            inner = (html.escape(body[a:best[0]]) + f'<span class="best">{html.escape(body[best[0]:best[1]])}</span>'
                     + html.escape(body[best[1]:b]))
        content = f'{html.escape(body[:a])}<mark id="passage">{inner}</mark>{html.escape(body[b:])}'
        missing = ""
    return _page(doc, content, missing)


def _page(doc: Document, content: str, missing: str) -> str:
    facts = [f"Published by {html.escape(doc.publisher)}" if doc.publisher else "Publisher not named"]
    if doc.author:
        facts.append(f"by {html.escape(doc.author)}")
    if doc.commercial:
        facts.append("a company that sells supplements: it may present its own products favourably")
    href = safe_href(doc.url)
    original = f' · <a href="{html.escape(href, quote=True)}" rel="noopener noreferrer">original page</a>' \
        if href else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(doc.title)} · source</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>{html.escape(doc.title)}</h1><p>{'; '.join(facts)}{original}</p>"
        '<p class="caution">General health information, not medical advice: ask a doctor, nurse or pharmacist '
        "about your own situation.</p>"
        f"{missing}</header><main class=\"doc\">{content}</main><script>{_SCRIPT}</script></body></html>"
    )


def not_found_page(doc_id: str) -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Document not found</title>'
            f"<style>{_STYLE}</style></head><body><header><h1>Document not found</h1>"
            f"<p>No document {html.escape(repr(doc_id))} is in the knowledge base now; it may have been removed "
            "in a rebuild. Ask the question again to get fresh links.</p></header></body></html>")


def add_source_route(app, documents: Callable[[], dict[str, Document]]) -> None:
    """Serve GET /source/<doc_id> on a FastAPI app, reading documents from the live knowledge base."""
    from fastapi.responses import HTMLResponse

    @app.get("/source/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
    def source(doc_id: str, start: str = "", end: str = "", hs: str = "", he: str = "") -> HTMLResponse:
        doc = documents().get(doc_id)
        if doc is None:
            return HTMLResponse(not_found_page(doc_id), status_code=404, headers=HEADERS)
        length = len(doc.text)
        page = render_source_page(doc, span(start, end, length), span(hs, he, length))
        return HTMLResponse(page, headers=HEADERS)
