"""`mgqa eval`: retrieval, abstention and triage measured on a question set kept in the repo."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from mgqa.errors import MgqaError
from mgqa.kb import KnowledgeBase
from mgqa.text import normalise_space

TARGETS = {"R@1": (">=", 0.85), "R@3": (">=", 0.98), "MRR": (">=", 0.0), "false_abstention": ("<=", 0.05),
           "oos_abstention": (">=", 0.90), "emergency_recall": (">=", 1.0), "false_alarms": ("<=", 0),
           "both_sides": (">=", 0.80)}
# which kind of row each target is measured on: a set without that kind doesn't miss it
_MEASURED_ON = {"R@1": "in_scope", "R@3": "in_scope", "MRR": "in_scope", "false_abstention": "in_scope",
                "oos_abstention": "out_of_scope", "emergency_recall": "emergency", "both_sides": "disagreement"}
KINDS = ("in_scope", "out_of_scope", "emergency", "disagreement")


class EvalError(MgqaError):
    """The question set can't be read; the message names the line."""


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # in_scope | out_of_scope | emergency | disagreement
    question: str
    answers: tuple[str, ...] = ()
    near_miss: bool = False
    docs: tuple[str, ...] = ()  # file names the answers come from (none: any document)
    sides: tuple[tuple[str, tuple[str, ...]], ...] = ()  # disagreement: (file name, answers) of each side


