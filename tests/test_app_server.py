"""The real app on a loopback port, driven the way a program would: gradio_client and plain HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from fakes import write

pytestmark = pytest.mark.server
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio_client is imported: no telemetry from tests

ROOT = Path(__file__).resolve().parents[1]
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> magnesium?'
NEW_DOC = ("Magnesium Threonate\n\nMagnesium threonate may cross the blood brain barrier better than other forms. "
           "Some notes wrote <script>window.__xss=3</script> here by mistake.\n")


@pytest.fixture(scope="module")
def client(app_server):
    """A program of the operator's: it sends the admin password with uploads, as the README says."""
    from gradio_client import Client

    from mgqa.access import ADMIN_HEADER

    client = Client(app_server.url, verbose=False, analytics_enabled=False, download_files=False,
                    headers={ADMIN_HEADER: app_server.password})
    yield client
    client.close()


def post_upload(url: str, headers: dict[str, str] | None = None) -> int:
    """POST one small file to Gradio's upload route, as any visitor could; the HTTP status."""
    body = (b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"junk.txt\"\r\n"
            b"Content-Type: text/plain\r\n\r\njunk\r\n--b--\r\n")
    request = urllib.request.Request(url + "/gradio_api/upload", data=body, method="POST",
                                     headers={"Content-Type": "multipart/form-data; boundary=b", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def get(url: str) -> tuple[int, object, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read().decode("utf-8")


def test_ask_is_the_only_documented_endpoint(client):
    api = client.view_api(print_info=False, return_format="dict")
    assert set(api["named_endpoints"]) == {"/ask"}
    assert api["unnamed_endpoints"] == {}


def test_ask_returns_the_answer_json_contract(client):
    result = client.predict("How much magnesium do adults take each day?", api_name="/ask")
    assert set(result) == {"question", "status", "quotes", "caution", "notice", "disagreements"}
    assert result["status"] == "answered" and isinstance(result["caution"], str) and result["notice"] is None
    quote = result["quotes"][0]
    assert set(quote) == {"text", "highlight", "doc_id", "title", "section", "link", "score",
                             "promotional", "publisher", "publisher_type", "also_in"}
    assert quote["highlight"] in quote["text"] and isinstance(quote["score"], float)
    assert isinstance(quote["promotional"], bool) and quote["title"] == "Magnesium and Nerves"


@pytest.mark.parametrize("question", ["", "   ", "magnesium " * 300])
def test_bad_input_is_an_invalid_answer_not_an_error(client, question):
    result = client.predict(question, api_name="/ask")
    assert result["status"] == "invalid" and result["quotes"] == [] and result["notice"]


def test_xss_question_comes_back_as_a_literal_string(client):
    result = client.predict(XSS, api_name="/ask")
    assert result["question"] == XSS


def test_source_view_serves_the_escaped_document_with_the_passage_marked(app_server, client):
    result = client.predict("How much magnesium do adults take each day?", api_name="/ask")
    link = next(q["link"] for q in result["quotes"] if q["link"].startswith("/source/"))
    status, headers, page = get(app_server.url + link)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert '<mark id="passage">' in page and "Magnesium and Nerves" in page
    assert get(app_server.url + "/source/no-such-doc?start=0&end=5")[0] == 404
    assert '<mark id="passage">' not in get(app_server.url + "/source/nerves?start=9&end=x")[2]


def test_monitoring_and_run_history_are_off(app_server):
    for path in ("/monitoring", "/monitoring/summary", "/gradio_api/runs"):
        assert get(app_server.url + path)[0] in (403, 404), path


def test_uploads_are_refused_without_the_admin_password_or_the_unlock_cookie(app_server):
    from mgqa.access import ADMIN_HEADER, UPLOAD_COOKIE

    assert post_upload(app_server.url) == 403
    assert post_upload(app_server.url, {ADMIN_HEADER: "wrong password"}) == 403
    assert post_upload(app_server.url, {"Cookie": f"{UPLOAD_COOKIE}=made-up"}) == 403
    assert post_upload(app_server.url, {ADMIN_HEADER: app_server.password}) == 200


def test_without_an_admin_password_no_upload_is_accepted(app_server):
    from mgqa.access import ADMIN_HEADER
    from mgqa.ui import BackgroundServer, create_app

    with BackgroundServer(create_app(app_server.library, admin_password="")) as server:
        assert post_upload(server.url) == 403
        assert post_upload(server.url, {ADMIN_HEADER: ""}) == 403
        assert post_upload(server.url, {ADMIN_HEADER: app_server.password}) == 403


def test_rebuild_needs_the_password(app_server, client, tmp_path):
    from gradio_client import handle_file

    upload = write(tmp_path, "sneaky.txt", "Sneaky\n\nMagnesium sneaky facts.\n")
    status, *_ = client.predict("wrong password", [handle_file(str(upload))], False, api_name="/rebuild")
    assert "Wrong password" in status
    assert not (app_server.settings.docs_dir / "sneaky.txt").exists()


def test_a_rejected_upload_leaves_the_old_index_answering(app_server, client, tmp_path):
    from gradio_client import handle_file

    before = app_server.library.kb
    upload = write(tmp_path, "binary.txt", b"\x00\x01\x02\x03 not text")
    status, *_ = client.predict(app_server.password, [handle_file(str(upload))], False, api_name="/rebuild")
    assert "Rebuild failed" in status and "previous index is still answering" in status
    assert app_server.library.kb is before
    assert client.predict("How much magnesium do adults take each day?", api_name="/ask")["status"] == "answered"


def test_upload_and_rebuild_then_answers_quote_the_new_document(app_server, client, tmp_path):
    from gradio_client import handle_file

    upload = write(tmp_path, "threonate.txt", NEW_DOC)
    status, _info, table, _files = client.predict(app_server.password, [handle_file(str(upload))], False,
                                                  api_name="/rebuild")
    assert status.startswith("<p><strong>Rebuilt:</strong>") and "threonate.txt" in status
    assert "Magnesium Threonate" in json.dumps(table)
    result = client.predict("Does magnesium threonate cross the blood brain barrier?", api_name="/ask")
    assert result["quotes"][0]["doc_id"] == "threonate"
    status, _, page = get(app_server.url + result["quotes"][0]["link"])
    assert status == 200 and '<mark id="passage">' in page
    assert "&lt;script&gt;window.__xss=3&lt;/script&gt;" in page and "<script>window" not in page


@pytest.mark.slow
@pytest.mark.parametrize("client", ["http", "gradio"])
def test_twenty_clients_ten_questions_each_all_answered(app_server, client):
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "load_test.py"), "--url", app_server.url,
                          "--client", client, "--timeout", "90"], capture_output=True, text=True, timeout=150,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    report = json.loads(run.stdout)
    assert run.returncode == 0, report
    assert report["requests"] == report["answered"] == 200 and report["errors"] == 0
    assert sum(report["statuses"].values()) == 200 and report["client"] == client
    print(f"\nload test ({client}): p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms, "
          f"{report['requests_per_second']} req/s")


def test_load_test_refuses_non_loopback_urls():
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "load_test.py"), "--url", "http://example.org"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "loopback" in run.stderr


