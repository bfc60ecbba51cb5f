"""Who may reach what in the web app: the routes a visitor's page needs, the operator's routes, password throttling
and the security headers on every response.

Gradio mounts many more routes than this app uses (a URL proxy, media streams, a recording upload, dev tools);
a route that is not listed here answers 404, so a route a later Gradio adds is closed until it is listed.
"""

from __future__ import annotations

import hmac
import json
import math
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path

UPLOAD_COOKIE = "mgqa_upload"
ADMIN_HEADER = "X-MGQA-Admin"

_API = "/gradio_api"
# What the chat page, the knowledge-base tab and gradio_client use; everything else is closed.
_PUBLIC = {
    "GET": re.compile(
        r"/|/config/?|/(static|assets|svelte)/.+|/favicon\.ico|/theme\.css|/robots\.txt|/source/[^/]+"
        rf"|{_API}/(theme\.css|info/?|openapi\.json|heartbeat/[^/]+|queue/(data|status)|startup-events"
        r"|app_id/?|login_check/?|call/(v2/)?[^/]+/[^/]+)"
    ),
    "POST": re.compile(rf"{_API}/(queue/join|cancel|reset/?|(run|api|call|call/v2)/[^/]+/?)"),
}
_PUBLIC["HEAD"] = _PUBLIC["GET"]
# The operator's: uploading documents and reading uploaded files back (the upload field shows them).
_ADMIN = re.compile(rf"{_API}/(upload|upload_progress|file=.*|file/.*)")

# The POST routes whose JSON body becomes a function's inputs: read by `Guard` before Gradio sees it.
_CALLS = re.compile(rf"{_API}/(queue/join|(run|api|call|call/v2)/[^/]+/?)")
MAX_CALL_BODY = 1 << 20  # a question, or the rebuild's list of uploaded files: far under a megabyte
_SCHEME = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//|\\\\)", re.I)  # "https:", "file:", "//host", a UNC path

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def is_public_route(method: str, path: str) -> bool:
    pattern = _PUBLIC.get(method.upper())
    return bool(pattern and pattern.fullmatch(path))


def is_admin_route(method: str, path: str) -> bool:
    return method.upper() in ("GET", "HEAD", "POST") and bool(_ADMIN.fullmatch(path))


def is_call(method: str, path: str) -> bool:
    return method.upper() == "POST" and bool(_CALLS.fullmatch(path))


def call_refusal(body: bytes, operator: bool, uploads: Callable[[], str | Path] | None = None) -> str | None:
    """Why a function call is refused for the files it names, or None to let it through.

    Only the operator's rebuild takes files, and only files uploaded through the app. Gradio copies any file
    object in a call's inputs into its cache before the function runs: a path must have been uploaded (Gradio
    checks), but a URL it downloads, from wherever it points. So a visitor's call may name no file object at all,
    nobody's may name one by URL, and the operator's may name only a path in the folder `uploads` gives (Gradio's
    upload folder, looked up only for a call that names a file); refused here, before Gradio reads it (and before
    it logs a traceback for each refused path).
    """
    try:
        data = json.loads(body)
    except ValueError:  # not JSON: Gradio refuses it itself
        return None
    except RecursionError:
        return "the request is nested too deep"
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if _is_file_object(item):
                if not operator:
                    return "files are taken only from the operator, through the Knowledge base tab"
                if not isinstance(item.get("path"), str) or _SCHEME.match(item["path"]):
                    return "a file is taken only from an upload, never from an address"
                if uploads is not None and not _inside(item["path"], uploads()):
                    return "a file is taken only from an upload through the Knowledge base tab"
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _inside(path: str, folder: str | Path) -> bool:
    """Whether a path is in a folder once both are made absolute and their links followed, as Gradio reads it."""
    try:
        return Path(os.path.abspath(path)).resolve().is_relative_to(Path(os.path.abspath(folder)).resolve())
    except (OSError, ValueError):  # a NUL byte, a name too long, a loop of links: no upload is named so
        return False


def _is_file_object(item: dict) -> bool:
    """What Gradio would read as a file: an object with a path, or one marked as file data."""
    meta = item.get("meta")
    return "path" in item or (isinstance(meta, dict) and meta.get("_type") == "gradio.FileData")


def password_ok(given: object, expected: str | None) -> bool:
    """Constant-time comparison; an unset or empty expected password matches nothing."""
    return bool(expected) and isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


