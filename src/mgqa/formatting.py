"""Answers and knowledge-base facts as chat HTML: pure functions, every piece of user or document text escaped.

The chat renders markdown, so each message is built as one HTML block with no blank line in it:
markdown is never applied to the text inside, and `html.escape` is the only thing between a
document (or a question) and the page. Links are only http(s) or the app's own source view.
"""

from __future__ import annotations

import html
from urllib.parse import quote as percent_encode
from urllib.parse import urlsplit

from mgqa.answer import Answer, Claim, Disagreement, Quote
from mgqa.disagreement import notice as disagreement_notice
from mgqa.sources import LABELS

SOURCE_PATH = "/source/"

_HEADINGS = {
    "urgent": "Emergency: get help now",
    "not_found": "Not covered by these documents",
    "invalid": "That question couldn't be answered",
    "answered": "If you need help now",  # a support, "if this is happening now" or poison-control line
}
_NEXT_STEP = {"not_found": "The example questions under the question box show what the documents cover."}
# Who publishes a quoted document, in words a reader knows: the badge says it, its colour only repeats it.
SOURCE_TYPES = {"public_health": "Public health", "clinic": "Clinic", "commercial": "Seller",
                "unknown": "Source type unknown"}
NEW_TAB = '<span class="mgqa-sr"> (opens in a new tab)</span>'

def text(value: object) -> str:
    """Plain text made safe for the chat: escaped, with line breaks kept as <br> (a blank line would end the block)."""
    return html.escape(str(value), quote=True).replace("\r\n", "\n").replace("\n", "<br>")


def format_question(question: object, limit: int = 2000) -> str:
    """The user's message as the chat shows it: literally, whatever characters it holds."""
    shown = question if isinstance(question, str) else ""
    shown = shown.strip() or "(empty question)"
    if len(shown) > limit:
        shown = shown[:limit] + " …"
    return f'<div class="mgqa-question">{text(shown)}</div>'


def format_answer(answer: Answer) -> str:
    """The assistant's message: an emergency notice first, then any disagreement between the sources, then what
    happened or the caution, then the quotes."""
    parts = []
    notice = answer.notice
    if notice and answer.disagreements:  # said below as sides side by side, not twice
        notice = notice.replace(disagreement_notice(list(answer.disagreements)), "").strip()
    if answer.status in _HEADINGS and notice:
        parts.append(_notice(answer.status, notice))
    if answer.disagreements:
        parts.append(format_disagreements(answer.disagreements, len(answer.quotes)))
    parts.append(f'<div class="mgqa-caution" role="note"><strong>Caution:</strong> {text(answer.caution)}</div>')
    if answer.quotes:
        label = "What the documents say" if answer.status != "urgent" else "What the documents say (after you get help)"
        parts.append(f'<p class="mgqa-lead">{label}, quoted word for word:</p>')
        parts.extend(format_quote(quote, number) for number, quote in enumerate(answer.quotes, start=1))
    return f'<div class="mgqa-answer mgqa-{answer.status.replace("_", "-")}">{"".join(parts)}</div>'


def format_disagreements(disagreements: tuple[Disagreement, ...], quotes: int) -> str:
    """"Sources disagree": for each quantity, what each source states, side by side (one above the other when
    the chat is narrow), with who says it and which quote shows it."""
    parts = ['<div class="mgqa-disagree" role="group" aria-label="Sources disagree">'
             '<p class="mgqa-disagree-title"><strong>Sources disagree.</strong> The documents give different '
             "answers; a doctor, nurse or pharmacist can tell you which applies to you.</p>"]
    for disagreement in disagreements:
        parts.append(f'<p class="mgqa-quantity">On {text(disagreement.subject)}:</p><ul class="mgqa-sides">')
        parts.extend(_claim(claim, quotes) for claim in disagreement.claims)
        parts.append("</ul>")
    return "".join(parts) + "</div>"


def _claim(claim: Claim, quotes: int) -> str:
    shown = f'<span class="mgqa-see">in quote {claim.quote + 1}</span>' if 0 <= claim.quote < quotes else ""
    return (f'<li><span class="mgqa-value">{text(claim.value)}</span>'
            f"{source_badge(claim.publisher, claim.publisher_type)}{shown}</li>")


def source_badge(publisher: str | None, publisher_type: str) -> str:
    """Who published a document and what kind of publisher it is, in words: "Public health · NHS"."""
    kind = publisher_type if publisher_type in SOURCE_TYPES else "unknown"
    name = text(publisher) if publisher else "publisher not named"
    return (f'<span class="mgqa-source mgqa-source-{kind.replace("_", "-")}">'
            f'<span class="mgqa-source-type">{SOURCE_TYPES[kind]}</span> · {name}</span>')


def _notice(status: str, notice: str) -> str:
    role = ' role="alert"' if status == "urgent" else ""
    step = f'<p class="mgqa-next">{_NEXT_STEP[status]}</p>' if status in _NEXT_STEP else ""
    return (f'<div class="mgqa-notice mgqa-notice-{status.replace("_", "-")}"{role}>'
            f'<p class="mgqa-notice-title"><strong>{_HEADINGS[status]}</strong></p>'
            f"<p>{text(notice)}</p>{step}</div>")


