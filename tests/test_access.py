"""Who may reach what: the route allowlist, the operator's password and cookie, throttled guessing."""

from __future__ import annotations

import json

import pytest

from mgqa.access import Gate, Throttle, is_admin_route, is_public_route, password_ok


def test_password_check():
    assert password_ok("s3cret", "s3cret")
    assert not password_ok("wrong", "s3cret")
    assert not password_ok("", "")
    assert not password_ok("anything", None)
    assert not password_ok(None, "s3cret")


def test_the_gate_lets_through_the_unlock_token_or_the_password_and_nothing_else():
    gate = Gate("s3cret")
    assert gate.allows(gate.token, None) and gate.allows(None, "s3cret")
    assert not gate.allows(None, None) and not gate.allows("guess", "wrong") and not gate.allows("", "")
    assert Gate("s3cret").token != gate.token  # a token is good for one process only


def test_without_a_password_the_gate_lets_nothing_through():
    gate = Gate(None)
    assert not gate.allows("", "") and not gate.allows(gate.token, None) and not gate.allows(None, "anything")


@pytest.mark.parametrize("method,path", [
    ("GET", "/"), ("GET", "/config"), ("GET", "/assets/index-abc.js"), ("POST", "/gradio_api/queue/join"),
    ("GET", "/gradio_api/queue/data"), ("POST", "/gradio_api/run/ask"), ("GET", "/gradio_api/info"),
    ("GET", "/source/nerves"), ("GET", "/gradio_api/heartbeat/abc123"),
])
def test_the_page_and_the_api_are_public(method, path):
    assert is_public_route(method, path) and not is_admin_route(method, path)


@pytest.mark.parametrize("method,path", [
    ("GET", "/gradio_api/proxy=https://example.org/x"), ("POST", "/gradio_api/process_recording"),
    ("POST", "/gradio_api/vibe-edit"), ("GET", "/gradio_api/dev/reload"), ("GET", "/monitoring"),
    ("POST", "/gradio_api/component_server"), ("GET", "/gradio_api/stream/s/r/1/playlist.m3u8"),
    ("GET", "/gradio_api/token"), ("DELETE", "/"), ("GET", "/source/a/../../etc"), ("PUT", "/gradio_api/upload"),
])
def test_everything_else_is_closed(method, path):
    assert not is_public_route(method, path) and not is_admin_route(method, path)


@pytest.mark.parametrize("path", ["/gradio_api/upload", "/gradio_api/file=/tmp/x.txt", "/gradio_api/file/x",
                                  "/gradio_api/upload_progress"])
def test_uploads_and_files_are_the_operators(path):
    assert is_admin_route("POST" if path.endswith("upload") else "GET", path)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_doubles_the_wait_after_a_few_failures_and_a_success_clears_it():
    clock = Clock()
    throttle = Throttle(free=3, base=1.0, cap=8.0, clock=clock)
    for _ in range(3):
        assert throttle.retry_after("a") == 0
        throttle.failed("a")
    assert throttle.retry_after("a") == pytest.approx(1.0)
    assert throttle.retry_after("b") == 0  # another address is not slowed
    clock.now += 1.0
    assert throttle.retry_after("a") == 0
    throttle.failed("a")
    assert throttle.retry_after("a") == pytest.approx(2.0)
    for _ in range(10):
        throttle.failed("a")
    assert throttle.retry_after("a") == pytest.approx(8.0)  # capped
    throttle.succeeded("a")
    assert throttle.retry_after("a") == 0


def test_a_call_is_read_whole_and_only_the_operator_may_name_an_uploaded_file():
    from mgqa.access import call_refusal

    uploaded = b'{"data": ["pw", [{"path": "/tmp/gradio/abc/notes.pdf", "meta": {"_type": "gradio.FileData"}}]]}'
    assert call_refusal(uploaded, operator=True) is None
    assert "operator" in call_refusal(uploaded, operator=False)
    for address in ("https://example.org/x.pdf", "file:///etc/passwd", "//host/share/x", "\\\\host\\share\\x"):
        named = json.dumps({"data": [[{"path": address}]]}).encode()
        assert "address" in call_refusal(named, operator=True), address
    for elsewhere in ("/etc/passwd", "/tmp/gradio/../../etc/passwd", "relative/notes.pdf", "/tmp/gradio\x00x"):
        named = json.dumps({"data": ["pw", [{"path": elsewhere}]]}).encode()
        assert "upload through" in call_refusal(named, operator=True, uploads=lambda: "/tmp/gradio"), elsewhere
    assert call_refusal(uploaded, operator=True, uploads=lambda: "/tmp/gradio") is None
    assert call_refusal(b'{"data": ["how much magnesium?"]}', operator=False) is None
    assert call_refusal(b"not json", operator=False) is None  # Gradio answers that itself


def test_a_client_gone_mid_call_never_reaches_the_app():
    import asyncio

    from mgqa.access import Guard

    reached, sent = [], []

    async def app(scope, receive, send):
        reached.append(scope["path"])

    messages = iter([{"type": "http.request", "body": b'{"data": [', "more_body": True}, {"type": "http.disconnect"}])

    async def receive():
        return next(messages)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/gradio_api/queue/join", "headers": [], "query_string": b""}
    asyncio.run(Guard(app, Gate("s3cret"))(scope, receive, send))
    assert reached == [] and sent == []
