"""Driving the app in headless Chromium: the browser, asking a question, phone-sized screens and axe-core checks.

Shared by the browser test modules (test_browser.py, test_page.py); their fixtures are in conftest.py.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "artifacts" / "screenshots"
# scripts/setup.sh --test fetches it with npm; it is not committed (see the README, Development)
AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = (1280, 1000)
PHONE = (390, 844)  # a common phone's CSS pixels

needs_browser = [
    pytest.mark.browser,
    pytest.mark.skipif(not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
                       reason=f"needs Debian chromium and chromedriver at {CHROMIUM} and {CHROMEDRIVER} "
                              "(apt-get install chromium chromium-driver)"),
]


def start_chromium(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    return driver


def wait(driver, seconds: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds)


def open_app(driver, url: str) -> None:
    driver.get(url)
    wait(driver).until(lambda d: d.find_elements("css selector", "#mgqa-question textarea"))


def ask(driver, question: str):
    """Type a question, press Ask, return the new answer element once it is on the page and scrolled to."""
    by = "css selector"
    before = len(driver.find_elements(by, ".mgqa-answer"))
    box = driver.find_element(by, "#mgqa-question textarea")
    box.clear()
    box.send_keys(question)
    driver.find_element(by, "#mgqa-ask").click()
    wait(driver).until(lambda d: len(d.find_elements(by, ".mgqa-answer")) > before)
    time.sleep(0.4)  # the page brings the new answer into view on the next frame; let it settle
    return driver.find_elements(by, ".mgqa-answer")[-1]


def open_tab(driver, name: str) -> None:
    tab = next(b for b in driver.find_elements("css selector", "button[role=tab]") if name in b.text)
    tab.click()


@contextmanager
def screen(driver, width: int, height: int):
    """The page laid out as on a screen of this many CSS pixels (a phone: touch, its viewport meta honoured)."""
    phone = width < 700
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 2 if phone else 1,
                            "mobile": phone})
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": phone})
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": False})
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def in_view(driver, element) -> bool:
    """True if the element's top edge is on screen and it is not hidden by scrolling in the chat."""
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "const box = document.querySelector('#mgqa-chat .bubble-wrap');"
        "const c = box && box.contains(arguments[0]) ? box.getBoundingClientRect() : {top: 0, bottom: innerHeight};"
        "return r.top >= Math.max(0, c.top) - 1 && r.top < Math.min(innerHeight, c.bottom) - 20", element)


def axe_violations(driver, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's WCAG 2.1 A/AA and best-practice findings of these impacts, one line per element."""
    if not AXE.is_file():
        pytest.skip(f"axe-core is not fetched: run scripts/setup.sh --test (it needs npm) to get {AXE.name}")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then("
        "  r => done(r.violations.flatMap(v => v.nodes.map(n => [v.id, v.impact, n.target.join(' '),"
        "                                                        (n.failureSummary || '').split('\\n')[1] || '']))),"
        "  e => done([['axe-error', 'critical', String(e), '']]));")
    return [f"{rule} ({impact}) {target}: {why.strip()}" for rule, impact, target, why in found if impact in impacts]


def no_sideways_scroll(driver) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
