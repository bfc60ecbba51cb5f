"""The web app: a chat page, the source view, a knowledge-base tab and the /ask API, on the public mgqa API.

Private by default: loopback only, no share link, no telemetry, no run history or monitoring page,
no flagging, and nothing a person asks is written to disk or kept in the browser.
"""

from __future__ import annotations

import html
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from mgqa import documents, formatting, page, store
from mgqa.access import UPLOAD_COOKIE, Gate, Guard, Throttle, client_address, password_ok
from mgqa.answer import Answer
from mgqa.batching import MicroBatcher
from mgqa.build import BuildError, BuildReport, build
from mgqa.documents import DocumentError
from mgqa.embedding import ModelError, load_embedder
from mgqa.kb import KnowledgeBase
from mgqa.settings import Settings
from mgqa.source_view import add_source_route
from mgqa.store import StoreError
from mgqa.uploads import UploadError, add_uploads, safe_filename

if TYPE_CHECKING:
    import fastapi
    import gradio as gr

log = logging.getLogger(__name__)
SET_UPLOAD_COOKIE = f"(t) => {{ if (t) document.cookie = '{UPLOAD_COOKIE}=' + t + '; path=/; SameSite=Strict'; }}"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
MAX_TURNS = 50  # questions kept in a chat: a session can't grow the server's memory without bound
# Questions answered at once: enough that the micro-batcher (batching.py) finds company for each question to
# embed with; the model and numpy release the GIL. scripts/load_test.py --clients 1,50,200 measures it.
ASK_CONCURRENCY = 16
# Events waiting in Gradio's queue beyond those running; one more is refused with BUSY_NOTICE (HTTP 503) at once,
# so a crowd can't grow the queue, and everyone's wait, without bound.
QUEUE_SIZE = 256
BUSY_NOTICE = "The app is busy answering other questions right now. Please try again in a moment."
# How often a waiting question hears its place in the queue. Gradio's default ("auto") tells every waiting question
# again each time one starts: with 50 waiting that was thousands of messages a second on the event loop.
QUEUE_UPDATE_SECONDS = 1.0
EXAMPLES = [
    "Can magnesium help repair nerve damage?",
    "Which forms of magnesium are best for nerve health?",
    "Which foods are good sources of magnesium?",
    "How much magnesium is safe to take each day?",
    "What are the signs of magnesium deficiency?",
]


class Library:
    """The live knowledge base, replaced whole after a rebuild so a question never sees half an index."""

    def __init__(self, kb: KnowledgeBase, settings: Settings) -> None:
        self.kb = kb
        self.settings = settings
        self._rebuilding = threading.Lock()
        self._reloading = threading.Lock()
        self._unusable: str | None = None  # a build that failed to load

    def ask(self, question: object) -> Answer:
        self.follow_index()
        return self.kb.ask(question)  # one read of self.kb: the old index answers until the new one is loaded

    def follow_index(self) -> bool:
        """Swap in a build that `mgqa build` made from a terminal while the app was running; True if it did.

        A failed load (say, the build was replaced again meanwhile) keeps the current index answering.
        """
        live = store.live_build(self.settings.index_dir)
        if live in (None, self.kb.data.build, self._unusable) or self._rebuilding.locked():
            return False
        if not self._reloading.acquire(blocking=False):
            return False  # another question is loading it; this one is answered from the current index
        try:
            self.kb = self._load_live()
            log.info("now answering from %s, built outside the app", self.kb.data.build)
            return True
        except (StoreError, ModelError) as err:
            self._unusable = live  # not retried on every question; the next build is
            log.warning("still answering from %s: the new build can't be loaded (%s)", self.kb.data.build, err)
            return False
        finally:
            self._reloading.release()

    def rebuild(self, uploads: Sequence[str] = (), progress: Callable[[float, str], None] | None = None,
                replace_existing: bool = False) -> tuple[BuildReport, list[str]]:
        """Add uploaded files to the documents folder, rebuild, then swap in the new index (same embedder).

        An upload the build skips (nothing to quote, over the passage limit) is taken out of the documents
        folder again, so it is not retried on every rebuild; the report's warnings say so.
        """
        if not self._rebuilding.acquire(blocking=False):
            raise BuildError("a rebuild is already running: wait for it to finish, then try again")
        try:
            added = add_uploads(uploads, self.settings.docs_dir, self.settings.max_file_bytes,
                                replace=replace_existing) if uploads else []
            report = build(self._settings(), embedder=self.kb.embedder, progress=progress)
            report = self._drop_skipped_uploads(report, [line.split(" ", 1)[0] for line in added])
            if report.changed:
                self.kb = self._load_live()
            return report, added
        finally:
            self._rebuilding.release()

    def _drop_skipped_uploads(self, report: BuildReport, names: list[str]) -> BuildReport:
        dropped = []
        for name in names:
            if name in report.skipped:
                (self.settings.docs_dir / name).unlink(missing_ok=True)
                dropped.append(f"{name} was taken out of the documents folder again: it was not indexed")
        return replace(report, warnings=report.warnings + tuple(dropped)) if dropped else report

    def _settings(self) -> Settings:
        return replace(self.settings, model=self.kb.embedder.model_id)  # the index must match the embedder

    def _load_live(self) -> KnowledgeBase:
        """The live build, read with the loaded model, ranking mode and thresholds: no model load, no drift."""
        settings, old = self._settings(), self.kb
        fresh = KnowledgeBase.load(settings.index_dir, settings=settings, embedder=old.embedder,
                                   mode=old.retriever.mode)
        fresh.coverage = old.coverage
        return fresh


