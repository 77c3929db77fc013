"""The 考核 dashboard in a real Chromium (issue 6): at the desk the workstation's supervisor opens it, follows one
unit's 派单数 to the orders behind it and finds them listed (and openable); on a phone 西园街道's handler sees its own
figures without the page scrolling sideways."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

import web
from web import DESK, PHONE


def dispatched_links(driver) -> list:
    """The 派单数 links of the table that lead to at least one order."""
    return [a for a in driver.find_elements(By.CSS_SELECTOR, "#measure-table td[data-figure=dispatched] a")
            if a.text.strip() not in ("", "0")]


def follow(driver, link, path: str) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", link)
    link.click()
    web.wait(driver).until(EC.url_contains(path))
    web.loaded(driver)


def test_a_figure_on_the_dashboard_opens_the_orders_behind_it(people):
    d = people.get("supervisor", DESK)
    web.open_page(d, "/measures")
    assert web.text(d, "h1").startswith("全旗考核情况")
    assert d.find_elements(By.CSS_SELECTOR, "#chart-score svg .bar"), "the score ranking is drawn"
    assert d.find_elements(By.CSS_SELECTOR, "#chart-trend svg")
    links = dispatched_links(d)
    if not links:
        # On the first day of a month the demo may not have dispatched anything yet: last month has.
        follow(d, d.find_element(By.XPATH, "//nav[@class='period-switch']/a[normalize-space()='上月']"), "date=")
        links = dispatched_links(d)
    assert links, "no unit had orders dispatched this month or last"
    link = links[0]
    figure = int(link.text)
    unit = link.find_element(By.XPATH, "ancestor::tr/th").text.strip()

    follow(d, link, "/measures/orders")
    heading = web.text(d, "h1")
    assert unit in heading and "派单的工单" in heading
    items = d.find_elements(By.CSS_SELECTOR, "#drill-orders li.order")
    # An order dispatched twice to the same unit counts twice but is listed once.
    assert 1 <= len(items) <= figure, f"{len(items)} orders listed behind the figure {figure}"
    assert not d.find_elements(By.CSS_SELECTOR, ".alert.error")

    number = items[0].get_attribute("data-number")
    follow(d, items[0].find_element(By.TAG_NAME, "a"), "/orders/")
    assert number in web.text(d, ".order-head")


def test_a_unit_sees_its_own_dashboard_on_a_phone(people):
    h = people.get("xiyuan.handler", PHONE)
    web.open_page(h, "/measures")
    assert web.text(h, "h1").startswith("西园街道考核情况")
    assert "全旗" not in h.find_element(By.TAG_NAME, "main").text
    scroll, width = web.page_width(h)
    assert scroll <= width, f"the dashboard scrolls sideways on a {width} px phone: {web.horizontal_overflow(h)[:5]}"
