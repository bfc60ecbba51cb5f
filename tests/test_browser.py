"""The app in headless Chromium: what a person sees, that nothing injected runs, and the operator's rebuild.

Screenshots go to artifacts/screenshots/ (look at them); with MGQA_UPDATE_README_SHOT=1 the real-model test also
refreshes docs/screenshot.png and docs/screenshot-phone.png (off by default: a test run leaves the work tree as
it found it).
"""

from __future__ import annotations

import os
import shutil

import pytest

from browsing import PHONE, ROOT, SHOTS, ask, in_view, needs_browser, open_app, open_tab, screen, wait
from fakes import write

pytestmark = needs_browser

XSS = ('<img src=x onerror="window.__xss=1;document.title=\'pwned\'">'
       "<script>window.__xss=2</script> does magnesium help nerves?")
NEW_DOC = ("Magnesium Threonate\n\n"
           "Magnesium threonate may cross the blood brain barrier better than other forms of magnesium.\n\n"
           'A careless editor pasted <img src=x onerror="window.__xss=3"> into this line about threonate.\n')


@pytest.fixture(scope="module")
def page(browser, app_server):
    open_app(browser, app_server.url)
    return browser


def test_the_emergency_numbers_are_in_view_before_any_question(page):
    line = page.find_element("css selector", "#mgqa-emergency-line")
    assert line.is_displayed() and all(number in line.text for number in ("911", "999", "112", "988"))
    assert line.location["y"] + line.size["height"] <= page.execute_script("return window.innerHeight")


def test_an_answer_shows_caution_quotes_highlight_and_links(page):
    answer = ask(page, "How much magnesium do adults take each day?")
    caution = answer.find_element("css selector", ".mgqa-caution")
    assert caution.is_displayed() and "not medical advice" in caution.text
    quote = answer.find_element("css selector", ".mgqa-quote")
    assert quote.find_element("css selector", "blockquote mark").text.strip()
    assert "Magnesium and Nerves" in quote.find_element("css selector", ".mgqa-where").text
    links = quote.find_elements("css selector", "a")
    assert links and all(a.get_attribute("target") == "_blank" for a in links)
    assert all("noopener" in a.get_attribute("rel") for a in links)
    assert any(a.get_attribute("href").startswith(page.current_url.rstrip("/") + "/source/") for a in links)
    page.save_screenshot(str(SHOTS / "answer.png"))


def test_an_emergency_opens_with_the_notice_before_anything_else(page):
    answer = ask(page, "My husband's face is drooping on one side and his speech is slurred")
    notice = answer.find_element("css selector", ".mgqa-notice-urgent")
    assert notice.is_displayed() and "emergency" in notice.text.lower()
    first = answer.find_element("css selector", "*")  # the first element of the answer
    assert "mgqa-notice-urgent" in (first.get_attribute("class") or "")
    page.save_screenshot(str(SHOTS / "urgent.png"))


def test_open_in_app_shows_the_whole_document_with_the_passage_in_view(page):
    if not page.find_elements("css selector", ".mgqa-answer .mgqa-app-link"):
        ask(page, "How much magnesium do adults take each day?")
    original = page.current_window_handle
    link = page.find_elements("css selector", ".mgqa-answer .mgqa-app-link")[-1]
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    wait(page).until(lambda d: len(d.window_handles) == 2)
    page.switch_to.window(next(h for h in page.window_handles if h != original))
    try:
        mark = wait(page).until(lambda d: d.find_element("css selector", "mark#passage"))
        assert mark.text.strip()
        assert page.execute_script("const r = arguments[0].getBoundingClientRect();"
                                   "return r.top >= 0 && r.bottom <= window.innerHeight", mark)
        page.save_screenshot(str(SHOTS / "source-view.png"))
    finally:
        page.close()
        page.switch_to.window(original)


def test_an_xss_question_runs_nothing_and_shows_literally(page):
    title = page.title
    ask(page, XSS)
    shown = page.find_elements("css selector", ".mgqa-question")[-1].text
    assert shown == XSS
    assert page.execute_script("return window.__xss") is None and page.title == title
    assert not page.find_elements("css selector", "#mgqa-chat img[src='x']")
    page.save_screenshot(str(SHOTS / "xss-question.png"))


def test_nothing_is_fetched_from_other_hosts_or_kept_in_browser_storage(page, app_server):
    names = page.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert names and all(n.startswith(app_server.url) for n in names), [n for n in names if app_server.url not in n]
    stored = page.execute_script("return JSON.stringify([{...localStorage}, {...sessionStorage}])")
    assert "magnesium" not in stored.lower() and "__xss" not in stored


def test_operator_uploads_a_document_rebuilds_and_the_chat_quotes_it(page, app_server, tmp_path):
    by = "css selector"
    open_tab(page, "Knowledge base")
    password = wait(page).until(lambda d: d.find_element(by, "#mgqa-password input"))
    password.send_keys(app_server.password)
    page.find_element(by, "#mgqa-unlock").click()
    upload = wait(page).until(lambda d: d.find_element(by, "#mgqa-upload input[type=file]"))
    upload.send_keys(str(write(tmp_path, "threonate.txt", NEW_DOC)))
    wait(page).until(lambda d: "threonate" in d.find_element(by, "#mgqa-upload").text)  # name, then size
    page.find_element(by, "#mgqa-rebuild").click()
    wait(page, 60).until(lambda d: "Rebuilt" in d.find_element(by, "#mgqa-status").text)
    assert "Magnesium Threonate" in page.find_element(by, "#mgqa-documents").text
    page.execute_script("document.querySelector('#mgqa-status').scrollIntoView({block: 'end'})")
    page.save_screenshot(str(SHOTS / "knowledge-base.png"))

    open_tab(page, "Ask")
    answer = ask(page, "Does magnesium threonate cross the blood brain barrier?")
    assert "Magnesium Threonate" in answer.find_element(by, ".mgqa-where").text
    assert page.execute_script("return window.__xss") is None
    assert not answer.find_elements(by, "img")
    text = answer.text
    if "onerror" in text:  # the pasted tag was quoted: it must read as characters
        assert '<img src=x onerror="window.__xss=3">' in text
    page.save_screenshot(str(SHOTS / "after-rebuild.png"))


@pytest.mark.model
def test_real_model_answer_for_the_readme(browser, real_settings, real_embedder):
    """The bundled index and the real model, as a person would use it: the README's desktop and phone screenshots."""
    from mgqa.kb import KnowledgeBase
    from mgqa.ui import BackgroundServer, Library, create_app

    library = Library(KnowledgeBase.load(settings=real_settings, embedder=real_embedder), real_settings)
    with BackgroundServer(create_app(library, admin_password="")) as server:
        for shot, size in (("real-model.png", (1280, 1150)), ("real-model-phone.png", PHONE)):
            with screen(browser, *size):
                open_app(browser, server.url)
                answer = ask(browser, "Can magnesium help repair nerve damage?")
                assert answer.find_elements("css selector", "blockquote mark")
                assert in_view(browser, answer.find_element("css selector", ".mgqa-caution"))
                browser.save_screenshot(str(SHOTS / shot))
    if os.environ.get("MGQA_UPDATE_README_SHOT") == "1":
        shutil.copyfile(SHOTS / "real-model.png", ROOT / "docs" / "screenshot.png")
        shutil.copyfile(SHOTS / "real-model-phone.png", ROOT / "docs" / "screenshot-phone.png")
