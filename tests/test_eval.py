"""The question sets through the real model: what a person would see, and the issue's targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from mgqa import evaluation

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parents[1]
OWN, HELDOUT, BLIND = (ROOT / "eval" / name for name in ("questions.jsonl", "heldout.jsonl", "blind.jsonl"))

# Floors at the figures measured when this was written (README: Evaluation); a change that ranks
# or abstains worse than this fails. They are below the issue's targets, which are tested apart.
FLOORS = {
    OWN: {"R@1": 0.77, "R@3": 0.92, "false_abstention": 0.0, "oos_abstention": 1.0, "emergency_recall": 1.0,
          "false_alarms": 0},
    HELDOUT: {"R@1": 0.65, "R@3": 0.83, "false_abstention": 0.033, "oos_abstention": 0.96, "emergency_recall": 1.0,
              "false_alarms": 0},
    BLIND: {"R@1": 0.72, "R@3": 0.91, "false_abstention": 0.017, "oos_abstention": 1.0, "emergency_recall": 1.0,
            "false_alarms": 0},
}
LOWER_IS_BETTER = {"false_abstention", "false_alarms"}


@pytest.fixture(scope="module", params=[OWN, HELDOUT, BLIND], ids=["own", "heldout", "blind"])
def result(request, real_kb):
    return request.param, evaluation.evaluate(real_kb, evaluation.load_cases(request.param))


def test_every_answer_quotes_verbatim_with_a_highlight_a_link_and_a_caution(real_kb):
    for case in [c for path in (OWN, HELDOUT, BLIND) for c in evaluation.load_cases(path)]:
        answer = real_kb.ask(case.question)
        assert answer.caution, case.id
        for quote in answer.quotes:
            document = real_kb.documents[quote.doc_id]
            assert document.text[quote.start:quote.end] == quote.text, case.id
            assert quote.highlight and quote.highlight in quote.text, case.id
            assert quote.link.startswith(("https://", "http://", "/source/")), case.id


def test_metrics_do_not_fall_below_the_measured_floors(result):
    path, measured = result
    for name, floor in FLOORS[path].items():
        value = measured["metrics"][name]
        if name in LOWER_IS_BETTER:
            assert value <= floor + 1e-9, f"{path.name}: {name} {value:.3f} worse than {floor}"
        else:
            assert value >= floor - 1e-9, f"{path.name}: {name} {value:.3f} worse than {floor}"


@pytest.mark.xfail(strict=True, reason="not reached: R@1/R@3 are below 0.85/0.98 on all three sets "
                                       "(README: Evaluation). Strict: this fails loudly once the targets are met.")
def test_the_issue_targets_are_met(result):
    path, measured = result
    assert measured["passed"], f"{path.name}: {measured['metrics']}"
