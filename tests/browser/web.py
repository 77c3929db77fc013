"""Helpers shared by the browser tests and the screenshot command: a headless system Chromium at phone or desk size,
sign-in, waiting for a form post to land, reading what an order page shows, and small valid PNG photos."""

from __future__ import annotations

import os
import struct
import uuid
import zlib
from dataclasses import dataclass

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8080").rstrip("/")
PASSWORD = os.environ.get("HOTLINE_DEMO_PASSWORD", "hotline2026")
CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
WAIT = float(os.environ.get("BROWSER_WAIT", "30"))

PHONE = {"width": 360, "height": 740, "mobile": True}
DESK = {"width": 1920, "height": 1080, "mobile": False}
PHONE_UA = ("Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Mobile Safari/537.36")


def new_browser(viewport: dict, pixel_ratio: float = 2.0) -> webdriver.Chrome:
    """A headless Chromium whose page viewport is exactly the given CSS size (phone: emulated touch device)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=zh-CN",
                "--disable-extensions", "--no-first-run", "--hide-scrollbars", "--force-color-profile=srgb"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    if viewport["mobile"]:
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": viewport["width"], "height": viewport["height"], "pixelRatio": pixel_ratio,
                              "touch": True, "mobile": True},
            "userAgent": PHONE_UA,
        })
    else:
        options.add_argument(f"--window-size={viewport['width']},{viewport['height']}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    if not viewport["mobile"]:
        # The window includes no browser chrome in headless mode, but pin the viewport anyway.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": viewport["width"], "height": viewport["height"], "deviceScaleFactor": 1, "mobile": False})
    driver.set_page_load_timeout(WAIT * 2)
    return driver


def wait(driver, timeout: float = WAIT) -> WebDriverWait:
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


def loaded(driver) -> None:
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def open_page(driver, path: str) -> None:
    driver.get(BASE_URL + path)
    loaded(driver)


def submit(driver, button: WebElement) -> None:
    """Clicks a submit button and waits until the browser has left the page and loaded the answer.

    The old page is marked and the wait is for a complete document without the mark; questions asked while the
    browser is between documents may fail ("Node … does not belong to the document"), which only means "not yet"."""
    mark = uuid.uuid4().hex
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); document.documentElement.dataset.left = arguments[1];",
                          button, mark)
    button.click()

    def arrived(d) -> bool:
        try:
            return d.execute_script("return document.readyState === 'complete' && document.documentElement.dataset.left !== arguments[0];", mark)
        except WebDriverException:
            return False

    wait(driver).until(arrived, "the form post did not lead to a new page (refused by the browser's own validation?)")


def login(driver, username: str, password: str = PASSWORD) -> None:
    open_page(driver, "/login")
    form = driver.find_element(By.CSS_SELECTOR, "form[action='/login']")
    form.find_element(By.NAME, "username").send_keys(username)
    form.find_element(By.NAME, "password").send_keys(password)
    submit(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    errors = driver.find_elements(By.CSS_SELECTOR, ".alert.error")
    assert not errors, f"sign-in as {username} refused: {errors[0].text}"
    wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, "header .who .user")))


def text(driver, css: str) -> str:
    return wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, css))).text.strip()


def state(driver) -> str:
    return text(driver, "#state")


def flash(driver) -> str:
    """The green message after an action; fails at once with the page's error message when it refused instead."""
    alert = wait(driver).until(EC.visibility_of_any_elements_located((By.CSS_SELECTOR, ".alert.ok, .alert.error")))[0]
    classes = alert.get_attribute("class").split()
    assert "ok" in classes, f"refused instead of done: {alert.text.strip()}"
    return alert.text.strip()


def error(driver) -> str:
    return text(driver, ".alert.error#error")


def history(driver) -> list[str]:
    """The order's history, newest first: each entry's label (the <strong>) and its whole text."""
    return [li.text for li in driver.find_elements(By.CSS_SELECTOR, "ol.history > li")]


def history_labels(driver) -> list[str]:
    return [s.text.strip() for s in driver.find_elements(By.CSS_SELECTOR, "ol.history > li > strong")]


def field(driver, label: str) -> str | None:
    """The value next to a <dt> in the order's field lists, or None when the page does not show it."""
    found = driver.find_elements(By.XPATH, f"//dl[contains(@class,'fields')]/dt[normalize-space()='{label}']"
                                           "/following-sibling::dd[1]")
    return found[0].text.strip() if found else None


def badges(driver) -> list[str]:
    return [b.text.strip() for b in driver.find_elements(By.CSS_SELECTOR, ".order-head .badge")]


def set_value(driver, element: WebElement, value: str) -> None:
    """Sets an input's value the way a person's picker would (datetime-local), firing input and change."""
    driver.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", element, value)


def horizontal_overflow(driver) -> list[str]:
    """Elements that stick out to the right of the viewport (what makes a phone page scroll sideways)."""
    return driver.execute_script("""
        const w = document.documentElement.clientWidth, out = [];
        for (const el of document.querySelectorAll('body *')) {
          const r = el.getBoundingClientRect();
          if (r.width > 0 && r.right > w + 1) {
            let inside = false;
            for (let p = el.parentElement; p; p = p.parentElement) {
              const s = getComputedStyle(p);
              if (['auto', 'scroll', 'hidden'].includes(s.overflowX)) { inside = true; break; }
            }
            if (!inside) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
              (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
              ' right=' + Math.round(r.right) + ' "' + (el.innerText || '').trim().slice(0, 30) + '"');
          }
        }
        return out;""")


def page_width(driver) -> tuple[int, int]:
    """(scrollWidth, viewport width) of the document."""
    return tuple(driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];"))


@dataclass
class Photo:
    path: str
    width: int
    height: int


def write_png(path: str, width: int, height: int, rgb: tuple[int, int, int]) -> Photo:
    """A real PNG (8-bit RGB, zlib-compressed, CRCs), a simple gradient over the given colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows += bytes(((rgb[0] + x * 2) % 256, (rgb[1] + y * 2) % 256, rgb[2]))
    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
           + chunk(b"IEND", b""))
    with open(path, "wb") as f:
        f.write(png)
    return Photo(path=os.path.abspath(path), width=width, height=height)
