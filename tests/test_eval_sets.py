"""benchmarks/eval_sets.py: every set it names is in the repo, and it reports the rows whose answer changed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = importlib.util.spec_from_file_location("eval_sets", ROOT / "benchmarks" / "eval_sets.py")
eval_sets = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(eval_sets)


def test_every_question_set_and_folder_it_names_is_in_the_repo():
    for sets, options in (group for groups in eval_sets.GROUPS.values() for group in groups):
        for name in sets:
            assert (ROOT / name).is_file(), name
        for flag, value in zip(options, options[1:]):
            if flag in ("--docs", "--sources") and not value.startswith(str(eval_sets.LIBRARY)):
                assert (ROOT / value).exists(), value


def test_every_eval_set_of_the_repo_is_in_a_group():
    named = {name for groups in eval_sets.GROUPS.values() for sets, _ in groups for name in sets}
    on_disk = {f"eval/{path.name}" for path in (ROOT / "eval").glob("*.jsonl")}
    assert on_disk - named == {"eval/unseen_blind_clutter.jsonl"}  # its answers are page clutter: none is indexed


def test_a_row_whose_status_or_rank_changed_is_listed_and_no_other():
    def result(rows):
        return {"set": "eval/x.jsonl", "metrics": {}, "rows": rows}

    before = result([{"id": "a", "kind": "in_scope", "question": "q a", "status": "answered", "rank": 1},
                     {"id": "b", "kind": "out_of_scope", "question": "q b", "status": "answered", "rank": None}])
    after = result([{"id": "a", "kind": "in_scope", "question": "q a", "status": "answered", "rank": 1},
                    {"id": "b", "kind": "out_of_scope", "question": "q b", "status": "not_found", "rank": None}])
    assert eval_sets.changed_rows([before], [after]) == [
        "x.jsonl out_of_scope: answered None -> not_found None | q b"]
    assert "| x.jsonl | 0.500 |" in eval_sets.table([{"set": "eval/x.jsonl", "metrics": {"R@1": 0.5}}])