# ---------------------------------------------------------------- the Gradio app


def _gradio():
    # Set before gradio is first imported: no usage telemetry, no version check against a server.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    # Gradio's queue keeps a log of recent events (function, session, timing) for its monitoring page and
    # rebuilds a pandas summary of it after every event. Monitoring is off here: keep one record, summarise never.
    os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(2**62))
    import gradio

    return gradio


def build_app(library: Library, admin_password: str | None = None, upload_token: str = "",
              throttle: Throttle | None = None, queue_size: int = QUEUE_SIZE) -> gr.Blocks:
    """The Blocks app: a chat tab and a knowledge-base tab; `ask` is its only public API endpoint."""
    gr = _gradio()
    throttle = throttle or Throttle()
    with gr.Blocks(title="Magnesium & nerve health: ask the documents", analytics_enabled=False,
                   delete_cache=(3600, 3600)) as demo:
        gr.Markdown("# Ask the documents about magnesium and nerve health\n"
                    "Answers are **quoted word for word** from the documents, with a link to each passage. "
                    "This is general information, not medical advice.", elem_id="mgqa-intro")
        gr.Markdown("**In an emergency** call your local emergency number (911 US/Canada, 999 UK, 112 EU). "
                    "**Thoughts of self-harm?** Call or text 988 (US) or call 116 123 (UK and Ireland).",
                    elem_id="mgqa-emergency-line")
        with gr.Tab("Ask"):
            _chat_tab(gr, library)
        with gr.Tab("Knowledge base"):
            info, table = _kb_tab(gr, library, admin_password, upload_token, throttle)

        def ask(question: str) -> dict:
            """Answer one question: verbatim quotes, a caution note and a status, as JSON."""
            return library.ask(question).to_dict()

        gr.api(ask, api_name="ask", concurrency_limit=ASK_CONCURRENCY, concurrency_id="ask")
        demo.load(lambda: _kb_facts(library), outputs=[info, table], api_visibility="private", queue=False)
    # Events not given their own limit run one by one. api_open=False: a queued event (/ask, the chat, a rebuild)
    # can't be run directly through /gradio_api/run/<name>, which would skip the queue, its limits and the busy answer.
    demo.queue(max_size=queue_size, default_concurrency_limit=1, api_open=False,
               status_update_rate=QUEUE_UPDATE_SECONDS)
    return demo