class Throttle:
    """Failed password attempts per client: after `free` failures in a row, each next attempt must wait twice as
    long as the one before (1 s, 2 s, 4 s ... up to `cap`), counted from the last failure. A success clears it.

    Only failures count, so a person who mistypes once is never slowed, and an attacker on another address
    never slows the operator.
    """

    def __init__(self, free: int = 5, base: float = 1.0, cap: float = 900.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.base, self.cap, self.clock = free, base, cap, clock
        self._failures: dict[str, tuple[int, float]] = {}  # client -> (failures in a row, time of the last)
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> float:
        """Seconds this client must wait before its next attempt is even checked; 0 if it may try now."""
        with self._lock:
            count, last = self._failures.get(client, (0, 0.0))
        if count < self.free:
            return 0.0
        wait = min(self.cap, self.base * 2 ** (count - self.free))
        return max(0.0, last + wait - self.clock())

    def failed(self, client: str) -> None:
        with self._lock:
            count, _ = self._failures.get(client, (0, 0.0))
            self._failures[client] = (count + 1, self.clock())
            if len(self._failures) > 100_000:  # bounded memory under a flood of addresses: drop the oldest
                oldest = min(self._failures, key=lambda key: self._failures[key][1])
                del self._failures[oldest]

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def forget_all(self) -> None:
        with self._lock:
            self._failures.clear()


def client_address(request) -> str:
    """The address a request came from (the proxy's, behind a reverse proxy: see SECURITY.md)."""
    return request.client.host if request.client else "unknown"


class Gate:
    """Who may reach what: closes unlisted routes, lets only the operator upload or read uploads, and throttles
    guessing (`Guard` puts it in front of the app).

    A browser gets a per-process token in a cookie when it unlocks the Knowledge base tab with the admin
    password; a script sends the password in the X-MGQA-Admin header. With no admin password, no upload is
    accepted at all.
    """

    def __init__(self, admin_password: str | None, throttle: Throttle | None = None) -> None:
        self.admin_password = admin_password
        self.token = secrets.token_urlsafe(32) if admin_password else ""
        self.throttle = throttle or Throttle()

    def allows(self, cookie: str | None, header: str | None) -> bool:
        return password_ok(cookie, self.token) or password_ok(header, self.admin_password)  # "" never matches

    def is_operator(self, request) -> bool:
        """Whether a request carries the unlock token or the admin password."""
        return self.allows(request.cookies.get(UPLOAD_COOKIE), request.headers.get(ADMIN_HEADER))

    def refusal(self, request):
        """The response that refuses this request (404, 403 or 429), or None to let it through."""
        from starlette.responses import JSONResponse

        method, path = request.method, request.url.path
        if is_admin_route(method, path):
            client = client_address(request)
            wait = self.throttle.retry_after(client)
            if wait > 0:
                return JSONResponse({"error": "too many wrong passwords from this address: wait, then try again"},
                                    status_code=429, headers={"Retry-After": str(math.ceil(wait))})
            header = request.headers.get(ADMIN_HEADER)
            if not self.is_operator(request):
                if header is not None or request.cookies.get(UPLOAD_COOKIE) is not None:
                    self.throttle.failed(client)  # a wrong password or a made-up token: a guess
                return JSONResponse({"error": "this needs the admin password: unlock the Knowledge base tab"},
                                    status_code=403)
            if header is not None:
                self.throttle.succeeded(client)
        elif not is_public_route(method, path):
            return JSONResponse({"error": "not found"}, status_code=404)
        return None


class Guard:
    """ASGI middleware: the gate in front of an app (`app.add_middleware(Guard, gate=gate)`), and the security
    headers on every response it lets through or refuses.

    Plain ASGI rather than Starlette's BaseHTTPMiddleware, which runs the app in a task of its own and relays each
    message of a streamed answer through a memory stream, with a task group for every disconnect check.
    """

    def __init__(self, app, gate: Gate) -> None:
        self.app = app
        self.gate = gate

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":  # lifespan (and websockets, which no listed route takes)
            await self.app(scope, receive, send)
            return
        from starlette.requests import Request

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                add_security_headers(message)
            await send(message)

        request = Request(scope)
        refused = self.gate.refusal(request)
        if refused is None and is_call(request.method, request.url.path):
            try:
                body = await _read_body(receive, MAX_CALL_BODY)
            except _ClientGone:  # nobody to answer, and no half a call for Gradio to read
                return
            reason = "the request is too large" if body is None else call_refusal(
                body, self.gate.is_operator(request), _upload_folder)
            if reason is not None:
                from starlette.responses import JSONResponse

                refused = JSONResponse({"error": reason}, status_code=413 if body is None else 400)
            else:
                receive = _replaying(body, receive)
        await (refused or self.app)(scope, receive, send_with_headers)


def _upload_folder() -> str:
    """Where Gradio keeps uploads (read on each call, as Gradio reads it: GRADIO_TEMP_DIR may be set late)."""
    from gradio.utils import get_upload_folder

    return get_upload_folder()


class _ClientGone(Exception):
    """The client went away before its request's body had all come."""


async def _read_body(receive, limit: int) -> bytes | None:
    """The whole request body, or None past `limit` bytes (what is left unread is never read)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive):
    """A receive that gives the app the body already read, then whatever the client sends next."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def add_security_headers(start: dict) -> None:
    """The security headers, added to an ASGI response-start message where the response doesn't set them."""
    from starlette.datastructures import MutableHeaders

    headers = MutableHeaders(scope=start)
    for name, value in SECURITY_HEADERS.items():
        headers.setdefault(name, value)
    policy = headers.get("Content-Security-Policy")
    if policy is None:
        headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    elif "frame-ancestors" not in policy:
        headers["Content-Security-Policy"] = f"{policy}; frame-ancestors 'none'"
