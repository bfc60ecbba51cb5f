#!/usr/bin/env python
"""Load test of the /ask API: concurrent clients, each asking a series of questions.

Prints one JSON object per concurrency level and client (p50/p95 latency, answers per second, errors, statuses,
and the answers per second as a multiple of the first level's for that client) and exits 1 if any request failed.

    python scripts/load_test.py                              # runs `mgqa serve` on a free loopback port
    python scripts/load_test.py --clients 1,50,200           # levels one after the other, against the same app
    python scripts/load_test.py --client http,gradio         # both clients, alternating at each level
    python scripts/load_test.py --url http://127.0.0.1:7860  # an app that is already running (loopback only)

Two clients ask the same questions through the same routes (join Gradio's queue, then read the answer from its
event stream), so the server does the same work for either:
- `http` (the default): one asyncio loop speaking HTTP/1.1 the way the page's own script does, about 1 ms of CPU
  an answer. Real visitors use their own machines' CPU; on one machine a heavy client takes the server's.
- `gradio`: a `gradio_client.Client` a thread, as an operator's script would use; a new connection and client
  object a question, and a heartbeat thread a client: several times the server's own CPU an answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio_client is imported: no telemetry
SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))  # runs from a checkout without install

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
CLIENTS = ("http", "gradio")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def run(url: str, clients: int = 20, questions: int = 10, timeout: float = 120.0, client: str = "http") -> dict:
    """Each client asks `questions` questions in turn; every call and the whole run are bounded in time. The clock
    runs from when every client is ready (connected, for gradio_client) until the last answer."""
    asking = {"http": _run_http, "gradio": _run_gradio}[client]
    latencies: list[float] = []
    errors: list[str] = []
    statuses: dict[str, int] = {}

    def answered(result: object, took: float) -> None:
        if isinstance(result, dict) and result.get("status") in STATUSES:
            latencies.append(took)
            statuses[result["status"]] = statuses.get(result["status"], 0) + 1
        else:
            errors.append(f"unexpected result: {str(result)[:200]}")

    seconds = asking(url, clients, questions, time.monotonic() + timeout, answered, errors)
    ms = [1000 * t for t in latencies]
    return {
        "url": url, "client": client, "clients": clients, "questions_per_client": questions,
        "requests": clients * questions, "answered": len(latencies), "errors": len(errors),
        "error_examples": sorted(set(errors))[:5], "statuses": statuses,
        "p50_ms": round(percentile(ms, 50), 1) if ms else None, "p95_ms": round(percentile(ms, 95), 1) if ms else None,
        "max_ms": round(max(ms), 1) if ms else None, "mean_ms": round(statistics.fmean(ms), 1) if ms else None,
        "seconds": round(seconds, 2), "requests_per_second": round(len(latencies) / seconds, 1) if seconds else None,
    }


def _run_gradio(url: str, clients: int, questions: int, deadline: float, answered, errors: list[str]) -> float:
    """A gradio_client.Client per client, each in its own thread; the seconds from all connected to all done."""
    from gradio_client import Client

    lock = threading.Lock()
    started: list[float] = []
    finished = [0.0]
    ready = threading.Barrier(clients, action=lambda: started.append(time.perf_counter()))

    def client_run(number: int) -> None:
        try:
            client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
        except Exception as err:  # a client that can't connect fails all its questions
            with lock:
                errors.extend([f"connect: {err}"] * questions)
            client = None
        try:  # connecting (config, API info, a heartbeat thread: a second or so) is not asking
            ready.wait(timeout=max(0.0, deadline - time.monotonic()))
        except threading.BrokenBarrierError:
            pass
        if client is None:
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
                with lock:
                    answered(result, time.perf_counter() - began)
            with lock:
                finished[0] = max(finished[0], time.perf_counter())
        finally:
            client.close()  # up to a second, joining its heartbeat thread: not counted

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client_run, range(clients)))
    return max(0.0, finished[0] - started[0]) if started else 0.0


def _run_http(url: str, clients: int, questions: int, deadline: float, answered, errors: list[str]) -> float:
    """All clients in one asyncio loop, each a browser tab: its own session and its own two connections; the seconds
    from the first question to the last answer."""
    address = urlsplit(url)
    host, port = address.hostname, address.port or 80

    async def client_run(number: int, fn_index: int) -> None:
        session = uuid.uuid4().hex[:11]
        joins, stream = _Connection(host, port), _Connection(host, port)
        try:
            for i in range(questions):
                question = QUESTIONS[(number + i) % len(QUESTIONS)]
                left = deadline - time.monotonic()
                if left <= 0:
                    errors.append("run deadline reached before the question was asked")
                    continue
                began = time.perf_counter()
                try:
                    result = await asyncio.wait_for(_ask(joins, stream, fn_index, session, question), left)
                except Exception as err:  # the connections may be half-way through a response: start again
                    errors.append(f"{type(err).__name__}: {err}"[:200])
                    joins.close()
                    stream.close()
                    continue
                answered(result, time.perf_counter() - began)
        finally:
            joins.close()
            stream.close()

    async def all_clients() -> float:
        config = _Connection(host, port)
        try:
            status, body = await config.request("GET", "/config")
        finally:
            config.close()
        if status != 200:
            raise SystemExit(f"{url}/config answered HTTP {status}: is this mgqa?")
        fn_index = next(d["id"] for d in json.loads(body)["dependencies"] if d.get("api_name") == "ask")
        began = time.perf_counter()
        await asyncio.gather(*(client_run(n, fn_index) for n in range(clients)))
        return time.perf_counter() - began

    return asyncio.run(all_clients())


async def _ask(joins: _Connection, stream: _Connection, fn_index: int, session: str, question: str) -> object:
    """One question the way the page asks it: join the queue, then read the session's event stream until this
    event's result. The answer JSON, or what the server said instead."""
    body = json.dumps({"data": [question], "fn_index": fn_index, "session_hash": session, "event_data": None,
                       "trigger_id": None}).encode()
    status, reply = await joins.request("POST", "/gradio_api/queue/join", body)
    if status != 200:
        return f"HTTP {status}: {reply[:200].decode('utf-8', 'replace')}"
    event_id = json.loads(reply)["event_id"]
    result: object = "the event stream ended without the answer"
    # read to the stream's end (it ends once the session has nothing pending), so the connection can be used again
    async for message in stream.events(f"/gradio_api/queue/data?session_hash={session}"):
        if message.get("msg") == "process_completed" and message.get("event_id") == event_id:
            output = message.get("output") or {}
            result = output["data"][0] if message.get("success") and output.get("data") else output
    return result


