"""Every question set at once: the development sets or the frozen blind ones, one table, rows kept for comparing.

    .venv/bin/python benchmarks/eval_sets.py dev                          # the development sets (~5 min)
    .venv/bin/python benchmarks/eval_sets.py blind --save after.jsonl    # the blind ones: once per change
    .venv/bin/python benchmarks/eval_sets.py dev --against before.jsonl  # and every row whose answer changed

Each group is `mgqa eval --json` over the collection its sets are written for (the seed alone; the library and
the seed; the library, the seed and documents nothing here learned from), exactly the commands the README gives
set by set, so its figures are the README's. `--save` keeps every set's metrics and rows (one JSON object a set);
`--against` lists the rows of an earlier `--save` whose status, rank or sides shown differ now. The blind sets
are for one run per change, never for tuning (README: Evaluation).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT.parent / "shared" / "library" / "docs"
SEED = ("--docs", "seeds")
WITH_LIBRARY = ("--docs", str(LIBRARY), *SEED, "--sources", "tests/fixtures/library_sources.yaml")


def unseen(docs: str, sources: str) -> tuple[str, ...]:
    return ("--docs", str(LIBRARY), *SEED, "--docs", docs, "--sources", sources)


# (question sets, the options that build their collection); no options: the bundled index of the seed
GROUPS = {
    "dev": [
        (("eval/questions.jsonl", "eval/heldout.jsonl"), ()),
        (("eval/nearmiss.jsonl",), SEED),
        (("eval/library_questions.jsonl", "data/library_train_questions.jsonl", "eval/library_dev2.jsonl"),
         WITH_LIBRARY),
        (("eval/unseen_dev.jsonl",), unseen("eval/unseen_dev_docs", "eval/unseen_dev_library_sources.yaml")),
        (("eval/unseen_dev2.jsonl",), unseen("eval/unseen_dev2_docs", "eval/unseen_dev2_library_sources.yaml")),
        (("eval/unseen_dev3.jsonl",), unseen("eval/unseen_dev3_docs", "eval/unseen_dev3_library_sources.yaml")),
        (("eval/triage_dev.jsonl", "eval/triage_dev2.jsonl"), ()),
    ],
    "blind": [
        (("eval/blind.jsonl",), ()),
        (("eval/nearmiss_blind.jsonl", "eval/amounts_blind.jsonl", "eval/nearmiss_blind2.jsonl"), SEED),
        (("eval/library_blind.jsonl", "eval/library_blind2.jsonl"), WITH_LIBRARY),
        (("eval/unseen_blind.jsonl",), unseen("eval/unseen_docs", "eval/unseen_library_sources.yaml")),
        (("eval/triage_blind.jsonl",), ()),
    ],
}
COLUMNS = ("R@1", "R@3", "false_abstention", "oos_abstention", "both_sides", "one_document_twice", "false_alarms",
           "recall", "worst_kind_recall")


def run(sets: tuple[str, ...], options: tuple[str, ...]) -> list[dict]:
    """`mgqa eval --json` on the sets; one result a set (its exit code says only whether targets were met)."""
    done = subprocess.run([sys.executable, "-m", "mgqa", "eval", *sets, *options, "--json"], cwd=ROOT,
                          capture_output=True, text=True)
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if len(results) != len(sets):
        sys.exit(f"mgqa eval failed on {', '.join(sets)}:\n{done.stderr[-2000:]}")
    return results


def table(results: list[dict]) -> str:
    shown = [c for c in COLUMNS if any(c in r.get("metrics", r) for r in results)]
    lines = ["| set | " + " | ".join(shown) + " |", "|---" * (len(shown) + 1) + "|"]
    for result in results:
        metrics = result.get("metrics", result)
        cells = [_cell(metrics.get(name)) for name in shown]
        lines.append(f"| {Path(result['set']).name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return ""
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def changed_rows(before: list[dict], after: list[dict]) -> list[str]:
    """The rows whose status, rank or sides shown differ between two runs, set by set."""
    def rows(results):
        return {(Path(r["set"]).name, row["id"]): row for r in results for row in r.get("rows", ())}

    old, new = rows(before), rows(after)
    lines = []
    for key, row in new.items():
        was = old.get(key)
        fields = ("status", "rank", "sides")
        if was is not None and any(was.get(f) != row.get(f) for f in fields):
            then, now = (" ".join(str(r.get(f)) for f in fields if f in r) for r in (was, row))
            asked = row.get("question") or row["id"]  # a triage row names its message by id only
            lines.append(f"{key[0]} {row.get('kind', '')}: {then} -> {now} | {asked}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("group", choices=sorted(GROUPS))
    parser.add_argument("--save", type=Path, help="keep every set's metrics and rows here (JSON lines)")
    parser.add_argument("--against", type=Path, help="an earlier --save: list the rows whose answer changed")
    args = parser.parse_args()
    if not LIBRARY.is_dir():
        sys.exit(f"the test library is not at {LIBRARY}")
    results = [result for sets, options in GROUPS[args.group] for result in run(sets, options)]
    print(table(results))
    if args.save:
        args.save.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results), encoding="utf-8")
    if args.against:
        before = [json.loads(line) for line in args.against.read_text(encoding="utf-8").splitlines() if line]
        print("\n".join(changed_rows(before, results)) or "no row changed")


if __name__ == "__main__":
    main()
