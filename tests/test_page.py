"""The chat page as a worried person meets it, in headless Chromium at desktop and phone sizes: each new answer
opens at its first line, an emergency notice is in view and announced, sources are named with their kind,
disagreements come first, axe-core finds nothing serious, the keyboard reaches every control.

Screenshots of an ordinary, an urgent, a not-found and a disagreeing answer at 1280 and 390 px go to
artifacts/screenshots/ (look at them).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from browsing import (
    DESKTOP,
    PHONE,
    SHOTS,
    ask,
    axe_violations,
    in_view,
    needs_browser,
    no_sideways_scroll,
    open_app,
    open_tab,
    screen,
    wait,
)
from mgqa import safety
from mgqa.answer import Answer, Claim, Disagreement
from mgqa.ui import EXAMPLES

pytestmark = needs_browser

ORDINARY = "How much magnesium do adults take each day?"
URGENT = "My husband's face is drooping on one side and his speech is slurred"
NOT_FOUND = "How do I fix a flat bicycle tyre?"
DISAGREEING = "What is the most magnesium I can safely take from supplements?"
# the words of a crisis read calm: a support line above an ordinary answer, no dose quoted (README: Emergency
# triage; tests/test_kb.py tests the policy). The fake model here has no triage: the answer is built by hand below
# from the fixture index's answer to FOODS, with the line the real triage gives.
SUPPORT = "I self-harmed years ago and I'm well now. Which foods have magnesium?"
FOODS = "Which foods are good sources of magnesium?"
SCREENS = {"desktop": DESKTOP, "phone": PHONE}
PUBLISHERS = [("Example County Health Department", "public_health"), ("Riverside Neurology Clinic", "clinic"),
              ("MagnaShop <b>Ltd</b>", "commercial")]


def disagreeing(answer: Answer) -> Answer:
    """The fixture library's answer with a publisher on each quote and two sources disagreeing on a figure, as
    the library work will fill it (built by hand here: this module tests the page, not the detection)."""
    quotes = tuple(replace(q, publisher=name, publisher_type=kind, promotional=kind == "commercial")
                   for q, (name, kind) in zip(answer.quotes, PUBLISHERS))
    claims = tuple(Claim(value, q.doc_id, q.publisher, q.publisher_type, i)
                   for i, (q, value) in enumerate(zip(quotes[:2], ("350 mg a day", "up to 420 mg a day"))))
    caution = safety.caution_note([(q.publisher, q.publisher_type) for q in quotes], strong=True)
    return replace(answer, question=DISAGREEING, quotes=quotes, caution=caution,
                   disagreements=(Disagreement("the most supplemental magnesium an adult should take", claims),))


@pytest.fixture(scope="module")
def page(browser, app_server):
    """The app, with DISAGREEING answered by a hand-built answer where the sources disagree, and SUPPORT with the
    support line the real triage gives it (tests/test_kb.py; the fake model here has no triage)."""
    library = app_server.library
    real_ask = library.ask
    hand_built = {DISAGREEING: lambda: disagreeing(real_ask(FOODS)),  # three documents quoted
                  SUPPORT: lambda: replace(real_ask(FOODS), question=SUPPORT, notice=safety.SUPPORT_LINE)}
    library.ask = lambda question: hand_built[question]() if question in hand_built else real_ask(question)
    open_app(browser, app_server.url)
    yield browser
    del library.ask


def first_line_at_top(driver, answer) -> bool:
    """The answer's first element is at the top of the visible chat (not scrolled past, not far below)."""
    return driver.execute_script(
        "const a = arguments[0].getBoundingClientRect().top;"
        "const c = document.querySelector('#mgqa-chat .bubble-wrap').getBoundingClientRect();"
        "return a >= c.top - 1 && a <= c.top + 60 && a >= 0 && a < innerHeight / 2", answer)


@pytest.mark.parametrize("size", SCREENS)
def test_a_new_answer_opens_at_its_first_line_not_at_its_end(page, app_server, size):
    with screen(page, *SCREENS[size]):
        open_app(page, app_server.url)
        answer = ask(page, ORDINARY)  # the first: the question and its answer fit, nothing to scroll
        assert in_view(page, answer.find_element("css selector", ".mgqa-caution"))
        for question in ("Which foods are good sources of magnesium?", ORDINARY, NOT_FOUND):  # a short one too
            answer = ask(page, question)
            assert first_line_at_top(page, answer) and in_view(page, answer.find_element("css selector", "*")), size
            if question != NOT_FOUND:
                assert in_view(page, answer.find_element("css selector", ".mgqa-quote")), size  # the best quote too