@contextmanager
def one_worker_held(tmp_path, monkeypatch, queue_size: int):
    """The app with one /ask worker, held busy by the first question until `release` is set."""
    from fakes import FAKE_MODEL, FakeEmbedder
    from mgqa import ui
    from mgqa.build import build
    from mgqa.kb import KnowledgeBase
    from mgqa.settings import Settings

    write(tmp_path / "docs", "nerves.txt", "Magnesium\n\nMagnesium supports healthy nerve signals.\n")
    settings = Settings(docs_dir=tmp_path / "docs", index_dir=tmp_path / "index", model=FAKE_MODEL)
    build(settings, FakeEmbedder())
    library = ui.Library(KnowledgeBase.load(settings=settings, embedder=FakeEmbedder()), settings)
    entered, release = threading.Event(), threading.Event()
    answer = library.ask
    monkeypatch.setattr(library, "ask", lambda question: (entered.set(), release.wait(20), answer(question))[2])
    monkeypatch.setattr(ui, "ASK_CONCURRENCY", 1)
    with ui.BackgroundServer(ui.create_app(library, admin_password="", queue_size=queue_size)) as server:
        status, _, config = get(server.url + "/config")
        fn_index = next(d["id"] for d in json.loads(config)["dependencies"] if d.get("api_name") == "ask")
        assert join_queue(server.url, fn_index, "s0")[0] == 200  # it runs, and holds the only worker
        assert entered.wait(10)
        try:
            yield server, fn_index, release
        finally:
            release.set()


def test_a_full_queue_answers_busy_try_again_at_once(tmp_path, monkeypatch):
    """With every /ask worker busy and the queue full, one more question is refused at once, in words."""
    from mgqa import ui

    with one_worker_held(tmp_path, monkeypatch, queue_size=1) as (server, fn_index, _):
        joined = [join_queue(server.url, fn_index, f"s{n}") for n in (1, 2)]  # one waits in the queue, one more
    assert joined[0][0] == 200
    code, body = joined[1]
    assert code == 503 and json.loads(body)["detail"] == ui.BUSY_NOTICE


def test_a_waiting_question_is_told_its_place_then_answered(tmp_path, monkeypatch):
    import httpx

    with one_worker_held(tmp_path, monkeypatch, queue_size=8) as (server, fn_index, release):
        assert join_queue(server.url, fn_index, "waiting")[0] == 200
        with httpx.stream("GET", server.url + "/gradio_api/queue/data", params={"session_hash": "waiting"},
                          timeout=20) as stream:
            messages = (json.loads(line[5:]) for line in stream.iter_lines() if line.startswith("data:"))
            first = next(messages)
            assert first["msg"] == "estimation" and first["rank"] == 0  # the page shows "queue: 1/1"
            release.set()
            done = next(m for m in messages if m["msg"] == "process_completed")
    assert done["success"] and done["output"]["data"][0]["status"] == "answered"


@pytest.mark.parametrize("route", ["/gradio_api/run/ask", "/gradio_api/api/ask", "/gradio_api/run/rebuild"])
def test_a_queued_event_cannot_skip_the_queue(app_server, route):
    """Asked directly, /ask would run outside the queue: no limit on how many at once, and never 'busy'."""
    request = urllib.request.Request(app_server.url + route, data=json.dumps({"data": ["magnesium?"]}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 404 and b"join the queue" in refused.value.read()


def join_queue(url: str, fn_index: int, session: str) -> tuple[int, str]:
    body = json.dumps({"data": ["magnesium?"], "fn_index": fn_index, "session_hash": session, "event_data": None,
                       "trigger_id": None}).encode()
    request = urllib.request.Request(url + "/gradio_api/queue/join", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")
