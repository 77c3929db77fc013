"""Checks the Open311 GeoReport v2 endpoint of a running demo server (BASE_URL) with the PyPI client `georeport`
and plain `requests`; OPEN311_KEY is a key issued by `hotline open311-key issue`. Prints a table of checks and
exits 1 when any failed."""
import os
import sys
import uuid
import xml.etree.ElementTree as ET

import requests
from georeport import GeoReport

base = os.environ["BASE_URL"].rstrip("/")
key = os.environ.get("OPEN311_KEY", "")
root = base + "/open311/v2"
rows = []


def check(name, ok, detail=""):
    rows.append((name, bool(ok), str(detail)[:90]))


def run(name, fn):
    try:
        fn()
    except Exception as e:  # a check that raised has failed; the others still run
        check(name, False, f"{type(e).__name__}: {e}")


state = {}


def discovery():
    doc = requests.get(base + "/open311/discovery.json", timeout=30).json()
    spec = doc["endpoints"][0]["specification"]
    check("discovery.json names GeoReport v2", spec == "http://wiki.open311.org/GeoReport_v2", spec)
    xml = ET.fromstring(requests.get(base + "/open311/discovery.xml", timeout=30).content)
    check("discovery.xml parses", xml.tag == "discovery", xml.tag)


def services():
    client = GeoReport(root)
    listed = client.get_service_list()
    check("client: services.json", len(listed) > 0, f"{len(listed)} services")
    state["service"] = listed[0]
    definition = client.get_service_definition(listed[0]["service_code"])
    codes = [a["code"] for a in definition["attributes"]]
    check("client: service definition", "request_type" in codes, codes)
    xml_client = GeoReport(root, output_format="xml")
    xml_listed = xml_client.get_service_list()
    check("client: services.xml", len(xml_listed) == len(listed), f"{len(xml_listed)} services")


def post():
    if not key.startswith("o311_"):
        check("CLI issued a key", False, repr(key[:12]))
        return
    check("CLI issued a key", True, key[:9] + "…")
    marker = "CI-" + uuid.uuid4().hex[:8]
    form = {
        "api_key": key, "service_code": state["service"]["service_code"],
        "description": f"{marker} 树林召镇某小区门口路灯不亮，夜间出行不便，请尽快维修。",
        "lat": "39.83", "long": "109.98", "first_name": "小明", "last_name": "王", "phone": "13912345678",
        "attribute[request_type]": "complaint",
    }
    res = requests.post(root + "/requests.json", data=form, timeout=30)
    check("POST requests.json → 201", res.status_code == 201, f"{res.status_code} {res.text[:60]}")
    state["id"] = res.json()[0]["service_request_id"]
    bad = requests.post(root + "/requests.json", data={**form, "api_key": "o311_wrong"}, timeout=30)
    check("POST with a wrong key → 403", bad.status_code == 403 and bad.json()[0]["code"] == 403, bad.status_code)


def read_back():
    client = GeoReport(root)
    one = client.get_service_request(state["id"])
    check("client: requests/{id}.json", one["service_request_id"] == state["id"] and one["status"] == "open", one.get("status"))
    listed = client.get_service_requests(status="open")
    check("client: requests.json?status=open has it", any(r["service_request_id"] == state["id"] for r in listed), f"{len(listed)} open")
    text = requests.get(root + f"/requests.xml?service_request_id={state['id']}", timeout=30).text
    ET.fromstring(text.encode())
    check("no name or phone in the answers", "王小明" not in text and "13912345678" not in text and
          "13912345678" not in str(listed), "")


def dispatcher():
    login = requests.post(base + "/api/v1/auth/login", json={"username": "dispatcher", "password": "hotline2026"}, timeout=30)
    token = login.json()["token"]
    found, offset = False, 0
    while not found and offset < 2000:
        page = requests.get(base + f"/api/v1/queue?limit=200&offset={offset}",
                            headers={"Authorization": "Bearer " + token}, timeout=30).json()
        items = page["items"]
        found = any(o["id"].lower() == state["id"] for o in items)
        if len(items) < 200:
            break
        offset += 200
    check("dispatcher's queue (待派单) has it", found, state["id"])
    detail = requests.get(base + f"/api/v1/orders/{state['id']}", headers={"Authorization": "Bearer " + token},
                          timeout=30).json().get("order", {})
    check("order: channel open311, state received", detail.get("channel") == "open311" and detail.get("state") == "received",
          f"{detail.get('channel')} {detail.get('state')} {detail.get('number')}")


for name, fn in [("discovery", discovery), ("services", services), ("POST", post), ("read back", read_back),
                 ("dispatcher", dispatcher)]:
    if name in ("POST", "read back", "dispatcher") and ("service" not in state or (name != "POST" and "id" not in state)):
        check(name, False, "skipped: an earlier check failed")
        continue
    run(name, fn)

width = max(len(r[0]) for r in rows)
print(f"{'check'.ljust(width)}  result  detail")
for name, ok, detail in rows:
    print(f"{name.ljust(width)}  {'ok    ' if ok else 'FAILED'}  {detail}")
failed = sum(1 for r in rows if not r[1])
print(f"open311: {len(rows) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
