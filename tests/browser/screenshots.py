"""Saves full-page PNG screenshots of the main pages at phone (360 px) and desk (1920 px) widths for review.

Run by scripts/screenshots.sh against a server with the demo (BASE_URL). Writes OUT_DIR (default ./screenshots) and
a report.txt that lists, for each phone page, anything that makes it scroll sideways."""

from __future__ import annotations

import base64
import os
import sys
from datetime import datetime, timedelta, timezone

from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.dirname(__file__))
import web  # noqa: E402
from web import DESK, PHONE  # noqa: E402

OUT = os.environ.get("OUT_DIR", os.path.join(os.getcwd(), "screenshots"))
MAX_HEIGHT = int(os.environ.get("SCREENSHOT_MAX_HEIGHT", "6000"))  # CSS px; long lists are cut here
report: list[str] = []


def shoot(driver, name: str) -> None:
    """The whole page (up to MAX_HEIGHT), not only the viewport."""
    web.loaded(driver)
    driver.execute_script("document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager');")
    web.wait(driver).until(lambda d: d.execute_script(
        "return Array.from(document.images).every(i => i.complete);"))
    width, height = driver.execute_script(
        "return [document.documentElement.clientWidth, Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)];")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": min(height, MAX_HEIGHT), "scale": 1}})
    path = os.path.join(OUT, f"{name}.png")
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    scroll, viewport = web.page_width(driver)
    line = f"{name}.png  {driver.current_url.replace(web.BASE_URL, '')}  {viewport}×{min(height, MAX_HEIGHT)} css px"
    if height > MAX_HEIGHT:
        line += f" (page is {height} px, cut)"
    if scroll > viewport:
        line += f"\n    SCROLLS SIDEWAYS: {scroll} px wide on a {viewport} px screen; sticking out: " + \
                "; ".join(web.horizontal_overflow(driver)[:6])
    report.append(line)
    print(line, flush=True)


def first_order(driver, state: str | None = None) -> str | None:
    """Path of the first order in the current list, optionally the first in a given state."""
    for item in driver.find_elements(By.CSS_SELECTOR, "li.order"):
        if state is None or item.find_element(By.CSS_SELECTOR, ".state").text.strip() == state:
            return item.find_element(By.CSS_SELECTOR, "a").get_attribute("href").replace(web.BASE_URL, "")
    return None


def main() -> int:
    os.makedirs(OUT, exist_ok=True)
    browsers = []

    def browser(viewport, user=None):
        d = web.new_browser(viewport)
        browsers.append(d)
        if user:
            web.login(d, user)
        return d

    try:
        # Sign-in, both sizes, and a refused sign-in.
        for size, viewport in (("phone", PHONE), ("desk", DESK)):
            d = browser(viewport)
            web.open_page(d, "/login")
            shoot(d, f"login-{size}")
        d.find_element(By.NAME, "username").send_keys("no.such.person")
        d.find_element(By.NAME, "password").send_keys("not-the-password")
        web.submit(d, d.find_element(By.CSS_SELECTOR, "form[action='/login'] button"))
        shoot(d, "login-refused-desk")

        # The unit's handler on a phone: queue, an order to sign, an order in hand (reply form), inbox, directory.
        h = browser(PHONE, "xiyuan.handler")
        web.open_page(h, "/queue")
        shoot(h, "queue-handler-phone")
        handling = first_order(h, "办理中")
        to_sign = first_order(h, "待签收")
        if to_sign:
            web.open_page(h, to_sign)
            shoot(h, "order-to-sign-handler-phone")
        if handling:
            web.open_page(h, handling)
            shoot(h, "order-handler-phone")
            # A refused reply: the error and the kept input.
            form = h.find_element(By.ID, "reply-form") if h.find_elements(By.ID, "reply-form") else None
            if form is not None:
                # Every required field filled but no photo: the server refuses and keeps the text.
                for name, value in (("findings", "经现场核实，路灯两盏损坏，情况属实。"), ("process", "街道联系供电所更换灯具两套。"),
                                    ("result", "路灯已修复，夜间照明恢复正常。"), ("contact", "已电话联系诉求人说明处理情况。"),
                                    ("requesterAttitude", "诉求人表示满意"), ("visitedBy", "城建办 王磊")):
                    form.find_element(By.NAME, name).send_keys(value)
                # The visit now, in Dalad Banner's time: a visit before the order arrived would be refused as well.
                now = datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M")
                web.set_value(h, form.find_element(By.NAME, "visitedAt"), now)
                web.submit(h, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
                shoot(h, "order-reply-refused-handler-phone")
        web.open_page(h, "/inbox")
        shoot(h, "inbox-handler-phone")
        web.open_page(h, "/units")
        shoot(h, "units-phone")

        # The unit leader on a phone: the whole unit.
        leader = browser(PHONE, "xiyuan.leader")
        web.open_page(leader, "/orders")
        shoot(leader, "board-unit-leader-phone")

        # The workstation at the desk.
        r = browser(DESK, "reviewer")
        web.open_page(r, "/queue")
        shoot(r, "queue-reviewer-desk")
        replied = first_order(r, "待审核")
        if replied:
            web.open_page(r, replied)
            shoot(r, "order-reviewer-desk")

        disp = browser(DESK, "dispatcher")
        web.open_page(disp, "/orders")
        shoot(disp, "board-desk")
        web.open_page(disp, "/queue")
        shoot(disp, "queue-dispatcher-desk")
        received = first_order(disp, "待派单")
        if received:
            web.open_page(disp, received)
            shoot(disp, "order-dispatch-desk")
        web.open_page(disp, "/orders/new")
        shoot(disp, "new-order-desk")
        web.open_page(disp, "/inbox")
        shoot(disp, "inbox-desk")
        web.open_page(disp, "/units")
        shoot(disp, "units-desk")
        if replied:
            web.open_page(disp, replied + "/print")
            shoot(disp, "print-desk")

        admin = browser(DESK, "admin")
        web.open_page(admin, "/admin")
        shoot(admin, "admin-desk")
        admin_phone = browser(PHONE, "admin")
        web.open_page(admin_phone, "/admin")
        shoot(admin_phone, "admin-phone")
        web.open_page(admin_phone, "/orders")
        shoot(admin_phone, "board-phone")
    finally:
        for d in browsers:
            d.quit()
        with open(os.path.join(OUT, "report.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(report) + "\n")
    print(f"{len(report)} screenshots in {OUT} (see report.txt)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
