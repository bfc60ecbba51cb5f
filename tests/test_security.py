"""Attacks on the real app on a loopback port, each shown to fail: file reads, uploads, guessing, stalls, headers.

Every route and every queued event is tried from what the running app itself lists, so a route or an event
that a later Gradio adds is tried too, not only the ones known when this was written.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import httpx
import pytest

from conftest import ADMIN_PASSWORD, FOODS_HTML, NERVES_MD
from fakes import FAKE_MODEL, FakeEmbedder, write

pytestmark = pytest.mark.server

SECRET = f"mgqa-secret-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory):
    """The app over a fake-model index, its Gradio cache in a folder of its own, and a secret file elsewhere."""
    from types import SimpleNamespace

    from mgqa.build import build
    from mgqa.kb import KnowledgeBase
    from mgqa.settings import Settings
    from mgqa.ui import BackgroundServer, Library, create_app

    root = tmp_path_factory.mktemp("target")
    docs = root / "docs"
    write(docs, "nerves.md", NERVES_MD)
    write(docs, "foods.html", FOODS_HTML)
    secret = write(tmp_path_factory.mktemp("elsewhere"), "secret.txt", SECRET + "\n")
    cache = root / "gradio-cache"
    settings = Settings(docs_dir=docs, index_dir=root / "index", model=FAKE_MODEL, admin_password=ADMIN_PASSWORD)
    embedder = FakeEmbedder()
    build(settings, embedder)
    library = Library(KnowledgeBase.load(settings=settings, embedder=embedder), settings)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADIO_TEMP_DIR", str(cache))
        app = create_app(library)
        with BackgroundServer(app) as server:
            yield SimpleNamespace(url=server.url, app=app, secret=secret, cache=cache, library=library,
                                  settings=settings)


def leaked(target) -> list[Path]:
    """Files in the app's Gradio cache that hold the secret."""
    if not target.cache.exists():
        return []
    return [path for path in target.cache.rglob("*") if path.is_file() and SECRET.encode() in path.read_bytes()]


