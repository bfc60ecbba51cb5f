#!/usr/bin/env python
"""Load test of the /ask API: concurrent gradio_client clients, each asking a series of questions.

Prints one JSON object per concurrency level (p50/p95 latency, answers per second, errors, statuses, and the
answers per second as a multiple of the first level's) and exits 1 if any request failed.

    python scripts/load_test.py                              # starts the app on a free loopback port, bundled index
    python scripts/load_test.py --clients 1,50,200           # levels one after the other, against the same app
    python scripts/load_test.py --url http://127.0.0.1:7860  # an app that is already running (loopback only)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio_client is imported: no telemetry
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))  # runs from a checkout without install

from mgqa.answer import STATUSES  # noqa: E402  the contract's statuses, from the one place that defines them

QUESTIONS = [
    "Can magnesium help repair nerve damage?",
    "Which forms of magnesium are best for nerve health?",
    "Which foods are good sources of magnesium?",
    "How much magnesium is safe to take each day?",
    "What are the signs of magnesium deficiency?",
    "Does magnesium help with tingling in the feet?",
    "Can I take magnesium with my blood pressure medicine?",
    "What is the capital of France?",
    "my chest hurts and my left arm is numb",
    "<script>alert(1)</script> magnesium?",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def run(url: str, clients: int = 20, questions: int = 10, timeout: float = 120.0) -> dict:
    """Each client asks `questions` questions in turn; every call and the whole run are bounded in time."""
    from gradio_client import Client

    deadline = time.monotonic() + timeout
    latencies: list[float] = []
    errors: list[str] = []
    statuses: dict[str, int] = {}
    lock = threading.Lock()

    def client_run(number: int) -> None:
        try:
            client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
        except Exception as err:  # a client that can't connect fails all its questions
            with lock:
                errors.extend([f"connect: {err}"] * questions)
            return
        try:
            for i in range(questions):
                question = QUESTIONS[(number + i) % len(QUESTIONS)]
                left = deadline - time.monotonic()
                if left <= 0:
                    with lock:
                        errors.append("run deadline reached before the question was asked")
                    continue
                began = time.perf_counter()
                try:
                    result = client.submit(question, api_name="/ask").result(timeout=left)
                except Exception as err:
                    with lock:
                        errors.append(f"{type(err).__name__}: {err}"[:200])
                    continue
                took = time.perf_counter() - began
                with lock:
                    if isinstance(result, dict) and result.get("status") in STATUSES:
                        latencies.append(took)
                        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
                    else:
                        errors.append(f"unexpected result: {str(result)[:200]}")
        finally:
            client.close()

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client_run, range(clients)))
    seconds = time.perf_counter() - began
    ms = [1000 * t for t in latencies]
    return {
        "url": url, "clients": clients, "questions_per_client": questions, "requests": clients * questions,
        "answered": len(latencies), "errors": len(errors), "error_examples": sorted(set(errors))[:5],
        "statuses": statuses, "p50_ms": round(percentile(ms, 50), 1) if ms else None,
        "p95_ms": round(percentile(ms, 95), 1) if ms else None, "max_ms": round(max(ms), 1) if ms else None,
        "mean_ms": round(statistics.fmean(ms), 1) if ms else None, "seconds": round(seconds, 2),
        "requests_per_second": round(len(latencies) / seconds, 1) if seconds else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running app on this machine; default: start one on a free loopback port")
    parser.add_argument("--index", help="index folder of the app this script starts (default: MGQA_INDEX_DIR, index)")
    parser.add_argument("--clients", type=levels, default=[20], help="clients at once; a comma list runs each level")
    parser.add_argument("--questions", type=int, default=10, help="questions per client")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds for the whole run")
    args = parser.parse_args(argv)
    if args.url:
        host = urlsplit(args.url).hostname
        if host not in LOOPBACK:
            parser.error(f"--url must be a loopback address ({', '.join(sorted(LOOPBACK))}), not {host!r}")
        reports = run_levels(args.url, args.clients, args.questions, args.timeout)
    else:
        from mgqa.ui import BackgroundServer, create_app, load_library

        library = load_library(args.index)  # the configured model and index, as `mgqa serve` would
        with BackgroundServer(create_app(library, admin_password="")) as server:  # "": uploads off
            reports = run_levels(server.url, args.clients, args.questions, args.timeout)
    print(json.dumps(reports[0] if len(reports) == 1 else reports, indent=2))
    return 1 if any(r["errors"] for r in reports) else 0


def levels(raw: str) -> list[int]:
    """"1,50,200" -> [1, 50, 200]; each a whole number from 1 to 500 (a bounded load, on loopback)."""
    try:
        values = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--clients takes whole numbers separated by commas, not {raw!r}") from None
    if not values or not all(1 <= v <= 500 for v in values):
        raise argparse.ArgumentTypeError("each --clients level must be from 1 to 500")
    return values


def run_levels(url: str, clients: list[int], questions: int, timeout: float) -> list[dict]:
    """One run per level, one after the other; throughput also as a multiple of the first level's."""
    reports = [run(url, count, questions, timeout) for count in clients]
    first = reports[0]["requests_per_second"]
    for report in reports:
        rate = report["requests_per_second"]
        report["throughput_vs_first"] = round(rate / first, 2) if rate and first else None
    return reports


if __name__ == "__main__":
    sys.exit(main())