@pytest.mark.parametrize("size", SCREENS)
def test_an_urgent_notice_is_in_view_and_announced(page, app_server, size):
    with screen(page, *SCREENS[size]):
        open_app(page, app_server.url)
        ask(page, ORDINARY)
        answer = ask(page, URGENT)
        notice = answer.find_element("css selector", ".mgqa-notice-urgent")
        assert notice.get_attribute("role") == "alert"  # read out at once, whatever the screen reader is doing
        assert page.execute_script("return !!arguments[0].closest('[aria-live]')", notice)
        assert first_line_at_top(page, answer) and in_view(page, notice)
        assert page.execute_script("const r = arguments[0].getBoundingClientRect();"
                                   "return r.bottom <= innerHeight", notice), "the whole notice is on screen"


@pytest.mark.parametrize("size", SCREENS)
def test_a_support_line_comes_first_without_the_emergency_alarm(page, app_server, size):
    with screen(page, *SCREENS[size]):
        open_app(page, app_server.url)
        answer = ask(page, SUPPORT)
        notice = answer.find_element("css selector", ".mgqa-notice-answered")
        assert "988" in notice.text and "116 123" in notice.text
        assert in_view(page, notice) and first_line_at_top(page, answer)
        assert notice.get_attribute("role") != "alert"  # not announced as an emergency: it is not one
        quotes = answer.find_elements("css selector", "blockquote")
        assert quotes and notice.location["y"] < quotes[0].location["y"], "the line comes before the quotes"
        assert "Emergency" not in answer.text


def test_each_quote_names_its_publisher_and_kind_in_words(page, app_server):
    open_app(page, app_server.url)
    answer = ask(page, DISAGREEING)
    badges = [q.find_element("css selector", ".mgqa-source").text
              for q in answer.find_elements("css selector", ".mgqa-quote")]
    assert badges == ["Public health · Example County Health Department", "Clinic · Riverside Neurology Clinic",
                      "Seller · MagnaShop <b>Ltd</b>"]  # the markup in a publisher's name shows as characters
    assert "Promotional" in answer.find_elements("css selector", ".mgqa-quote")[2].text
    plain = ask(page, ORDINARY).find_element("css selector", ".mgqa-source").text
    assert plain == "Source type unknown · publisher not named"  # the fixtures say nothing of their publisher


@pytest.mark.parametrize("size", SCREENS)
def test_sources_disagree_comes_first_side_by_side_or_stacked(page, app_server, size):
    with screen(page, *SCREENS[size]):
        open_app(page, app_server.url)
        answer = ask(page, DISAGREEING)
        first = answer.find_element("css selector", "*")
        assert "mgqa-disagree" in first.get_attribute("class") and in_view(page, first)
        assert first.text.startswith("Sources disagree")
        sides = first.find_elements("css selector", ".mgqa-sides li")
        assert [s.text.split("\n")[0] for s in sides] == ["350 mg a day", "up to 420 mg a day"]
        assert sides[0].text.split("\n")[1:] == ["Public health · Example County Health Department", "in quote 1"]
        assert sides[1].text.split("\n")[1:] == ["Clinic · Riverside Neurology Clinic", "in quote 2"]
        (a, b) = (s.rect for s in sides)
        if size == "desktop":
            assert a["y"] == b["y"] and a["x"] + a["width"] <= b["x"], "side by side"
        else:
            assert a["y"] + a["height"] <= b["y"] and a["x"] == b["x"], "one above the other"
        assert no_sideways_scroll(page)


@pytest.mark.parametrize("size", SCREENS)
def test_screenshots_of_each_kind_of_answer(page, app_server, size):
    with screen(page, *SCREENS[size]):
        for kind, question in (("answer", ORDINARY), ("urgent", URGENT), ("not-found", NOT_FOUND),
                               ("disagree", DISAGREEING), ("support", SUPPORT)):
            open_app(page, app_server.url)
            answer = ask(page, question)
            assert in_view(page, answer.find_element("css selector", "*")) and no_sideways_scroll(page)
            page.save_screenshot(str(SHOTS / f"{kind}-{SCREENS[size][0]}.png"))


# ---------------------------------------------------------------- accessibility


@pytest.mark.parametrize("size", SCREENS)
def test_axe_finds_nothing_serious_on_any_page(page, app_server, size):
    found = {}
    with screen(page, *SCREENS[size]):
        open_app(page, app_server.url)
        found["landing"] = axe_violations(page)
        for name, question in (("answer", DISAGREEING), ("urgent", URGENT), ("not found", NOT_FOUND),
                               ("support", SUPPORT)):
            ask(page, question)
            found[name] = axe_violations(page)
        page.get(page.find_elements("css selector", ".mgqa-app-link")[-1].get_attribute("href"))
        wait(page).until(lambda d: d.find_element("css selector", "mark#passage"))
        found["source view"] = axe_violations(page)
        open_app(page, app_server.url)
        open_tab(page, "Knowledge base")
        wait(page).until(lambda d: d.find_element("css selector", "#mgqa-documents").is_displayed())
        found["knowledge base"] = axe_violations(page)
    assert not any(found.values()), {name: lines for name, lines in found.items() if lines}


