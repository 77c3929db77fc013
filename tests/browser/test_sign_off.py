"""Leader sign-off and 改派 in the browser (issue 11).

A 市长专线 order is set up over the JSON API as far as the handler's reply; the unit leader then signs the reply off on
the phone, and it reaches the workstation. A second order, signed long ago in spirit, is moved by the dispatcher to
the right unit with a reason (改派) and leaves the first unit's sight."""
from __future__ import annotations

import json
import random
import time
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

import web
from web import DESK, PHONE

UNIT = "西园街道"
OTHER_UNIT = "树林召镇"
HANDLER, LEADER, DISPATCHER = "xiyuan.handler", "xiyuan.leader", "dispatcher"
RUN = time.strftime("%m%d%H%M%S") + f"{random.randint(0, 99):02d}"
CST = timezone(timedelta(hours=8))


def api(method: str, path: str, token: str | None = None, body: dict | None = None) -> dict:
    request = urllib.request.Request(web.BASE_URL + "/api/v1" + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def token(username: str) -> str:
    return api("POST", "/auth/login", body={"username": username, "password": web.PASSWORD})["token"]


def unit_id(name: str, as_token: str) -> str:
    units = api("GET", "/units", as_token)
    items = units["items"] if isinstance(units, dict) and "items" in units else units
    return next(u["id"] for u in items if u["name"] == name)


def new_order(dispatcher: str, number: str, line: str) -> str:
    created = api("POST", "/orders", dispatcher, {
        "number": number, "requesterName": "王秀英", "requesterPhone": "13904775678", "requestType": "complaint",
        "title": f"浏览器测试{RUN}：小区门口积水", "content": "西园街道富民小区南门积水已三天，老人出行不便。",
        "address": "达拉特旗西园街道富民小区南门", "urgency": "normal", "specialLine": line})
    order_id = created["order"]["id"]
    api("POST", f"/orders/{order_id}/dispatch", dispatcher, {"leadUnitId": unit_id(UNIT, dispatcher)})
    return order_id


@pytest.fixture(scope="module")
def orders():
    dispatcher, handler = token(DISPATCHER), token(HANDLER)
    mayor = new_order(dispatcher, f"SO{RUN}1", "mayor")
    api("POST", f"/orders/{mayor}/sign", handler)
    visited = datetime.now(CST).isoformat(timespec="seconds")
    replied = api("POST", f"/orders/{mayor}/reply", handler, {
        "truthfulness": "verified",
        "findings": "经现场核实，富民小区南门排水井被落叶和泥沙堵塞，路面积水约20厘米，情况属实。",
        "process": "当日下午街道城建办组织环卫工3名疏通排水井2处，清出淤泥约半方，积水随即排净。",
        "result": "排水井已疏通，南门积水已排净，路面恢复通行，已安排每周巡查一次。",
        "contact": "疏通完成后当面告知诉求人王女士处理情况，并留下城建办联系电话。",
        "requesterAttitude": "王女士表示满意",
        "visitKind": "handleOnSite", "visitedAt": visited, "visitedBy": "西园街道城建办 王磊",
        "beforePhotoIds": [], "afterPhotoIds": [],
        "photoWaiver": "积水当日已排净，现场照片由城建办留存于纸质台账，手机未能拍摄上传。"})
    assert replied["order"]["state"] == "awaitingSignOff", replied["order"]["state"]
    wrong = new_order(dispatcher, f"SO{RUN}2", "none")
    api("POST", f"/orders/{wrong}/sign", handler)
    return {"mayor": mayor, "wrong": wrong}


def test_the_leader_signs_off_a_mayors_line_reply_on_the_phone(people, orders):
    leader = people.get(LEADER, PHONE)
    web.open_page(leader, f"/orders/{orders['mayor']}")
    assert web.state(leader) == "待领导审签"
    form = leader.find_element(By.ID, "sign-off-form")
    web.submit(leader, form.find_element(By.ID, "sign-off-approve"))
    assert "已审签" in web.flash(leader)
    assert web.state(leader) == "待审核"
    assert web.history_labels(leader)[0] == "回复"
    assert not leader.find_elements(By.ID, "sign-off-form")


def test_the_handler_cannot_sign_off(people, orders):
    handler = people.get(HANDLER, PHONE)
    web.open_page(handler, f"/orders/{orders['wrong']}")
    assert not handler.find_elements(By.ID, "sign-off-form")


def test_the_dispatcher_moves_a_wrongly_sent_order_with_a_reason(people, orders):
    dispatcher = people.get(DISPATCHER, DESK)
    web.open_page(dispatcher, f"/orders/{orders['wrong']}")
    assert web.state(dispatcher) == "办理中"
    form = dispatcher.find_element(By.ID, "redispatch-form")
    dispatcher.execute_script("arguments[0].closest('details').open = true;", form)
    Select(form.find_element(By.NAME, "leadUnitId")).select_by_visible_text(OTHER_UNIT)
    form.find_element(By.NAME, "reason").send_keys("派单有误：富民小区南门道路属树林召镇市政维护范围，改派树林召镇办理。")
    web.submit(dispatcher, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert web.flash(dispatcher) == "已改派"
    assert web.state(dispatcher) == "待签收"
    assert web.field(dispatcher, "主办单位") == OTHER_UNIT
    assert web.history_labels(dispatcher)[0] == "改派"
    handler = people.get(HANDLER, PHONE)
    web.open_page(handler, f"/orders/{orders['wrong']}")
    assert "未找到" in handler.page_source
