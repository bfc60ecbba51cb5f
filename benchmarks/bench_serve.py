"""Serving /ask: where one question's time goes, and this code against an older revision, side by side.

    .venv/bin/python benchmarks/bench_serve.py phases [--clients 1] [--questions 200]
    .venv/bin/python benchmarks/bench_serve.py compare --base f9c5fae [--clients 50] [--questions 10] [--rounds 4]
    .venv/bin/python benchmarks/bench_serve.py compare --base HEAD --base-server plain   # uvloop and httptools' share

phases: the app in this process, with Gradio's own profiling on (GRADIO_PROFILING=1) and a clock around the handler
and the micro-batcher; scripts/load_test.py's clients in another process, so they don't share the app's GIL. Means
per answer, so the parts add up: Gradio's queue wait, its run of the event (of which our handler, of which the wait
for other questions to embed with and the model), and the rest (HTTP, the event stream, the client); and the app's
CPU time per answer.

compare: this working tree and a git revision (exported with `git archive` to a temporary folder), each served by
`mgqa serve` in a process of its own, load-tested one after the other, the order swapped every round; medians of
the rounds, the ratios new/old, and each server's CPU time per answer (from /proc). Loopback only. Both servers run
as `mgqa serve` does, uvicorn choosing its event loop and HTTP parser; `--base-server plain` makes the old one use
asyncio's loop and h11, as it does where uvloop and httptools are not installed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

import load_test  # noqa: E402


def phases(clients: int, questions: int, client: str) -> dict:
    os.environ["GRADIO_PROFILING"] = "1"  # before gradio is imported
    from gradio import profiling

    from mgqa.batching import MicroBatcher
    from mgqa.ui import BackgroundServer, create_app, load_library

    library = load_library(ROOT / "index")
    handler, pooled, model = Clock(), Clock(), Clock()
    library.ask = handler.around(library.ask)
    batcher: MicroBatcher = library.kb.embedder
    batcher._pooled = pooled.around(batcher._pooled)  # a question's wait for company and its share of the model run
    batcher.embedder.encode_states = model.around(batcher.embedder.encode_states, per=len)
    with BackgroundServer(create_app(library, admin_password="")) as server:
        load_test.run(server.url, clients, 2, 60, client)  # warm up: first connections, first questions
        profiling.collector._traces.clear()
        for clock in (handler, pooled, model):
            clock.reset()
        cpu = time.process_time()
        run = subprocess.run([sys.executable, str(ROOT / "scripts" / "load_test.py"), "--url", server.url,
                              "--clients", str(clients), "--questions", str(questions), "--client", client],
                             capture_output=True, text=True, check=True)
        cpu = time.process_time() - cpu
    report = json.loads(run.stdout)
    traces = [t for t in profiling.collector.get_all() if t["fn_name"] == "ask"]
    queue_wait = mean(t["queue_wait_ms"] for t in traces)
    event = mean(t["total_ms"] for t in traces)
    answers = report["answered"]
    return {
        "clients": clients, "client": client, "answers": answers, "errors": report["errors"],
        "answers_per_second": report["requests_per_second"], "p50_ms": report["p50_ms"], "p95_ms": report["p95_ms"],
        "mean_ms": report["mean_ms"],
        "gradio_queue_wait_ms": queue_wait,
        "gradio_event_ms": event,
        "  handler_ms": handler.mean(),
        "    batcher_ms (wait + model)": pooled.mean(),
        "    model_ms per question": model.mean(),
        "    model questions per run": round(model.items / max(model.calls, 1), 1),
        "rest_ms (HTTP, event stream, client)": round(report["mean_ms"] - queue_wait - event, 2),
        "app_cpu_ms_per_answer": round(1000 * cpu / answers, 2),
    }


class Clock:
    """Wall time spent in a function, over all threads; `per` counts the items of a call (model runs)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.seconds, self.calls, self.items = 0.0, 0, 0

    def around(self, function, per=None):
        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                with self._lock:
                    self.seconds += time.perf_counter() - began
                    self.calls += 1
                    self.items += per(args[0]) if per else 1

        return timed

    def mean(self) -> float:
        """ms per item: per question for the handler and the batcher, per question of a run for the model."""
        return round(1000 * self.seconds / max(self.items, 1), 2)