def load_cases(path: Path) -> list[Case]:
    cases = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise EvalError(f"can't read {path}: {err.strerror}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            sides = tuple((side["doc"], tuple(side["answers"])) for side in row.get("sides", ()))
            cases.append(Case(row["id"], row["kind"], row["question"], tuple(row.get("answers", ())),
                              bool(row.get("near_miss", False)), tuple(row.get("docs", ())), sides))
        except (ValueError, KeyError, TypeError) as err:
            raise EvalError(f"{path}:{number}: not a question record ({err})") from None
    return cases


def answer_spans(kb: KnowledgeBase, case: Case, answers: tuple[str, ...] | None = None,
                 docs: tuple[str, ...] | None = None) -> list[tuple[str, int, int]]:
    """Where each expected answer stands in the documents (whitespace-insensitive); when the row names its
    documents by file name, only in those (the loader derives ids from file names: matched on `source`)."""
    answers = case.answers if answers is None else answers
    docs = case.docs if docs is None else docs
    named = {Path(name).name for name in docs}
    spans = []
    for answer in answers:
        wanted = normalise_space(answer)
        for doc in kb.documents.values():
            if named and Path(doc.source).name not in named:
                continue
            start = _find_normalised(doc.text, wanted)
            if start is not None:
                spans.append((doc.doc_id, start[0], start[1]))
    if answers and not spans:
        raise EvalError(f"{case.id}: none of its answers is in the documents {', '.join(sorted(named)) or ''}")
    return spans


def sides_shown(kb: KnowledgeBase, case: Case, quotes: list[tuple[str, int, int]]) -> tuple[int, int]:
    """How many sides of a disagreement the quotes show (a side: a quote holding one of its answers), and how
    many sides are not in the index at all (a reader comment the loader drops as page clutter)."""
    shown = missing = 0
    for doc, answers in case.sides:
        try:
            shown += hit_rank(answer_spans(kb, case, answers, (doc,)), quotes) is not None
        except EvalError:
            missing += 1
    return shown, missing


def hit_rank(spans: list[tuple[str, int, int]], quotes: list[tuple[str, int, int]]) -> int | None:
    """1-based rank of the first quote that holds most of an expected answer."""
    for rank, (doc_id, a, b) in enumerate(quotes, start=1):
        for gold_doc, ga, gb in spans:
            if gold_doc == doc_id and min(b, gb) - max(a, ga) >= 0.5 * (gb - ga):
                return rank
    return None


def evaluate(kb: KnowledgeBase, cases: list[Case]) -> dict:
    """Ask every question through the public `ask` and score what a person would have seen."""
    rows, ranks = [], []
    for case in cases:
        answer = kb.ask(case.question)
        quotes = [(q.doc_id, q.start, q.end) for q in answer.quotes]
        rank = hit_rank(answer_spans(kb, case), quotes) if case.kind == "in_scope" else None
        if case.kind == "in_scope":
            ranks.append(rank)
        row = {"id": case.id, "kind": case.kind, "question": case.question, "status": answer.status,
               "rank": rank, "reason": answer.reason, "near_miss": case.near_miss,
               "flagged": len(answer.disagreements), "repeats": len({d for d, _, _ in quotes}) < len(quotes)}
        if case.kind == "disagreement":
            shown, missing = sides_shown(kb, case, quotes)
            row.update(sides=shown, sides_not_indexed=missing)
        rows.append(row)
    by_kind = {k: [r for r in rows if r["kind"] == k] for k in KINDS}
    inscope, oos, emergency = by_kind["in_scope"], by_kind["out_of_scope"], by_kind["emergency"]
    disputed = by_kind["disagreement"]
    metrics = {
        "R@1": share(ranks, lambda r: r == 1), "R@3": share(ranks, lambda r: r is not None and r <= 3),
        "MRR": sum(1 / r for r in ranks if r) / len(ranks) if ranks else 0.0,
        "false_abstention": share(inscope, lambda r: r["status"] == "not_found"),
        "oos_abstention": share(oos, lambda r: r["status"] == "not_found"),
        "near_miss_abstention": share([r for r in oos if r["near_miss"]], lambda r: r["status"] == "not_found"),
        "emergency_recall": share(emergency, lambda r: r["status"] == "urgent"),
        "false_alarms": sum(r["status"] == "urgent" for r in inscope + oos),
    }
    if disputed:
        metrics["both_sides"] = share(disputed, lambda r: r["sides"] >= 2)
        metrics["disagreement_flagged"] = share(disputed, lambda r: r["flagged"] > 0)
        # no target: the other questions aren't labelled for disputes, but most of those said are spurious (a
        # food's magnesium "against" a daily dose, a label's example weight), so fewer is better
        metrics["disputes_elsewhere"] = share([r for r in inscope + oos if r["status"] == "answered"],
                                              lambda r: r["flagged"] > 0)
    if len(kb.documents) > 1:
        # no target either: issue #11 asks one quote per document unless no other document answers, and some
        # questions only one document answers, so fewer is better
        metrics["one_document_twice"] = share([r for r in rows if r["status"] == "answered"], lambda r: r["repeats"])
    counts = {k: len(v) for k, v in by_kind.items() if v or k != "disagreement"}
    return {"metrics": metrics, "counts": counts, "rows": rows, "passed": meets_targets(metrics, counts)}


def meets_targets(metrics: dict, counts: dict | None = None) -> bool:
    """Every target met that the set measures (a set with no emergency rows can't miss emergency recall)."""
    counts = counts or {}
    return all(metrics[name] >= bound if op == ">=" else metrics[name] <= bound
               for name, (op, bound) in TARGETS.items()
               if name in metrics and counts.get(_MEASURED_ON.get(name, ""), 1))


def share(items: list, test) -> float:
    """The fraction of items that pass test (0 for none)."""
    return sum(1 for i in items if test(i)) / len(items) if items else 0.0


def _find_normalised(text: str, wanted: str) -> tuple[int, int] | None:
    """Find `wanted` in text ignoring whitespace differences; returns the span in the original text."""
    position = text.find(wanted)
    if position >= 0:
        return position, position + len(wanted)
    squashed, index = [], []
    previous_space = False
    for i, char in enumerate(text):
        if char.isspace():
            if previous_space:
                continue
            squashed.append(" ")
            previous_space = True
        else:
            squashed.append(char)
            previous_space = False
        index.append(i)
    position = "".join(squashed).find(wanted)
    if position < 0:
        return None
    return index[position], index[position + len(wanted) - 1] + 1


def table(name: str, mode: str, result: dict) -> str:
    """A readable table: each metric, its target and whether it was met."""
    lines = [f"{name} ({mode}; {', '.join(f'{v} {k}' for k, v in result['counts'].items())})"]
    for metric, value in result["metrics"].items():
        target = TARGETS.get(metric)
        shown = f"{value}" if isinstance(value, int) else f"{value:.3f}"
        measured = result["counts"].get(_MEASURED_ON.get(metric, ""), 1)  # a set without that kind can't miss it
        if target and measured and (target[1] != 0.0 or metric == "false_alarms"):
            op, bound = target
            ok = value >= bound if op == ">=" else value <= bound
            lines.append(f"  {metric:22s} {shown:>7s}   target {op} {bound}  {'ok' if ok else 'MISSED'}")
        else:
            lines.append(f"  {metric:22s} {shown:>7s}")
    lines.append("  all targets met" if result["passed"] else "  targets missed")
    return "\n".join(lines)