def _chat_tab(gr, library: Library) -> None:
    chatbot = gr.Chatbot(label="Conversation", show_label=False, elem_id="mgqa-chat", height=620, sanitize_html=True,
                         render_markdown=True, latex_delimiters=[], feedback_options=None, buttons=[],
                         allow_file_downloads=False, placeholder="Ask a question below, or pick an example.",
                         autoscroll=False)  # page.SCRIPT shows each new answer from its first line instead
    # The conversation is kept on the server, per browser session: the chat is only ever an output, so a client
    # can't send a crafted history (say, a "file" message naming a server path) for Gradio to process.
    history = gr.State([])
    with gr.Row(equal_height=True):
        question = gr.Textbox(label="Your question", show_label=False, container=False, elem_id="mgqa-question",
                              placeholder="Type your question, e.g. Can magnesium help with tingling feet?",
                              scale=6, lines=1, max_lines=4, autofocus=True)
        ask_button = gr.Button("Ask", variant="primary", elem_id="mgqa-ask", scale=1, min_width=90)
    with gr.Row():
        with gr.Column(scale=6):
            gr.Examples(EXAMPLES, inputs=question, label="Example questions", api_visibility="private")
        with gr.Column(scale=1, min_width=90):
            clear = gr.ClearButton([question, chatbot], value="Clear", elem_id="mgqa-clear", api_visibility="private")
    clear.click(lambda: [], None, history, api_visibility="private", queue=False)

    def respond(text: str, turns: list | None) -> tuple[str, list, list]:
        answer = library.ask(text)
        turns = list(turns or [])[-2 * MAX_TURNS + 2:] + [
            {"role": "user", "content": formatting.format_question(text)},
            {"role": "assistant", "content": formatting.format_answer(answer)}]
        return "", turns, turns

    for event in (question.submit, ask_button.click):
        event(respond, [question, history], [question, chatbot, history], api_visibility="private",
              concurrency_limit=ASK_CONCURRENCY, concurrency_id="ask")


def _kb_facts(library: Library) -> tuple[str, list[list[object]]]:
    library.follow_index()
    manifest = library.kb.manifest
    return formatting.index_summary(manifest), formatting.documents_table(manifest)