def test_links_that_open_a_new_tab_say_so(page, app_server):
    open_app(page, app_server.url)
    links = ask(page, ORDINARY).find_elements("css selector", "a")
    assert links
    for link in links:
        assert link.get_attribute("target") == "_blank"
        assert "(opens in a new tab)" in link.get_attribute("textContent")


def focus_walk(driver, keys: tuple[str, ...], stop, limit: int = 30) -> list[tuple[str, object]]:
    """Press keys (Tab, or Shift+Tab) from the focused element until `stop(element)`; what got focus, by name."""
    reached = []
    for _ in range(limit):
        driver.switch_to.active_element.send_keys(*keys)
        element = driver.switch_to.active_element
        name = element.text.strip() or element.get_attribute("aria-label") or element.get_attribute("placeholder")
        reached.append((name or element.tag_name, element))
        if stop(element):
            break
    return reached


def test_every_control_works_from_the_keyboard(page, app_server):
    from selenium.webdriver.common.keys import Keys

    open_app(page, app_server.url)
    box = page.find_element("css selector", "#mgqa-question textarea")
    box.click()
    after = focus_walk(page, (Keys.TAB,), lambda e: e.text.strip() == "Clear")
    before = focus_walk(page, (Keys.SHIFT, Keys.TAB), lambda e: e.get_attribute("role") == "tab" and e.text == "Ask")
    names = [name for name, _ in before + after]
    for control in ("Ask", "Knowledge base", *EXAMPLES, "Clear"):
        assert control in names, (control, names)
    assert [name for name, e in before if e.get_attribute("role") == "tab"] == ["Knowledge base", "Ask"]

    kb_tab = next(e for name, e in before if name == "Knowledge base")
    kb_tab.send_keys(Keys.ENTER)
    wait(page, 5).until(lambda d: d.find_element("css selector", "#mgqa-documents").is_displayed())
    assert kb_tab.get_attribute("aria-selected") == "true"
    before[-1][1].send_keys(Keys.ENTER)
    wait(page, 5).until(lambda d: d.find_element("css selector", "#mgqa-question textarea").is_displayed())

    example = next(e for name, e in after if name == EXAMPLES[2])
    example.send_keys(Keys.ENTER)
    wait(page, 5).until(lambda d: box.get_attribute("value") == EXAMPLES[2])
    box.send_keys(Keys.ENTER)  # Enter in the question box asks it
    wait(page).until(lambda d: d.find_elements("css selector", ".mgqa-answer"))
    links = page.find_elements("css selector", ".mgqa-answer a")
    box.click()
    reached = focus_walk(page, (Keys.SHIFT, Keys.TAB), lambda e: e == links[0], limit=60)
    assert reached[-1][1] == links[0], "the answer's links are reached from the question box"


def test_the_phone_layout_works_with_one_thumb(page, app_server):
    with screen(page, *PHONE):
        open_app(page, app_server.url)
        page.execute_script("window.scrollTo(0, 0)")
        box = page.find_element("css selector", "#mgqa-question textarea")
        example = next(b for b in page.find_elements("css selector", "button") if "nerve damage" in b.text)
        height = page.execute_script("return innerHeight")
        assert box.rect["y"] + box.rect["height"] <= height and example.rect["y"] + example.rect["height"] <= height
        assert no_sideways_scroll(page)
        page.save_screenshot(str(SHOTS / "landing-390.png"))
        example.click()
        page.find_element("css selector", "#mgqa-ask").click()
        answer = wait(page).until(lambda d: d.find_elements("css selector", ".mgqa-answer"))[-1]
        quote = answer.find_element("css selector", ".mgqa-quote blockquote")
        assert quote.rect["x"] >= 0 and quote.rect["x"] + quote.rect["width"] <= PHONE[0]
        assert no_sideways_scroll(page)
        page.get(answer.find_element("css selector", ".mgqa-app-link").get_attribute("href"))
        mark = wait(page).until(lambda d: d.find_element("css selector", "mark#passage"))
        assert in_view(page, mark) and no_sideways_scroll(page)
        size = page.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 16
        page.save_screenshot(str(SHOTS / "source-view-390.png"))
