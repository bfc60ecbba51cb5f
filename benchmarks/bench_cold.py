"""Cold-start benchmark: fresh `mgqa --help`, `mgqa ask` on the ONNX path and on sentence-transformers, side by side.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_cold.py [--runs 7]

Each round runs the three commands as fresh processes, in a rotating order so machine noise hits them
alike; medians and ratios are printed as JSON. A warm section then loads the bundled index once per
embedder in this process and times `ask` on every eval question, alternating the two.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
QUESTION = "How much magnesium should I take for nerve pain?"


def child_env(**extra: str) -> dict[str, str]:
    """This checkout's mgqa first on the path, the caller's MGQA_* settings cleared except those given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MGQA_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    return {**env, **extra}


def timed(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=env)
    return time.perf_counter() - began


def cold(runs: int) -> dict:
    mgqa = [sys.executable, "-m", "mgqa"]
    commands = {
        "help": (mgqa + ["--help"], child_env()),
        "ask_onnx": (mgqa + ["ask", QUESTION], child_env(MGQA_EMBEDDER="onnx")),
        "ask_torch": (mgqa + ["ask", QUESTION], child_env(MGQA_EMBEDDER="torch")),
    }
    names = list(commands)
    for name in names:  # once each untimed: the ONNX export (if missing) and the disk cache
        timed(*commands[name])
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for run in range(runs):
        for name in names[run % 3:] + names[:run % 3]:
            seconds[name].append(timed(*commands[name]))
    medians = {f"{name}_s": round(statistics.median(values), 3) for name, values in seconds.items()}
    return {**medians, "runs": runs,
            "ask_onnx_over_help": round(medians["ask_onnx_s"] / medians["help_s"], 1),
            "ask_torch_over_help": round(medians["ask_torch_s"] / medians["help_s"], 1),
            "ask_torch_over_ask_onnx": round(medians["ask_torch_s"] / medians["ask_onnx_s"], 1)}


def warm(rounds: int) -> dict:
    from mgqa.evaluation import load_cases
    from mgqa.kb import KnowledgeBase
    from mgqa.settings import Settings

    questions = [c.question for c in load_cases(ROOT / "eval" / "questions.jsonl")]
    kbs = {kind: KnowledgeBase.load(settings=Settings(index_dir=ROOT / "index", embedder=kind))
           for kind in ("onnx", "torch")}
    for kb in kbs.values():
        for question in questions[:10]:  # warm-up: first calls allocate
            kb.ask(question)
    seconds: dict[str, list[float]] = {kind: [] for kind in kbs}
    for _ in range(rounds):
        for question in questions:
            for kind, kb in kbs.items():
                began = time.perf_counter()
                kb.ask(question)
                seconds[kind].append(time.perf_counter() - began)
    medians = {f"ask_{kind}_ms": round(statistics.median(values) * 1000, 2) for kind, values in seconds.items()}
    return {**medians, "asks_each": len(questions) * rounds,
            "torch_over_onnx": round(medians["ask_torch_ms"] / medians["ask_onnx_ms"], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes of each command")
    parser.add_argument("--rounds", type=int, default=3, help="warm passes over the eval questions")
    args = parser.parse_args()
    print(json.dumps({"cold": cold(args.runs), "warm": warm(args.rounds)}, indent=2))


if __name__ == "__main__":
    main()