def _kb_tab(gr, library: Library, admin_password: str | None, upload_token: str, throttle: Throttle):
    summary, rows = _kb_facts(library)
    gr.Markdown("### The documents answers are quoted from")
    info = gr.HTML(summary, elem_id="mgqa-index")
    table = gr.Dataframe(rows, headers=["Title", "Publisher", "Type", "Source", "Passages", "sha256", "Indexed at"],
                         datatype=["str", "str", "str", "str", "number", "str", "str"], interactive=False, wrap=True,
                         elem_id="mgqa-documents", label="Indexed documents")
    command = f"mgqa build --index {library.settings.index_dir}"
    if not admin_password:
        gr.Markdown(f"### Add documents\n**Adding documents from this page is off.** To turn it on, start the app "
                    f"with the `MGQA_ADMIN_PASSWORD` environment variable set. Or add files to the documents folder "
                    f"(`{library.settings.docs_dir}`) and rebuild from a terminal; the next question is answered "
                    f"from the new index:\n\n"
                    f"```\n{command}\n```", elem_id="mgqa-admin-off")
        return info, table
    gr.Markdown("### Add documents\nFor the operator: unlock with the admin password, upload files, rebuild. "
                "The chat keeps answering from the current index until the new one is ready.")
    with gr.Row(equal_height=True):
        password = gr.Textbox(label="Admin password", type="password", elem_id="mgqa-password", scale=4)
        unlock = gr.Button("Unlock", elem_id="mgqa-unlock", scale=1)
    unlocked = gr.HTML(elem_id="mgqa-unlocked")
    with gr.Column(visible=False) as admin:
        settings = library.settings
        limit = f"up to {settings.max_file_bytes // 1_000_000} MB and {settings.max_passages:,} passages each"
        files = gr.File(label=f"Documents to add ({', '.join(documents.SUPPORTED)}; {limit})",
                        file_count="multiple", file_types=list(documents.SUPPORTED), type="filepath",
                        elem_id="mgqa-upload", height=160)
        replace_existing = gr.Checkbox(False, label="Replace documents with the same name (the old version is kept "
                                       "as a backup)", elem_id="mgqa-replace")
        rebuild = gr.Button("Add files and rebuild the index", variant="primary", elem_id="mgqa-rebuild")
        status = gr.HTML(elem_id="mgqa-status")  # HTML, every piece escaped: no markdown is applied to file text

    token = gr.Textbox(visible=False, elem_id="mgqa-upload-token")

    def checked(given: object, request: gr.Request | None) -> str | None:
        """None if the password is right; else the message to show (a wrong password, or wait: guessing)."""
        client = client_address(request) if request is not None else "unknown"
        wait = throttle.retry_after(client)
        if wait > 0:
            return f"<strong>Too many wrong passwords.</strong> Wait {int(wait) + 1} s, then try again."
        if password_ok(given, admin_password):
            throttle.succeeded(client)
            return None
        throttle.failed(client)
        return "<strong>Wrong password.</strong>"

    def on_unlock(given: str, request: gr.Request):
        refused = checked(given, request)
        if refused is None:
            return gr.update(visible=True), "Unlocked: add documents below, then rebuild.", upload_token
        return gr.update(visible=False), refused, ""

    def on_rebuild(given: str, uploads: list[str] | None, replace_them: bool, request: gr.Request,
                   progress=gr.Progress()):
        refused = checked(given, request)  # checked again: the button is not the lock
        if refused is not None:
            return f"{refused} Unlock again.", *_kb_facts(library), uploads
        names = [Path(upload).name for upload in uploads or []]
        try:
            report, added = library.rebuild(list(uploads or []), lambda f, m: progress(f, desc=m),
                                            replace_existing=bool(replace_them))
        except (UploadError, BuildError, StoreError, DocumentError, ModelError) as err:
            return rebuild_failed(str(err), names, library.settings.docs_dir), *_kb_facts(library), uploads
        except Exception:  # a person is waiting on this page: log the traceback, show a sentence
            log.exception("rebuild failed")
            return rebuild_failed("an unexpected error; see the server log", names, library.settings.docs_dir), \
                *_kb_facts(library), uploads
        return rebuild_done(report, added), *_kb_facts(library), None

    for handler in (on_unlock, on_rebuild):  # gradio finds the request by its type; `gr` is no module global here
        handler.__annotations__["request"] = gr.Request
    for unlocking in (unlock.click, password.submit):  # the token, in a cookie, is what lets uploads through
        unlocking(on_unlock, password, [admin, unlocked, token], api_visibility="private").then(
            None, token, None, js=SET_UPLOAD_COOKIE, api_visibility="private")
    # undocumented, not private: an operator's script may call it too, and the password guards it either way.
    # Not limited to one at a time here: Library.rebuild tells a second rebuild at once that one is running,
    # and a wrong password is answered at once instead of queueing behind a real rebuild.
    rebuild.click(on_rebuild, [password, files, replace_existing], [status, info, table, files], api_name="rebuild",
                  api_visibility="undocumented", concurrency_limit=4, concurrency_id="rebuild")
    return info, table


def rebuild_done(report: BuildReport, added: list[str]) -> str:
    """What a rebuild did, as escaped HTML: nothing from a file name or a document is interpreted."""
    lines = [f"<p><strong>Rebuilt:</strong> {html.escape(report.summary())}.</p>"]
    kept = [line for line in added if line.split(" ", 1)[0] not in report.skipped]
    if kept:
        lines.append(f"<p>Added: {html.escape('; '.join(kept))}.</p>")
    if refused := [line.split(" ", 1)[0] for line in added if line.split(" ", 1)[0] in report.skipped]:
        lines.append(f"<p>Not added (nothing to index, see below): {html.escape(', '.join(refused))}.</p>")
    if report.warnings:
        lines.append("<ul>" + "".join(f"<li>{html.escape(w)}</li>" for w in report.warnings) + "</ul>")
    return "".join(lines)


def rebuild_failed(reason: str, uploads: list[str], docs_dir: Path) -> str:
    """Why a rebuild failed and exactly where each upload is now, as escaped HTML."""
    where = []
    for name in uploads:
        try:
            kept = (Path(docs_dir) / safe_filename(name)).is_file()
        except UploadError:
            kept = False
        where.append(f"{name} is in the documents folder and will be indexed by the next rebuild" if kept
                     else f"{name} was not added")
    uploads_line = f"<p>{html.escape('; '.join(where))}.</p>" if where else ""
    return (f"<p><strong>Rebuild failed:</strong> {html.escape(reason)}</p>{uploads_line}"
            "<p>The previous index is still answering.</p>")


