#!/usr/bin/env python3
"""Issue 16 part 5 against a real server process (run by scripts/metrics.sh).

1. /metrics: no token -> 401 {code, message}; the right token -> the text exposition, parsed by the PyPI
   prometheus-client parser (text_string_to_metric_families); the expected families are there, route labels are
   patterns, and the request histogram's counts grow between two scrapes.
2. Structured logs: every line the server wrote to stdout is one JSON object; X-Request-Id is echoed.
3. SIGTERM during a stream of writes: the server exits 0 and every write it acknowledged (201) is in the database.

Usage: metrics_check.py BINARY WORKDIR PORT. Prints a table; exits non-zero on any failure.
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

BIN, WORK, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
BASE = f"http://127.0.0.1:{PORT}"
TOKEN = os.environ["HOTLINE_METRICS_TOKEN"]
DB = os.path.join(WORK, "hotline.sqlite")
rows, failures = [], []


def check(name, ok, detail=""):
    rows.append((name, "ok" if ok else "FAIL", detail))
    if not ok:
        failures.append(name)


def call(method, path, body=None, token=None, headers=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, {k.lower(): v for k, v in res.headers.items()}, res.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode()


def families(text):
    return {f.name: f for f in text_string_to_metric_families(text)}


def request_counts(fams):
    fam = fams["hotline_http_request_duration_seconds"]
    return {(s.labels["method"], s.labels["route"], s.labels["status"]): s.value
            for s in fam.samples if s.name.endswith("_count")}


env = dict(os.environ, DATABASE_URL=f"sqlite://{DB}", HOTLINE_PHOTO_DIR=os.path.join(WORK, "photos"),
           HOTLINE_LOG_FORMAT="json", HOTLINE_SWEEP_INTERVAL="0", HOTLINE_NOTIFY_INTERVAL="0",
           HOTLINE_DISPATCH_TRAIN_HOURS="0")
log_path = os.path.join(WORK, "server.log")
log = open(log_path, "wb")
server = subprocess.Popen([BIN, "serve", "--hostname", "127.0.0.1", "--port", str(PORT)], env=env, stdout=log,
                          stderr=subprocess.STDOUT)
try:
    for _ in range(600):
        try:
            if call("GET", "/livez", timeout=2)[0] == 200:
                break
        except OSError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"server exited early with {server.returncode}: {open(log_path).read()[-2000:]}")
        time.sleep(0.2)

    # 1. Access.
    status, headers, body = call("GET", "/metrics")
    code = json.loads(body).get("code") if body.startswith("{") else None
    check("no token -> 401 metrics_unauthorized", status == 401 and code == "metrics_unauthorized", f"{status} {code}")
    status, _, _ = call("GET", "/metrics", token=TOKEN + "x")
    check("wrong token -> 401", status == 401, str(status))
    _, _, login = call("POST", "/api/v1/auth/login", {"username": "dispatcher", "password": "hotline2026"})
    session = json.loads(login)["token"]
    status, _, _ = call("GET", "/metrics", token=session)
    check("a signed-in user's token -> 401", status == 401, str(status))

    status, headers, first = call("GET", "/metrics", token=TOKEN)
    check("right token -> 200 text/plain", status == 200 and headers.get("content-type", "").startswith("text/plain"),
          f"{status} {headers.get('content-type')}")
    before = request_counts(families(first))

    # Some traffic: the queue, order details by many ids, unmatched paths, a request id.
    _, _, queue = call("GET", "/api/v1/queue", token=session)
    ids = [o["id"] for o in json.loads(queue).get("orders", json.loads(queue).get("items", []))][:10] \
        if queue.startswith("{") else []
    for oid in ids:
        call("GET", f"/api/v1/orders/{oid}", token=session)
    for i in range(25):
        call("GET", f"/api/v1/orders/00000000-0000-0000-0000-{i:012d}", token=session)
        call("GET", f"/nothing/here/{i}")
    status, headers, _ = call("GET", "/livez", headers={"X-Request-Id": "scrape-check-1"})
    check("X-Request-Id echoed", headers.get("x-request-id") == "scrape-check-1", headers.get("x-request-id", ""))
    status, headers, _ = call("GET", "/livez", headers={"X-Request-Id": "bad id<>"})
    check("odd X-Request-Id replaced", len(headers.get("x-request-id", "")) == 32, headers.get("x-request-id", ""))

    status, _, second = call("GET", "/metrics", token=TOKEN)
    fams = families(second)
    expected = ["hotline_http_request_duration_seconds", "hotline_db_write_transaction_duration_seconds",
                "hotline_db_write_wait_duration_seconds", "hotline_sqlite_group_commit_transactions",
                "hotline_sqlite_group_commit_duration_seconds", "hotline_write_gate_waiters",
                "hotline_sqlite_writer_pending", "hotline_notify_deliveries", "hotline_city_outbox_pending",
                "hotline_city_outbox_dead_letters", "hotline_orders_open", "hotline_orders_overdue",
                "hotline_orders_due_soon"]
    missing = [f for f in expected if f not in fams]
    check("expected families parsed", not missing, f"{len(fams)} families; missing {missing}")
    after = request_counts(fams)
    grew = {k: after[k] - before.get(k, 0) for k in after if after[k] > before.get(k, 0)}
    detail_key = ("GET", "/api/v1/orders/:orderID", "4xx")
    check("histogram counts grew", sum(grew.values()) >= 50 and grew.get(detail_key, 0) >= 25,
          f"+{int(sum(grew.values()))} requests; {detail_key[1]} 4xx +{int(grew.get(detail_key, 0))}")
    routes = {k[1] for k in after}
    check("route labels are patterns", all("0000-0000" not in r and "/nothing/here/" not in r for r in routes),
          f"{len(routes)} route series, e.g. {sorted(routes)[:3]}")
    open_total = sum(s.value for s in fams["hotline_orders_open"].samples)
    units = len({s.labels["unit_id"] for s in fams["hotline_orders_open"].samples})
    conn = sqlite3.connect(DB)
    db_open = conn.execute("SELECT COUNT(*) FROM orders WHERE state NOT IN ('closed','merged')").fetchone()[0]
    conn.close()
    check("open orders per unit add up", open_total == db_open, f"{int(open_total)} over {units} units; database {db_open}")

    # 3. SIGTERM during a stream of writes.
    acknowledged, errors, lock = [], [], threading.Lock()
    stop = threading.Event()

    def writer(n):
        i = 0
        while not stop.is_set():
            number = f"TERM-{n}-{i}"
            i += 1
            try:
                status, _, _ = call("POST", "/api/v1/orders", {
                    "number": number, "requesterName": "王先生", "requesterPhone": "13847710000",
                    "requestType": "complaint", "title": "停车位被占", "content": f"小区停车位被长期占用（{number}）。",
                    "address": "树林召镇建设街", "urgency": "urgent"}, token=session, timeout=15)
                with lock:
                    (acknowledged if status == 201 else errors).append((number, status))
            except OSError as e:
                with lock:
                    errors.append((number, type(e).__name__))
                time.sleep(0.01)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for _ in range(300):
        with lock:
            if len(acknowledged) >= 150:
                break
        time.sleep(0.02)
    # Mid-stream: the group commit's batch sizes and the write-transaction times under 8 concurrent writers.
    status, _, during = call("GET", "/metrics", token=TOKEN)
    fams = families(during)

    def hist(name):
        samples = fams[name].samples
        return (sum(x.value for x in samples if x.name == name + "_count"), sum(x.value for x in samples if x.name == name + "_sum"))
    batches, transactions = hist("hotline_sqlite_group_commit_transactions")
    writes, held = hist("hotline_db_write_transaction_duration_seconds")
    read = [x.value for x in fams["hotline_metrics_snapshot_read_seconds"].samples]
    check("group commit figures under load", batches > 0 and transactions >= batches,
          f"{int(transactions)} transactions in {int(batches)} commits (mean {transactions / max(batches, 1):.2f}); "
          f"write lock held {1000 * held / max(writes, 1):.2f} ms a write; snapshot read {1000 * read[0]:.1f} ms")
    with lock:
        at_term = len(acknowledged)
    server.send_signal(signal.SIGTERM)
    try:
        code = server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        code = "hung (killed)"
    stop.set()
    for t in threads:
        t.join()
    check("exit code 0 after SIGTERM", code == 0, f"exit {code}")
    conn = sqlite3.connect(DB)
    stored = {r[0] for r in conn.execute("SELECT number FROM orders WHERE number LIKE 'TERM-%'")}
    conn.close()
    lost = [n for n, _ in acknowledged if n not in stored]
    statuses = {}
    for _, s in errors:
        statuses[s] = statuses.get(s, 0) + 1
    check("every acknowledged write is stored", not lost and len(acknowledged) > 0,
          f"{len(acknowledged)} acknowledged ({at_term} before SIGTERM), {len(stored)} stored, lost {lost[:5]}; "
          f"refused or cut off: {statuses}")
    check("no server errors during shutdown", not any(s == 500 for _, s in errors), "")
finally:
    if server.poll() is None:
        server.kill()
        server.wait()
    log.close()

# 2. Every line the server wrote is one JSON object.
lines = [l for l in open(log_path, encoding="utf-8", errors="replace").read().splitlines() if l.strip()]
bad = []
for line in lines:
    try:
        obj = json.loads(line)
        if not {"time", "level", "message"} <= obj.keys():
            bad.append(line)
    except ValueError:
        bad.append(line)
check("server log is JSON lines", lines and not bad, f"{len(lines)} lines; not JSON: {bad[:2]}")

width = max(len(r[0]) for r in rows)
for name, result, detail in rows:
    print(f"{name:<{width}}  {result:<4}  {detail}")
print(f"{len(rows) - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