def file_data(path: Path) -> dict:
    return {"path": str(path), "url": None, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def payloads(path: Path) -> list[object]:
    """The shapes a file reference can take in an input: bare, in a list, in a chat message."""
    data = file_data(path)
    return [data, [data], [{"role": "user", "content": [{"type": "file", "file": data}]}],
            [{"role": "user", "content": {"type": "file", "file": data}}], {"files": [data], "text": "x"}]


def queue_event(url: str, fn_index: int, data: list, timeout: float = 20) -> str:
    """Join the queue for one event the way the page does; everything the server streams back, as text."""
    session = uuid.uuid4().hex[:10]
    with httpx.Client(timeout=timeout) as http:
        joined = http.post(f"{url}/gradio_api/queue/join",
                           json={"data": data, "fn_index": fn_index, "session_hash": session, "event_data": None,
                                 "trigger_id": None})
        if joined.status_code != 200:
            return joined.text
        received = []
        with http.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                received.append(line)
                if "process_completed" in line or "unexpected_error" in line:
                    break
        return "\n".join(received)


def all_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route the app serves, through Gradio's mount and its included routers."""
    found = []

    def walk(routes, prefix: str) -> None:
        for route in routes:
            name = type(route).__name__
            if name == "Mount":
                walk(route.routes, prefix + route.path)
            elif hasattr(route, "original_router"):
                walk(route.original_router.routes, prefix)
            else:
                found.extend((method, prefix + route.path) for method in sorted(getattr(route, "methods", None) or {}))

    walk(app.routes, "")
    return found


def concrete(path: str) -> str:
    """A request path for a route pattern: each {parameter} filled in."""
    return re.sub(r"\{[^}]+\}", "x", path)


# ---------------------------------------------------------------- 1. file reads


def test_no_queued_event_copies_or_returns_a_file_from_outside_the_app(target):
    config = httpx.get(f"{target.url}/config", timeout=10).json()
    events = [(index, dep) for index, dep in enumerate(config["dependencies"]) if dep.get("inputs")]
    assert len(events) >= 4, "expected the chat, ask, unlock and rebuild events"
    for index, dep in events:
        fn_index = dep.get("id", index)
        for payload in payloads(target.secret):
            reply = queue_event(target.url, fn_index, [payload] * len(dep["inputs"]))
            assert SECRET not in reply, (fn_index, payload)
    assert leaked(target) == []


@pytest.mark.parametrize("route", ["/gradio_api/run/ask", "/gradio_api/api/ask", "/gradio_api/call/ask",
                                   "/gradio_api/run/rebuild", "/gradio_api/call/rebuild"])
def test_api_routes_do_not_copy_a_file_reference(target, route):
    for payload in payloads(target.secret):
        reply = httpx.post(target.url + route, json={"data": [payload, [file_data(target.secret)]]}, timeout=20)
        assert SECRET not in reply.text
    assert leaked(target) == []


def test_a_visitor_call_naming_a_file_is_refused_before_gradio_reads_it(target, capfd):
    config = httpx.get(f"{target.url}/config", timeout=10).json()
    events = [dep for dep in config["dependencies"] if dep.get("inputs")]
    capfd.readouterr()
    for dep in events:
        for payload in payloads(target.secret):
            reply = httpx.post(f"{target.url}/gradio_api/queue/join", timeout=10,
                               json={"data": [payload] * len(dep["inputs"]), "fn_index": dep["id"],
                                     "session_hash": uuid.uuid4().hex[:10]})
            assert reply.status_code == 400 and "only from the operator" in reply.json()["error"], (dep["id"], payload)
    # Gradio never saw them: no traceback for each refused path in the server's log
    assert "Traceback" not in capfd.readouterr().err


def test_nobody_can_have_the_app_download_a_file_from_an_address(target):
    by_url = {"path": "http://127.0.0.1:9/notes.pdf", "url": None, "orig_name": "notes.pdf",
              "meta": {"_type": "gradio.FileData"}}
    for route in ("/gradio_api/queue/join", "/gradio_api/call/rebuild", "/gradio_api/run/rebuild"):
        reply = httpx.post(target.url + route, headers={"X-MGQA-Admin": ADMIN_PASSWORD}, timeout=10,
                           json={"data": [ADMIN_PASSWORD, [by_url], None], "fn_index": 0, "session_hash": "s"})
        assert reply.status_code == 400 and "never from an address" in reply.json()["error"], route


def test_the_operator_naming_a_file_that_was_not_uploaded_is_refused_before_gradio_reads_it(target, capfd):
    config = httpx.get(f"{target.url}/config", timeout=10).json()
    rebuild_event = next(dep["id"] for dep in config["dependencies"] if dep.get("api_name") == "rebuild")
    capfd.readouterr()
    for path in (str(target.secret), str(target.cache / ".." / target.secret.name), "/etc/passwd"):
        named = {"path": path, "url": None, "orig_name": "notes.txt", "meta": {"_type": "gradio.FileData"}}
        reply = httpx.post(target.url + "/gradio_api/queue/join", headers={"X-MGQA-Admin": ADMIN_PASSWORD},
                           timeout=10, json={"data": [ADMIN_PASSWORD, [named], None], "fn_index": rebuild_event,
                                             "session_hash": uuid.uuid4().hex[:10]})
        assert reply.status_code == 400 and "only from an upload" in reply.json()["error"], path
    assert leaked(target) == []
    assert "Traceback" not in capfd.readouterr().err


def test_an_oversized_or_bottomless_call_is_refused_without_being_parsed(target):
    big = httpx.post(f"{target.url}/gradio_api/call/ask", json={"data": ["x" * (2 << 20)]}, timeout=10)
    assert big.status_code == 413
    deep = httpx.post(f"{target.url}/gradio_api/call/ask", content=b"[" * 200_000 + b"]" * 200_000, timeout=10,
                      headers={"Content-Type": "application/json"})
    assert deep.status_code in (400, 413) and SECRET not in deep.text
    assert httpx.post(f"{target.url}/gradio_api/call/ask", json={"data": ["magnesium"]}, timeout=10).status_code == 200


@pytest.mark.parametrize("form", ["/gradio_api/file={}", "/gradio_api/file/{}", "/file={}"])
def test_file_route_serves_nothing_from_outside(target, form):
    for path in (target.secret, Path("/etc/passwd"), Path("/proc/self/environ")):
        reply = httpx.get(target.url + form.format(path), timeout=10)
        assert reply.status_code in (403, 404) and SECRET not in reply.text and ADMIN_PASSWORD not in reply.text


def test_only_the_routes_the_page_needs_answer(target):
    """Every other route Gradio mounts (proxies, streams, recordings, dev tools, ...) answers 404."""
    from mgqa.access import is_public_route

    closed = [(m, p) for m, p in all_routes(target.app) if not is_public_route(m, concrete(p))]
    assert any("proxy=" in p for _, p in closed) and any("process_recording" in p for _, p in closed)
    for method, path in closed:
        reply = httpx.request(method, target.url + concrete(path), timeout=10)
        assert reply.status_code in (403, 404, 405), (method, path, reply.status_code)


# ---------------------------------------------------------------- 3. password guessing


def test_guessing_the_password_is_throttled_per_client(target):
    from mgqa.access import ADMIN_HEADER

    statuses = []
    body = {"files": ("junk.txt", b"junk", "text/plain")}
    for attempt in range(12):
        reply = httpx.post(f"{target.url}/gradio_api/upload", files=body, headers={ADMIN_HEADER: f"guess {attempt}"},
                           timeout=10)
        statuses.append(reply.status_code)
    assert statuses[0] == 403 and statuses[-1] == 429
    assert int(reply.headers["Retry-After"]) >= 1
    # while throttled even the right password waits: guessing can't race it
    right = httpx.post(f"{target.url}/gradio_api/upload", files=body, headers={ADMIN_HEADER: ADMIN_PASSWORD},
                       timeout=10)
    assert right.status_code == 429
    target.app.state.mgqa_throttle.forget_all()  # the operator's next tests start clean


# ---------------------------------------------------------------- the operator's routes, attacked


@pytest.fixture
def operator(target):
    """gradio_client as the operator's script: the password in the header, the throttle cleared around it."""
    from gradio_client import Client

    from mgqa.access import ADMIN_HEADER

    target.app.state.mgqa_throttle.forget_all()
    client = Client(target.url, verbose=False, analytics_enabled=False, download_files=False,
                    headers={ADMIN_HEADER: ADMIN_PASSWORD})
    yield client
    client.close()
    target.app.state.mgqa_throttle.forget_all()


def rebuild(client, path: Path, password: str = ADMIN_PASSWORD, replace: bool = False) -> str:
    from gradio_client import handle_file

    return client.predict(password, [handle_file(str(path))], replace, api_name="/rebuild")[0]


def test_an_upload_never_silently_replaces_a_document_or_inherits_its_metadata(target, operator, tmp_path):
    docs = target.settings.docs_dir
    write(docs, "dose.md", "# Dose\n\nAdults take 310 to 420 mg of magnesium.\n")
    write(docs, "dose.md.meta.yaml", "publisher: Trusted Agency\nurl: https://agency.example.org/dose\n")
    status = rebuild(operator, write(tmp_path, "dose.md", "# Dose\n\nBuy MegaMag now, 5000 mg a day.\n"))
    assert "already in the library" in status and "Adults take" in (docs / "dose.md").read_text()
    status = rebuild(operator, write(tmp_path, "dose.md", "# Dose\n\nBuy MegaMag now, 5000 mg a day.\n"),
                     replace=True)
    assert "replaced" in status and ".backup" in status
    answer = target.library.ask("Buy MegaMag 5000 mg")
    quote = next(q for q in answer.quotes if q.doc_id == "dose")
    assert "Trusted Agency" not in answer.caution and "agency.example.org" not in quote.link


def test_a_second_rebuild_is_told_at_once_and_wrong_passwords_do_not_queue(target, operator, tmp_path):
    upload = write(tmp_path, "later.txt", "Later\n\nMagnesium later.\n")
    assert target.library._rebuilding.acquire(blocking=False)  # a long rebuild is running
    try:
        began = time.monotonic()
        assert "already running" in rebuild(operator, upload)
        assert "Wrong password" in rebuild(operator, upload, password="guess")
        assert time.monotonic() - began < 5
    finally:
        target.library._rebuilding.release()
    assert not (target.settings.docs_dir / "later.txt").exists()


def test_document_text_in_the_rebuild_status_is_never_interpreted(target, operator, tmp_path):
    hostile = ('---\ntitle: "<img src=x onerror=alert(1)>"\nurl: "![x](http://127.0.0.1:9/pixel.png)"\n---\n\n'
               "# Inject\n\nMagnesium injection text.\n")
    status = rebuild(operator, write(tmp_path, "inject_md_doc.md", hostile))
    # shown as HTML (never markdown), and the only tags in it are the status's own
    assert re.sub(r"</?(p|strong|ul|li)>", "", status).count("<") == 0, status
    assert "inject_md_doc.md" in status
    config = httpx.get(f"{target.url}/config", timeout=10).json()
    shown = [c.get("props", {}).get("value") for c in config["components"] if c.get("props", {}).get("elem_id") in
             ("mgqa-status", "mgqa-index")]
    assert all("<img" not in str(value) for value in shown)


def test_links_in_the_documents_folder_are_not_followed(target, operator, tmp_path):
    (target.settings.docs_dir / "passwd.txt").symlink_to(target.secret)
    try:
        status = rebuild(operator, write(tmp_path, "trigger.txt", "Trigger\n\nMagnesium trigger.\n"))
        assert "passwd.txt: a link" in status
        answer = target.library.ask(f"{SECRET} magnesium")
        assert all(SECRET not in q.text for q in answer.quotes)
    finally:
        (target.settings.docs_dir / "passwd.txt").unlink()


def test_a_full_disk_is_one_line_and_says_where_the_upload_is(target, operator, tmp_path, monkeypatch):
    import errno

    from mgqa import store

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "save_index", full)
    before = target.library.kb
    status = rebuild(operator, write(tmp_path, "diskfull.txt", "Disk Full\n\nMagnesium and a full disk.\n"))
    assert "disk is full" in status and "Traceback" not in status
    assert "diskfull.txt is in the documents folder" in status and "still answering" in status
    assert target.library.kb is before


