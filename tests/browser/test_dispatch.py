"""Dispatch suggestions and duplicates while the call is taken, in the browser (issue 15).

The dispatcher registers a call on the new-order form and dispatches it by choosing one of the suggested units (each
shown with its confidence and the reason behind it). The same person then calls again: while the call-taker types
the phone and the request, the earlier order appears as a likely duplicate, and one click registers the call and
merges it into that order before anyone dispatches it."""
from __future__ import annotations

import random
import time
from urllib.parse import urlparse

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import web
from web import DESK

RUN = time.strftime("%m%d%H%M%S") + f"{random.randint(0, 99):02d}"
PHONE_NUMBER = "139" + RUN[-8:]
ADDRESS = "西园街道金鹏社区金鹏小区12号楼"
CONTENT = f"金鹏小区12号楼2单元家里暖气不热，室温只有十四度，老人受冻，请尽快处理。（浏览器测试{RUN}）"
state: dict[str, str] = {}


def fill_new_order(driver, number: str, title: str, content: str) -> None:
    web.open_page(driver, "/orders/new")
    form = driver.find_element(By.ID, "new-order")
    form.find_element(By.NAME, "number").send_keys(number)
    form.find_element(By.NAME, "requesterName").send_keys("刘桂英")
    form.find_element(By.NAME, "requesterPhone").send_keys(PHONE_NUMBER)
    Select(form.find_element(By.NAME, "categoryId")).select_by_visible_text("供暖")
    form.find_element(By.NAME, "title").send_keys(title)
    form.find_element(By.NAME, "content").send_keys(content)
    form.find_element(By.NAME, "address").send_keys(ADDRESS)


def order_id(driver) -> str:
    return urlparse(driver.current_url).path.rsplit("/", 1)[-1]


@pytest.mark.incremental
class TestDispatchAndDuplicates:
    def test_the_dispatcher_takes_a_suggested_unit(self, people):
        d = people.get("dispatcher", DESK)
        fill_new_order(d, f"DS{RUN}1", "家里暖气不热", CONTENT)
        web.submit(d, d.find_element(By.CSS_SELECTOR, "#new-order button.primary"))
        assert "工单已登记" in web.flash(d)
        state["first"] = order_id(d)
        box = d.find_element(By.ID, "dispatch-suggestions")
        suggestions = box.find_elements(By.CSS_SELECTOR, "button.suggestion")
        assert 1 <= len(suggestions) <= 3
        assert "%" in suggestions[0].text
        assert box.find_elements(By.CSS_SELECTOR, "ul.muted li"), "each suggestion says why"
        chosen = suggestions[0]
        unit = chosen.get_attribute("data-unit")
        chosen.click()
        form = d.find_element(By.ID, "dispatch-form")
        select = Select(form.find_element(By.NAME, "leadUnitId"))
        assert select.first_selected_option.get_attribute("value") == unit
        name = select.first_selected_option.text
        web.submit(d, form.find_element(By.CSS_SELECTOR, "button.primary[type=submit]"))
        assert web.state(d) == "待签收"
        assert web.field(d, "主办单位") == name

    def test_a_repeat_call_is_found_while_typing_and_merged_before_dispatch(self, people):
        d = people.get("dispatcher", DESK)
        fill_new_order(d, f"DS{RUN}2", "暖气还是不热", CONTENT.replace("请尽快处理", "昨天已经反映过"))
        first = state["first"]
        item = web.wait(d).until(
            lambda drv: drv.find_element(By.CSS_SELECTOR, f"#draft-duplicates li[data-order='{first}']"),
            "the earlier order did not appear as a likely duplicate")
        assert "疑似重复诉求" in item.text
        web.submit(d, item.find_element(By.CSS_SELECTOR, "button.merge-into"))
        assert "并入主工单" in web.flash(d)
        assert web.state(d) == "已并单"
        assert not d.find_elements(By.ID, "dispatch-form")