def format_quote(quote: Quote, number: int = 1) -> str:
    """One verbatim quote: where it is from, the passage with its best sentence marked, and its links."""
    where = f"<strong>{text(quote.title)}</strong>"
    if quote.section:
        where += f" › {text(quote.section)}"
    if quote.page:
        where += f" · page {quote.page}"
    badge = '<span class="mgqa-badge">Promotional<span class="mgqa-sr">: this passage promotes a product its ' \
        "publisher sells</span></span>" if quote.promotional else ""
    links = []
    href = safe_href(quote.link)
    if href:
        links.append(_link(href, "Open the source at this passage"))
    links.append(_link(app_link(quote), "open in app", "mgqa-app-link"))
    return (f'<div class="mgqa-quote{" mgqa-promotional" if quote.promotional else ""}">'
            f'<div class="mgqa-where"><span class="mgqa-num">{number}</span> {where}</div>'
            f'<div class="mgqa-from">{source_badge(quote.publisher, quote.publisher_type)}{badge}</div>'
            f"<blockquote>{highlighted(quote)}</blockquote>"
            f'<div class="mgqa-links">{" · ".join(links)}</div>{_also_in(quote)}</div>')


def _also_in(quote: Quote) -> str:
    """The other documents that say the same sentence (collapsed into this quote), each named with its link."""
    if not quote.also_in:
        return ""
    items = []
    for source in quote.also_in:
        name = f"{source_badge(source.publisher, source.publisher_type)} <em>{text(source.title)}</em>"
        href = safe_href(source.link)
        items.append(f"<li>{name}{' · ' + _link(href, 'open') if href else ''}</li>")
    return f'<div class="mgqa-also"><span>Also said by:</span><ul>{"".join(items)}</ul></div>'



def highlighted(quote: Quote) -> str:
    """The quote text, escaped, with its highlight wrapped in <mark>."""
    a, b = quote.highlight_start - quote.start, quote.highlight_end - quote.start
    if not (0 <= a <= b <= len(quote.text) and quote.text[a:b] == quote.highlight):
        a = quote.text.find(quote.highlight) if quote.highlight else -1
        b = a + len(quote.highlight)
    body = quote.text.rstrip()
    if a < 0 or a == b:
        return text(body)
    b = min(b, len(body))
    return f"{text(body[:a])}<mark>{text(body[a:b])}</mark>{text(body[b:])}"


def app_link(quote: Quote) -> str:
    """The app's own view of the whole document, scrolled to this quote with its best sentence marked."""
    return (f"{SOURCE_PATH}{percent_encode(quote.doc_id, safe='')}?start={quote.start}&end={quote.end}"
            f"&hs={quote.highlight_start}&he={quote.highlight_end}#passage")


def safe_href(link: str | None) -> str | None:
    """The link if it is http(s) or the app's source view, else None (javascript:, data:, //host ... are dropped)."""
    if not link:
        return None
    if link.startswith(SOURCE_PATH):
        return link
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    if parts.scheme in ("http", "https") and parts.netloc and not any(c in link for c in "\"'<>` \n\r\t\\"):
        return link
    return None


def _link(href: str, label: str, css: str = "mgqa-link") -> str:
    """A link that opens a new tab, and says so to a screen reader (the arrow is for the eye only)."""
    return (f'<a class="{css}" href="{html.escape(href, quote=True)}" target="_blank" rel="noopener noreferrer">'
            f'{label} <span aria-hidden="true">↗</span>{NEW_TAB}</a>')


TABLE_ROWS = 500  # documents listed in the knowledge-base tab: a 100,000-document table would stall the page


def documents_table(manifest: dict, limit: int = TABLE_ROWS) -> list[list[object]]:
    """Rows for the knowledge-base tab, the first `limit` by title: title, publisher, type, source, chunks,
    short sha256, indexed at."""
    rows = []
    ordered = sorted(manifest.get("documents", {}).values(), key=lambda d: str(d.get("title", "")).lower())
    for doc in ordered[:limit]:
        source = doc.get("url") or doc.get("source", "")
        kind = LABELS.get(str(doc.get("publisher_type")), "unknown")
        rows.append([doc.get("title", ""), doc.get("publisher") or "", kind, source, doc.get("chunks", 0),
                     str(doc.get("sha256", ""))[:12], doc.get("indexed_at", "")])
    return rows


def index_summary(manifest: dict) -> str:
    """One escaped HTML line about the live index: model, build time, counts."""
    counts = manifest.get("counts", {})
    seconds = manifest.get("build_seconds")
    took = f" in {seconds:.1f} s" if isinstance(seconds, int | float) else ""
    listed = len(manifest.get("documents", {}))
    shown = f" (the table lists the first {TABLE_ROWS} by title)" if listed > TABLE_ROWS else ""
    return (f'<p class="mgqa-index"><strong>Model:</strong> <code>{text(manifest.get("model", "?"))}</code> · '
            f'<strong>Built:</strong> {text(manifest.get("built_at", "?"))}{took} · '
            f'{int(counts.get("documents", 0))} documents, {int(counts.get("chunks", 0))} passages{shown}</p>')