def test_a_document_over_the_passage_limit_is_skipped_and_taken_out_again(target, operator, tmp_path, monkeypatch):
    from dataclasses import replace

    monkeypatch.setattr(target.library, "settings", replace(target.library.settings, max_passages=5))
    huge = "Huge\n\n" + "".join(f"Magnesium fact number {n} is here. " * 8 + "\n\n" for n in range(60))
    status = rebuild(operator, write(tmp_path, "huge.txt", huge))
    assert "over the limit of 5" in status and "taken out of the documents folder" in status
    assert not (target.settings.docs_dir / "huge.txt").exists()


@pytest.mark.parametrize("path", ["/", "/config", "/gradio_api/info", "/source/nerves?start=0&end=5",
                                  "/no-such-page", "/gradio_api/process_recording"])
def test_every_response_carries_the_security_headers(target, path):
    reply = httpx.get(target.url + path, timeout=10)
    assert reply.headers["X-Frame-Options"] == "DENY" and reply.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"]
    assert reply.headers["Referrer-Policy"] == "no-referrer"


def test_recordings_are_not_accepted_from_anyone(target):
    reply = httpx.post(f"{target.url}/gradio_api/process_recording", files={"files": ("a.wav", b"RIFF")}, timeout=10)
    assert reply.status_code == 404
