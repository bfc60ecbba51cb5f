"""Who may reach what: the route allowlist, the operator's password and cookie, throttled guessing."""

from __future__ import annotations

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