class _Connection:
    """One keep-alive HTTP/1.1 connection to the app: just what the load test needs (no TLS: loopback only)."""

    IDLE = 4.0  # uvicorn closes a connection idle for 5 s: open a new one rather than race it

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        status, headers = await self._send(method, path, body)
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        else:
            data = b"".join([chunk async for chunk in self._chunks()])
        self.last_used = time.monotonic()
        return status, data

    async def events(self, path: str):
        """The data of each server-sent event of a GET, as JSON, until the server ends the stream."""
        status, headers = await self._send("GET", path)
        if status != 200:
            raise RuntimeError(f"HTTP {status} from {path.split('?')[0]}")
        pending = b""
        async for chunk in self._chunks():
            pending += chunk
            while b"\n\n" in pending:
                event, pending = pending.split(b"\n\n", 1)
                if event.startswith(b"data:"):
                    yield json.loads(event[5:])
        self.last_used = time.monotonic()

    async def _send(self, method: str, path: str, body: bytes = b"") -> tuple[int, dict[str, str]]:
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        request = (head + "\r\n").encode() + body
        reused = self.writer is not None and time.monotonic() - self.last_used < self.IDLE
        if not reused:
            self.close()
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(request)
        status_line = await self.reader.readline()
        if not status_line and reused:  # the server closed it meanwhile, before reading the request: once more
            self.close()
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            self.writer.write(request)
            status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection without answering")
        headers = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(status_line.split()[1]), headers

    async def _chunks(self):
        while size := int((await self.reader.readline()).split(b";")[0], 16):
            yield await self.reader.readexactly(size)
            await self.reader.readline()
        await self.reader.readline()  # the blank line after the last chunk

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running app on this machine; default: start one on a free loopback port")
    parser.add_argument("--index", help="index folder of the app this script starts (default: MGQA_INDEX_DIR, index)")
    parser.add_argument("--clients", type=levels, default=[20], help="clients at once; a comma list runs each level")
    parser.add_argument("--client", type=kinds, default=["http"],
                        help="http (light, the default), gradio (gradio_client), or both: http,gradio")
    parser.add_argument("--questions", type=int, default=10, help="questions per client")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds for each run")
    args = parser.parse_args(argv)
    if args.url:
        host = urlsplit(args.url).hostname
        if host not in LOOPBACK:
            parser.error(f"--url must be a loopback address ({', '.join(sorted(LOOPBACK))}), not {host!r}")
        reports = run_levels(args.url, args.clients, args.questions, args.timeout, args.client)
    else:
        with serving(args.index) as url:
            reports = run_levels(url, args.clients, args.questions, args.timeout, args.client)
    print(json.dumps(reports[0] if len(reports) == 1 else reports, indent=2))
    return 1 if any(r["errors"] for r in reports) else 0


@contextmanager
def serving(index: str | None):
    """`mgqa serve` in a process of its own on a free loopback port, uploads off: the app's GIL is not the clients'.
    Yields its URL once it answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {name: value for name, value in os.environ.items() if name != "MGQA_ADMIN_PASSWORD"}  # uploads off
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "mgqa", "serve", "--port", str(port)] + (["--index", index] if index else [])
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # loading the model and the index
        while not _answers(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"`{' '.join(command)}` did not start (exit code {server.poll()})")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/config", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def levels(raw: str) -> list[int]:
    """"1,50,200" -> [1, 50, 200]; each a whole number from 1 to 500 (a bounded load, on loopback)."""
    try:
        values = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--clients takes whole numbers separated by commas, not {raw!r}") from None
    if not values or not all(1 <= v <= 500 for v in values):
        raise argparse.ArgumentTypeError("each --clients level must be from 1 to 500")
    return values


def kinds(raw: str) -> list[str]:
    """"http,gradio" -> ["http", "gradio"]."""
    values = [part.strip() for part in raw.split(",") if part.strip()]
    if not values or not all(v in CLIENTS for v in values):
        raise argparse.ArgumentTypeError(f"--client takes {' or '.join(CLIENTS)}, or both separated by a comma")
    return list(dict.fromkeys(values))


def run_levels(url: str, clients: list[int], questions: int, timeout: float, client_kinds: list[str]) -> list[dict]:
    """One run per level and client, one after the other (at each level every client in turn); throughput also as
    a multiple of the same client's at the first level. A few questions first, untimed: an app's first questions
    pay once for what later ones find ready, and would count against whichever level comes first."""
    run(url, 2, 3, timeout, "http")
    reports = [run(url, count, questions, timeout, kind) for count in clients for kind in client_kinds]
    for kind in client_kinds:
        first = next(r for r in reports if r["client"] == kind)["requests_per_second"]
        for report in (r for r in reports if r["client"] == kind):
            rate = report["requests_per_second"]
            report["throughput_vs_first"] = round(rate / first, 2) if rate and first else None
    return reports


if __name__ == "__main__":
    sys.exit(main())
