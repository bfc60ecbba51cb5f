"""An Answer rendered for a person at a terminal (the same content as the web page)."""

from __future__ import annotations

import textwrap

from mgqa.answer import Answer

_LABELS = {"urgent": "URGENT", "not_found": "Not covered", "invalid": "Can't answer that"}


def render(answer: Answer, width: int = 88) -> str:
    lines = [f"Q: {answer.question}", ""]
    if answer.notice:
        label = _LABELS.get(answer.status, "Note")
        lines += _wrap(f"{label}: {answer.notice}", width) + [""]
    for number, quote in enumerate(answer.quotes, start=1):
        where = " › ".join(p for p in (quote.title, quote.section) if p)
        badge = "  [promotional: advertises the publisher's product]" if quote.promotional else ""
        lines.append(f"[{number}] {where}{badge}")
        lines += ["    > " + line for line in _wrap(quote.text, width - 6)]
        lines += _wrap(f"Answering sentence: “{quote.highlight}”", width, indent="    ")
        lines += [f"    Source: {quote.link}", ""]
    lines += _wrap(f"Caution: {answer.caution}", width)
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    out = []
    for paragraph in text.splitlines() or [""]:
        out += textwrap.wrap(paragraph, width, initial_indent=indent, subsequent_indent=indent) or [indent]
    return out
