"""An Answer rendered for a person at a terminal (the same content as the web page)."""

from __future__ import annotations

import textwrap

from mgqa.answer import Answer
from mgqa.sources import LABELS

_LABELS = {"urgent": "URGENT", "not_found": "Not covered", "invalid": "Can't answer that"}


def render(answer: Answer, width: int = 88) -> str:
    lines = [f"Q: {answer.question}", ""]
    if answer.notice:
        label = _LABELS.get(answer.status, "Note")
        lines += _wrap(f"{label}: {answer.notice}", width) + [""]
    for item in answer.disagreements:  # both sides, before the quotes that show them
        lines.append(f"Sources disagree on {item.subject}:")
        for claim in item.claims:
            who = f"{claim.publisher or 'unnamed publisher'} ({LABELS.get(claim.publisher_type, 'unknown')})"
            lines += _wrap(f"- {claim.value}: {who}, quote [{claim.quote + 1}]", width, indent="  ")
        lines.append("")
    for number, quote in enumerate(answer.quotes, start=1):
        where = " › ".join(p for p in (quote.title, quote.section) if p)
        badge = "  [promotional: advertises the publisher's product]" if quote.promotional else ""
        lines.append(f"[{number}] {where}{badge}")
        lines += ["    > " + line for line in _wrap(quote.text, width - 6)]
        lines += _wrap(f"Answering sentence: “{quote.highlight}”", width, indent="    ")
        lines += [f"    Source: {quote.link}"]
        for other in quote.also_in:
            lines += _wrap(f"Also said by: {other.publisher or other.title} "
                           f"({LABELS.get(other.publisher_type, 'unknown')}) {other.link}", width, indent="    ")
        lines.append("")
    lines += _wrap(f"Caution: {answer.caution}", width)
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    out = []
    for paragraph in text.splitlines() or [""]:
        out += textwrap.wrap(paragraph, width, initial_indent=indent, subsequent_indent=indent) or [indent]
    return out
