#!/usr/bin/env python3
"""Attacks on a running hotline demo server, from outside (issue 12). Prints a table of attack, expected result and
result, and exits non-zero when any attack got further than it should.

Usage: BASE_URL=http://127.0.0.1:PORT SERVER_PID=PID python3 scripts/security.py
Only loopback addresses are attacked; every loop is bounded in count and time."""
from __future__ import annotations

import concurrent.futures as futures
import http.client
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.parse
import uuid

BASE = os.environ.get("BASE_URL", "http://127.0.0.1:8080").rstrip("/")
HOST, PORT = urllib.parse.urlsplit(BASE).hostname, urllib.parse.urlsplit(BASE).port
assert HOST in ("127.0.0.1", "localhost", "::1"), "attacks go to loopback only"
PASSWORD = os.environ.get("HOTLINE_DEMO_PASSWORD", "hotline2026")
RSS_LIMIT_MB = int(os.environ.get("SECURITY_RSS_LIMIT_MB", "400"))

rows: list[tuple[str, str, str, bool]] = []


def row(attack: str, expected: str, result: str, ok: bool) -> None:
    rows.append((attack, expected, result, ok))
    print(f"{'ok  ' if ok else 'FAIL'} {attack}: {result}", flush=True)


def request(method: str, path: str, body: bytes | None = None, headers: dict | None = None,
            timeout: float = 30) -> tuple[int, dict, bytes]:
    """One request; the answer's headers with every Set-Cookie kept (as `cookies`: name=value pairs)."""
    conn = http.client.HTTPConnection(HOST, PORT, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        res = conn.getresponse()
        data = res.read()
        head = {k.lower(): v for k, v in res.getheaders()}
        head["cookies"] = "; ".join(v.split(";")[0] for k, v in res.getheaders() if k.lower() == "set-cookie")
        return res.status, head, data
    finally:
        conn.close()


def from_address(address: str) -> dict:
    """The client address as a loopback proxy reports it: the server trusts X-Forwarded-For only from loopback, so the
    attacks of one phase do not throttle the sign-ins of the next."""
    return {"X-Forwarded-For": address}


def api(method: str, path: str, token: str | None = None, body: dict | None = None,
        headers: dict | None = None) -> tuple[int, dict, dict]:
    h = {"Content-Type": "application/json", **(headers or {})}
    if token:
        h["Authorization"] = f"Bearer {token}"
    status, head, data = request(method, "/api/v1" + path, json.dumps(body).encode() if body is not None else None, h)
    try:
        parsed = json.loads(data) if data else {}
    except ValueError:
        parsed = {"raw": data[:200].decode("utf-8", "replace")}
    return status, head, parsed


def token(username: str, password: str = PASSWORD) -> str:
    status, _, body = api("POST", "/auth/login", body={"username": username, "password": password},
                          headers=from_address("127.0.0.20"))
    assert status == 200, f"sign-in of {username}: {status} {body}"
    return body["token"]


# ---- 1. parallel brute force ----

def brute_force() -> None:
    target = "bnj.handler"
    attacker = from_address("127.0.0.66")
    def attempt(i: int) -> int:
        return api("POST", "/auth/login", body={"username": target, "password": f"wrong-{i}-password"}, headers=attacker)[0]
    with futures.ThreadPoolExecutor(40) as pool:
        statuses = list(pool.map(attempt, range(40)))
    allowed = sum(1 for s in statuses if s == 200)
    row("40 parallel wrong passwords for one account", "none succeeds (401/429)",
        f"{statuses.count(401)}×401, {statuses.count(429)}×429, {allowed}×200", allowed == 0)
    status = api("POST", "/auth/login", body={"username": target, "password": PASSWORD}, headers=attacker)[0]
    row("the right password straight after, same client", "refused (locked or throttled)", str(status), status in (401, 429))
    status = api("POST", "/auth/login", body={"username": target, "password": PASSWORD}, headers=from_address("127.0.0.67"))[0]
    row("the right password from another client", "refused (the account is locked)", str(status), status in (401, 429))
    other = from_address("127.0.0.68")
    unknown = api("POST", "/auth/login", body={"username": "no-such-user-" + uuid.uuid4().hex[:6], "password": "x" * 12}, headers=other)
    wrong = api("POST", "/auth/login", body={"username": "waz.handler", "password": "wrong-password-1"}, headers=other)
    row("unknown user vs wrong password", "the same answer",
        f"{unknown[0]} {unknown[2].get('code')} / {wrong[0]} {wrong[2].get('code')}",
        (unknown[0], unknown[2].get("code")) == (wrong[0], wrong[2].get("code")))


# ---- 2. big bodies without signing in, with the server's memory sampled ----

def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def big_bodies() -> None:
    pid = int(os.environ.get("SERVER_PID", "0"))
    size = 40 * 1024 * 1024
    chunk = b"\0" * (1024 * 1024)
    peak = [rss_mb(pid)]
    baseline = peak[0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb(pid))
            time.sleep(0.05)

    def send(path: str) -> str:
        boundary = "hotline" + uuid.uuid4().hex
        started = time.time()
        s = socket.create_connection((HOST, PORT), timeout=30)
        try:
            s.sendall((f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
                       f"Content-Length: {size}\r\nConnection: close\r\n\r\n").encode())
            sent = 0
            try:
                while sent < size and time.time() - started < 20:
                    s.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass  # the server answered and closed early: what we want
            s.settimeout(10)
            answer = b""
            try:
                while b"\r\n" not in answer:
                    part = s.recv(4096)
                    if not part:
                        break
                    answer += part
            except OSError:
                pass
            line = answer.split(b"\r\n", 1)[0].decode("latin-1")
            return f"{line.split(' ')[1] if ' ' in line else 'closed'}@{sent // (1024 * 1024)}MB"
        finally:
            s.close()

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    paths = ["/api/v1/photos"] * 10 + [f"/orders/{uuid.uuid4()}/reply"] * 10
    with futures.ThreadPoolExecutor(20) as pool:
        results = list(pool.map(send, paths))
    stop.set()
    sampler.join()
    codes = [r.split("@")[0] for r in results]
    refused = all(c in ("401", "303", "302", "413", "closed") for c in codes)
    row("20 clients × 40 MB multipart, not signed in", "401/redirect before the body is read",
        ", ".join(sorted(set(results)))[:120], refused and "200" not in codes)
    grew = peak[0] - baseline
    row("server memory during those uploads", f"RSS grows < {RSS_LIMIT_MB} MB",
        f"RSS {baseline:.0f} → peak {peak[0]:.0f} MB (+{grew:.0f})", pid == 0 or grew < RSS_LIMIT_MB)


# ---- 3. open redirect after sign-in ----

def open_redirect() -> None:
    for target in ["/\\evil.example", "//evil.example", "https://evil.example", "/%5Cevil.example",
                   "%2F%2Fevil.example", "/\\/evil.example", " //evil.example", "javascript:alert(1)"]:
        status, head, body = request("GET", "/login")
        cookie = head.get("cookies", "")
        csrf = re.search(rb'name="_csrf" value="([^"]+)"', body)
        form = {"username": "dispatcher", "password": PASSWORD, "next": target}
        if csrf:
            form["_csrf"] = csrf.group(1).decode()
        status, head, _ = request("POST", "/login", urllib.parse.urlencode(form).encode(),
                                  {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                                   "X-Forwarded-For": "127.0.0.30"})
        location = head.get("location", "")
        safe = location.startswith("/") and not location.startswith("//") and "\\" not in location and "evil" not in location
        row(f"sign-in with next={target!r}", "a same-site path", f"{status} Location: {location}", safe)


# ---- 4. security headers ----

def headers() -> None:
    for path in ["/login", "/api/v1/me", "/healthz"]:
        _, head, body = request("GET", path)
        csp = head.get("content-security-policy", "")
        ok = ("frame-ancestors" in csp and "unsafe-inline" not in csp.split("script-src")[-1].split(";")[0]
              and head.get("x-content-type-options") == "nosniff" and "referrer-policy" in head)
        row(f"headers of {path}", "CSP without inline script, frame-ancestors, nosniff, Referrer-Policy",
            f"CSP={csp[:60]}… nosniff={head.get('x-content-type-options')} referrer={head.get('referrer-policy')}", ok)
        if path == "/healthz":
            row("/healthz tells how many orders", "no count", body.decode()[:80], b"orders" not in body)


# ---- 5. cross-unit probes ----

def cross_unit() -> None:
    dispatcher = token("dispatcher")
    xiyuan = token("xiyuan.handler")
    other = token("zj.handler")
    status, _, queue = api("GET", "/queue", xiyuan)
    mine = [o["id"] for o in queue.get("items", [])]
    if not mine:
        row("cross-unit probes", "xiyuan has orders", "no order in the queue", False)
        return
    order = mine[0]
    status, _, _ = api("GET", f"/orders/{order}", other)
    row("another unit reads an order by id", "404", str(status), status == 404)
    status, _, _ = api("POST", f"/orders/{order}/sign", other, {})
    row("another unit signs it", "404", str(status), status == 404)
    status, _, _ = api("POST", f"/orders/{order}/requester", other, {"purpose": "联系诉求人"})
    row("another unit reveals the requester", "404", str(status), status == 404)
    # The reply check: a draft copied word for word from a closed order of another unit shows none of its text.
    _, _, board = api("GET", "/orders?state=closed&limit=50", dispatcher)
    foreign = next((o for o in board.get("items", []) if o.get("leadUnitName") not in (None, "西园街道")), None)
    if foreign:
        _, _, detail = api("GET", f"/orders/{foreign['id']}", dispatcher)
        reply = detail.get("reply") or {}
        draft = {k: reply.get(k) for k in ("truthfulness", "findings", "process", "result", "contact", "requesterAttitude",
                                           "visitKind", "visitedAt", "visitedBy")}
        draft.update({"beforePhotoIds": [], "afterPhotoIds": [], "photoWaiver": "现场照片已在台账留存"})
        status, _, check = api("POST", f"/orders/{order}/reply/check", xiyuan, draft)
        found = any(f.get("code") == "batch_reply" for f in check.get("findings", []))
        shown = [f.get("similarReply", {}) for f in check.get("findings", []) if f.get("similarReply")]
        leaked = any(x.get("text") or x.get("orderNumber") == foreign["number"] for x in shown)
        row("reply check against another unit's reply", "similarity only: no text, no order number",
            f"{status}, batch finding {found}, {'leaked' if leaked else 'nothing of it shown'}", status == 200 and not leaked)
    # Idempotency replay of a reveal by another user.
    key = "sec-" + uuid.uuid4().hex
    first = api("POST", f"/orders/{order}/requester", xiyuan, {"purpose": "联系诉求人"}, {"Idempotency-Key": key})
    mine_again = api("POST", f"/orders/{order}/requester", xiyuan, {"purpose": "联系诉求人"}, {"Idempotency-Key": key})
    replay = api("POST", f"/orders/{order}/requester", other, {"purpose": "联系诉求人"}, {"Idempotency-Key": key})
    leaked = first[0] == 200 and replay[0] == 200 and first[2].get("phone") and first[2].get("phone") == replay[2].get("phone")
    row("idempotency replay of a reveal by another unit", "refused, no personal data", f"{first[0]} then {replay[0]}", not leaked and replay[0] != 200)
    row("idempotency replay of a reveal by its owner", "revealed again (and logged), never from storage",
        f"{first[0]} then {mine_again[0]} replayed={mine_again[1].get('idempotent-replayed', 'no')}",
        mine_again[1].get("idempotent-replayed") != "true")
    # Measures drill-down into another unit's orders.
    _, _, units = api("GET", "/units", xiyuan)
    items = units if isinstance(units, list) else units.get("items", [])
    other_unit = next((u["id"] for u in items if u.get("name") == "白泥井镇"), None)
    foreign = other_unit
    if foreign:
        status, _, body = api("GET", f"/measures/orders?unit={foreign}&slice=dispatched", xiyuan)
        row("measures drill-down into another unit", "403/404 or empty", f"{status} {len(body.get('items', [])) if isinstance(body, dict) else '-'} items",
            status in (403, 404) or (isinstance(body, dict) and not body.get("items")))


# ---- 6. masking in text ----

def masking_in_text() -> None:
    dispatcher = token("dispatcher")
    viewer = token("leader")
    number = "SEC" + uuid.uuid4().hex[:8]
    phone = "13904771234"
    status, _, made = api("POST", "/orders", dispatcher, {
        "number": number, "requesterName": "张建国", "requesterPhone": phone, "requestType": "complaint",
        "title": "安全测试：路灯不亮", "content": f"我是张建国，电话139 0477 1234，也可拨0477-5296118找我，路灯坏了一周。",
        "address": "西园街道富民小区", "urgency": "normal"})
    if status not in (200, 201):
        row("masking in text", "order created", f"{status} {made}", False)
        return
    order = made["order"]["id"]
    _, _, seen = api("GET", f"/orders/{order}", viewer)
    blob = json.dumps(seen, ensure_ascii=False)
    # Masked forms keep the first three and last four digits (139****1234), as the phone field does.
    digits = re.sub(r"[\s\-]", "", blob)
    leaks = [s for s in ["13904771234", "张建国", "5296118"] if s in digits]  # the area code 0477 is not personal
    row("requester's phone and name inside the content, seen by a viewer", "masked",
        "leaks: " + ", ".join(leaks) if leaks else "masked", not leaks)


def main() -> int:
    for attack in (brute_force, big_bodies, open_redirect, headers, cross_unit, masking_in_text):
        try:
            attack()
        except Exception as error:  # an attack that crashed is a failure, with its reason
            row(attack.__name__, "runs", f"error: {error!r}"[:160], False)
    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'attack'.ljust(width)} | {'expected':<45} | result")
    print("-" * (width + 80))
    for attack, expected, result, ok in rows:
        print(f"{attack.ljust(width)} | {expected[:45]:<45} | {'✔' if ok else '✘'} {result}")
    failed = [r for r in rows if not r[3]]
    print(f"\n{len(rows) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