def mean(values) -> float | None:
    values = list(values)
    return round(statistics.fmean(values), 2) if values else None


def compare(base: str, clients: int, questions: int, rounds: int, client: str, base_server: str = "auto") -> dict:
    with tempfile.TemporaryDirectory(prefix="mgqa-base-") as folder:
        export(base, Path(folder))
        with serving(ROOT / "src") as new, serving(Path(folder) / "src", base_server) as old:
            runs: dict[str, list[dict]] = {"old": [], "new": []}
            for number in range(rounds):
                order = [("old", old), ("new", new)] if number % 2 == 0 else [("new", new), ("old", old)]
                for name, (url, pid) in order:
                    before = cpu_seconds(pid)
                    report = load_test.run(url, clients, questions, 600, client)
                    used = cpu_seconds(pid) - before
                    report["server_cpu_ms_per_answer"] = round(1000 * used / max(report["answered"], 1), 2)
                    runs[name].append(report)
                    print(name, json.dumps({k: report[k] for k in KEYS}), file=sys.stderr, flush=True)
    medians = {name: {k: statistics.median(r[k] for r in reports) for k in KEYS if k != "errors"}
               for name, reports in runs.items()}
    return {"base": base, "base_server": base_server, "clients": clients, "questions": questions, "rounds": rounds,
            "client": client,
            "old": medians["old"], "new": medians["new"],
            "errors": {name: sum(r["errors"] for r in reports) for name, reports in runs.items()},
            "new/old": {k: round(medians["new"][k] / medians["old"][k], 3) for k in medians["new"]}}


KEYS = ("requests_per_second", "p50_ms", "p95_ms", "server_cpu_ms_per_answer", "errors")


def export(revision: str, folder: Path) -> None:
    """The revision's src/ into folder, from git (the working tree is not touched)."""
    archive = subprocess.run(["git", "archive", "--format=tar", revision, "src"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")


# what `mgqa serve` runs (mgqa.ui.serve), with uvicorn's event loop and HTTP parser named
SERVE = """import sys, uvicorn
from mgqa import ui
app = ui.create_app(ui.load_library(sys.argv[1]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False, loop=sys.argv[3],
            http=sys.argv[4])
"""
SERVERS = {"auto": ("auto", "auto"), "plain": ("asyncio", "h11")}


@contextmanager
def serving(src: Path, server: str = "auto"):
    """The app from that source folder, served as `mgqa serve` serves it, on a free loopback port, uploads off;
    yields (url, pid)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "MGQA_ADMIN_PASSWORD"}
    env["PYTHONPATH"] = str(src)
    process = subprocess.Popen([sys.executable, "-c", SERVE, str(ROOT / "index"), str(port), *SERVERS[server]],
                               env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while not answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the app from {src} did not start")
            time.sleep(0.2)
        load_test.run(url, 4, 2, 60)  # warm up
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/config", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    modes = parser.add_subparsers(dest="mode", required=True)
    one = modes.add_parser("phases", help="where one question's time goes")
    one.add_argument("--clients", type=int, default=1)
    one.add_argument("--questions", type=int, default=200, help="per client")
    one.add_argument("--client", choices=load_test.CLIENTS, default="http")
    two = modes.add_parser("compare", help="this working tree against a git revision, side by side")
    two.add_argument("--base", required=True, help="a git revision, e.g. main or f9c5fae")
    two.add_argument("--clients", type=int, default=50)
    two.add_argument("--questions", type=int, default=10, help="per client")
    two.add_argument("--rounds", type=int, default=4)
    two.add_argument("--client", choices=load_test.CLIENTS, default="http")
    two.add_argument("--base-server", choices=SERVERS, default="auto",
                     help="plain: the old side on asyncio's event loop and h11, not uvloop and httptools")
    args = parser.parse_args()
    if args.mode == "phases":
        print(json.dumps(phases(args.clients, args.questions, args.client), indent=2))
    else:
        print(json.dumps(compare(args.base, args.clients, args.questions, args.rounds, args.client,
                                 args.base_server), indent=2))


if __name__ == "__main__":
    main()