# ---------------------------------------------------------------- serving


def create_app(library: Library, admin_password: str | None = None, queue_size: int = QUEUE_SIZE
               ) -> fastapi.FastAPI:
    """FastAPI app serving /source/<doc_id> and the Gradio app (chat, KB tab, /ask) at the root.

    Uploads and rebuilds are on only with an admin password: given here, or the library's settings
    (MGQA_ADMIN_PASSWORD).
    """
    gr = _gradio()
    if admin_password is None:
        admin_password = library.settings.admin_password or None
    from fastapi import FastAPI

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    gate = Gate(admin_password)
    app.add_middleware(SayBusy)
    app.add_middleware(Guard, gate=gate)  # added last, runs first: its security headers go on every answer, busy too
    app.state.mgqa_throttle = gate.throttle
    add_source_route(app, lambda: library.kb.documents)  # before the mount: "/" would catch everything
    demo = build_app(library, admin_password, gate.token, gate.throttle, queue_size)
    app = gr.mount_gradio_app(
        app, demo, path="/", footer_links=["api"], run_history=False,
        show_error=False, enable_monitoring=False, mcp_server=False, ssr_mode=False, pwa=False,
        max_file_size=library.settings.max_file_bytes, theme=page.theme(gr), css=page.CSS, js=page.SCRIPT)
    # Gradio checks that a file named in a request was uploaded through it only once `launch()` has set this;
    # a mounted app never launches, and without the check any client could have any server file copied out.
    demo.has_launched = True
    return app


class SayBusy:
    """ASGI middleware: a full queue's refusal (HTTP 503 to a queue join) says in words what to do, not Gradio's
    queue sizes."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/queue/join"):
            await self.app(scope, receive, send)
            return
        refused = False

        async def sending(message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start" and message["status"] == 503:
                refused = True  # Gradio's own body is dropped; ours goes instead
                from starlette.responses import JSONResponse

                busy = JSONResponse({"detail": BUSY_NOTICE, "error": BUSY_NOTICE}, status_code=503,
                                    headers={"Retry-After": "1"})
                await send({"type": "http.response.start", "status": 503, "headers": busy.raw_headers})
                await send({"type": "http.response.body", "body": busy.body})
            elif not refused:
                await send(message)

        await self.app(scope, receive, sending)


def load_library(index_dir: str | Path | None = None, settings: Settings | None = None, embedder=None) -> Library:
    """Load the index named by settings (or index_dir); raises StoreError/ModelError with what to do."""
    settings = settings or Settings.from_env(index_dir=index_dir)
    # questions arriving together are embedded together (the batcher passes builds straight through)
    kb = KnowledgeBase.load(settings.index_dir, settings=settings,
                            embedder=MicroBatcher(embedder or load_embedder(settings)))
    kb.embedder.encode(["warm up"])  # load the model now, not on the first person's question
    return Library(kb, settings)


def serve(host: str | None = None, port: int | None = None, index_dir: str | Path | None = None) -> None:
    """Run the app until Ctrl+C: loopback 127.0.0.1:7860 unless given or MGQA_HOST / MGQA_PORT say otherwise."""
    import uvicorn

    settings = Settings.from_env(index_dir=index_dir, host=host, port=port)  # the one read of the environment
    host, port = settings.host, settings.port
    library = load_library(settings=settings)
    app = create_app(library)
    if host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("serving on %s: anyone who can reach this address can use the app", host)
    print(f"mgqa: serving {library.settings.index_dir} on http://{host}:{port} (Ctrl+C to stop)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


class BackgroundServer:
    """The app on a loopback port in a daemon thread: for tests, the load test and notebooks."""

    def __init__(self, app: fastapi.FastAPI, host: str = DEFAULT_HOST, port: int = 0) -> None:
        import uvicorn

        self.host, self.port = host, port or free_port(host)
        self.server = uvicorn.Server(uvicorn.Config(app, host=self.host, port=self.port, log_level="warning",
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run, name="mgqa-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the app did not start on {self.url}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def free_port(host: str = DEFAULT_HOST) -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
