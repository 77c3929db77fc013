#!/usr/bin/env python3
"""One engine of the fault test (scripts/chaos.sh runs it for each engine).

PostgreSQL: a fresh database on the chaos cluster, migrated and loaded with the demo once, three `hotline serve`
instances sharing it, a fake city and fake SMS/WeCom, a short sweep interval. Load from several workers spread over
the instances; during it kill -9 of a random instance every few seconds (restarted at once), one PostgreSQL restart,
one instance paused with SIGSTOP for longer than the outbox and notify leases, then SIGCONT. SQLite: one instance on
a file with concurrent writers (group commits), killed -9 several times and restarted. Then the checker.

Python 3 standard library (psycopg2 only to create the PostgreSQL database).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from client import AckLog, Cluster  # noqa: E402
from load import Stats, Worker, categories, sign_in_all  # noqa: E402

CITY_SECRET = "chaos-city-secret-0123456789"
LEASE = 20  # seconds: HOTLINE_CITY_LEASE and HOTLINE_NOTIFY_LEASE of the instances; the pause outlasts it
CHILDREN: list[subprocess.Popen] = []


def say(msg: str) -> None:
    print(f"[chaos {datetime.now():%H:%M:%S}] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port: int, path: str, timeout: float = 3) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def wait_ready(port: int, proc: subprocess.Popen | None, seconds: float, path: str = "/healthz") -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            if http_get(port, path, 1)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


class Instance:
    def __init__(self, n: int, port: int, binary: str, env: dict, work: Path):
        self.n, self.port, self.binary, self.env, self.work = n, port, binary, env, work
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        self.paused = False

    def start(self) -> None:
        log = open(self.work / f"instance-{self.n}.log", "ab")
        log.write(f"\n==== start {self.starts + 1} at {datetime.now().isoformat()}\n".encode())
        self.proc = subprocess.Popen([self.binary, "serve", "--hostname", "127.0.0.1", "--port", str(self.port)],
                                     env=self.env, cwd=self.work, stdout=log, stderr=subprocess.STDOUT)
        CHILDREN.append(self.proc)
        self.starts += 1

    def kill9(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            if self.paused:
                os.kill(self.proc.pid, signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_cmd(args: list[str], env: dict, cwd: Path, what: str) -> None:
    t = time.monotonic()
    p = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        say(f"{what} failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
        raise SystemExit(2)
    say(f"{what}: {time.monotonic() - t:.1f} s")


class Faults(threading.Thread):
    def __init__(self, args, instances: list[Instance], stop: threading.Event, t_end: float):
        super().__init__(name="faults", daemon=True)
        self.args, self.instances, self.stop, self.t_end = args, instances, stop, t_end
        self.kills = 0
        self.restarts_failed = 0
        self.pg_restarts = 0
        self.pauses: list[str] = []
        self.log: list[str] = []

    def note(self, msg: str) -> None:
        self.log.append(f"{datetime.now(timezone.utc).isoformat(timespec='seconds')} {msg}")
        say(msg)

    def restart(self, inst: Instance) -> None:
        inst.start()
        if not wait_ready(inst.port, inst.proc, 60):
            self.restarts_failed += 1
            self.note(f"instance {inst.n} did not come back within 60 s")

    def run(self) -> None:
        args = self.args
        start = time.monotonic()
        total = self.t_end - start
        pg_at = start + total * 0.45 if args.engine == "postgres" else None
        pause_at = start + min(5.0, total * 0.1) if args.engine == "postgres" and len(self.instances) > 1 else None
        pause_for = LEASE + 8
        paused: Instance | None = None
        pause_end = 0.0
        next_kill = start + random.uniform(2, args.kill_every)
        while not self.stop.is_set() and time.monotonic() < self.t_end:
            now = time.monotonic()
            if pause_at and now >= pause_at and paused is None:
                paused = random.choice(self.instances)
                os.kill(paused.proc.pid, signal.SIGSTOP)
                paused.paused = True
                pause_end = now + pause_for
                pause_at = None
                self.note(f"SIGSTOP instance {paused.n} (port {paused.port}) for {pause_for} s (leases {LEASE} s)")
            if paused is not None and now >= pause_end:
                os.kill(paused.proc.pid, signal.SIGCONT)
                paused.paused = False
                self.pauses.append(f"instance {paused.n} paused {pause_for} s")
                self.note(f"SIGCONT instance {paused.n}")
                paused = None
                pause_end = float("inf")
            if pg_at and now >= pg_at:
                pg_at = None
                self.note("PostgreSQL restart (pg_ctlcluster restart, fast mode)")
                t = time.monotonic()
                r = subprocess.run(["pg_ctlcluster", args.pg_version, args.pg_cluster, "restart", "-m", "fast"],
                                   capture_output=True, text=True)
                self.pg_restarts += r.returncode == 0
                self.note(f"PostgreSQL back after {time.monotonic() - t:.1f} s (exit {r.returncode} {r.stderr.strip()[:200]})")
            if now >= next_kill:
                candidates = [i for i in self.instances if not i.paused]
                if candidates:
                    victim = random.choice(candidates)
                    victim.kill9()
                    self.kills += 1
                    self.note(f"kill -9 instance {victim.n} (port {victim.port})")
                    self.restart(victim)
                next_kill = time.monotonic() + random.uniform(args.kill_every * 0.6, args.kill_every * 1.4)
            time.sleep(0.05)
        if paused is not None:
            os.kill(paused.proc.pid, signal.SIGCONT)
            paused.paused = False
            self.pauses.append(f"instance {paused.n} paused until the end")
            self.note(f"SIGCONT instance {paused.n} (end of run)")


def fake_state(city_port: int) -> dict:
    try:
        status, body = http_get(city_port, "/control/state", 5)
        return json.loads(body) if status == 200 else {}
    except (OSError, ValueError):
        return {}


def sms_page(sms_port: int) -> list[tuple[str, str]]:
    """(phone, text) of every SMS the fake gateway accepted, from its page."""
    import re
    import html
    try:
        _, body = http_get(sms_port, "/messages", 5)
    except OSError:
        return []
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body.decode(errors="replace"), re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        if len(cells) >= 3:
            rows.append((cells[1], cells[2]))
    return rows


def sms_double_sends(url: str, accepted: list[tuple[str, str]]) -> int:
    """SMS the fake gateway accepted beyond one per delivery the database marks sent, per phone number: a
    delivery sent twice (a worker killed or paused after sending, before recording it)."""
    from collections import Counter
    from check import DB
    try:
        db = DB(url)
        sent = Counter(r[0] for r in db.rows("SELECT recipient FROM notify_deliveries WHERE channel = 'sms' "
                                             "AND status IN ('sent', 'delivered')"))
    except Exception as e:  # reported, not fatal: the checker opens the database again
        say(f"could not count SMS deliveries: {e}")
        return -1
    got = Counter(phone for phone, _ in accepted)
    return sum(max(0, n - sent.get(phone, 0)) for phone, n in got.items())


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--engine", choices=["postgres", "sqlite"], required=True)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--bin", required=True)
    p.add_argument("--dev-bin")
    p.add_argument("--database-url", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--instances", type=int, default=3)
    p.add_argument("--workers", type=int, default=6)
    p.add_argument("--kill-every", type=float, default=4.0)
    p.add_argument("--pg-version", default="")
    p.add_argument("--pg-cluster", default="chaos")
    p.add_argument("--demo-orders", type=int, default=0)
    args = p.parse_args()

    work = Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    # Run copies: another build relinking .build/debug during the run must not break the restarts.
    import shutil
    (work / "bin").mkdir(exist_ok=True)
    source = Path(args.bin).resolve()

    def copy_working(src: Path, dst: Path) -> str:
        # A copy taken while a build relinks the file does not start: wait for the link to finish and copy again.
        for _ in range(60):
            shutil.copy2(src, dst)
            probe = subprocess.run([str(dst), "--help"], capture_output=True, timeout=60, cwd=dst.parent,
                                   env=dict(os.environ, DATABASE_URL=f"sqlite://{dst.parent}/probe.sqlite"))
            if probe.returncode == 0:
                return str(dst)
            time.sleep(2)
        raise SystemExit(f"chaos: {src} does not run")

    args.bin = copy_working(source, work / "bin" / "hotline")
    dev = Path(args.dev_bin).resolve() if args.dev_bin else source.with_name("hotline-dev")
    if dev.exists():
        args.dev_bin = copy_working(dev, work / "bin" / "hotline-dev")
    args.source_bin = str(source)
    acks_path = work / "acks.jsonl"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    base_env["DATABASE_URL"] = args.database_url
    base_env["HOTLINE_PHOTO_DIR"] = str(work / "photos")

    def cleanup(*_):
        for c in CHILDREN:
            if c.poll() is None:
                try:
                    os.kill(c.pid, signal.SIGCONT)
                    c.kill()
                except OSError:
                    pass
        if _:
            sys.exit(130)

    signal.signal(signal.SIGTERM, cleanup)
    signal.signal(signal.SIGINT, cleanup)
    try:
        return run(args, work, acks_path, base_env)
    finally:
        cleanup()


def run(args, work: Path, acks_path: Path, base_env: dict) -> int:
    say(f"{args.engine}: binary {args.source_bin} (run from a copy); {args.seconds:.0f} s of load; database {args.database_url}")
    run_cmd([args.bin, "migrate", "--yes"], base_env, work, "migrate")
    demo = [args.bin, "demo"] + (["--orders", str(args.demo_orders)] if args.demo_orders else [])
    run_cmd(demo, base_env, work, "demo data")

    city_port, sms_port, wecom_port = free_port(), free_port(), free_port()
    n = args.instances if args.engine == "postgres" else 1
    ports = [free_port() for _ in range(n)]
    fake_env = dict(base_env, DATABASE_URL=f"sqlite://{work / 'fakes.sqlite'}", HOTLINE_CITY_SECRET=CITY_SECRET)
    fakes_log = open(work / "fakes.log", "ab")
    city = subprocess.Popen([args.bin, "fake-city", "--port", str(city_port), "--banner", f"http://127.0.0.1:{ports[0]}",
                             "--secret", CITY_SECRET], env=fake_env, cwd=work, stdout=fakes_log, stderr=subprocess.STDOUT)
    CHILDREN.append(city)
    notify = subprocess.Popen([args.bin, "fake-notify", "--sms-port", str(sms_port), "--wecom-port", str(wecom_port)],
                              env=fake_env, cwd=work, stdout=fakes_log, stderr=subprocess.STDOUT)
    CHILDREN.append(notify)
    if not wait_ready(city_port, city, 60, "/control/state") or not wait_ready(sms_port, notify, 60, "/messages"):
        say("the fakes did not start; see fakes.log")
        return 2

    env = dict(base_env,
               HOTLINE_SWEEP_INTERVAL="2", HOTLINE_DISPATCH_TRAIN_HOURS="0", HOTLINE_DB_POOL="4",
               HOTLINE_CITY_URL=f"http://127.0.0.1:{city_port}", HOTLINE_CITY_SECRET=CITY_SECRET, HOTLINE_CITY_INTERVAL="1",
               HOTLINE_CITY_LEASE=str(LEASE), HOTLINE_NOTIFY_LEASE=str(LEASE),
               HOTLINE_SMS_URL=f"http://127.0.0.1:{sms_port}", HOTLINE_SMS_KEY_ID="LTAI-hotline-demo",
               HOTLINE_SMS_SECRET="demo-sms-secret-0123456789",
               HOTLINE_WECOM_URL=f"http://127.0.0.1:{wecom_port}", HOTLINE_WECOM_CORP_ID="ww-hotline-demo",
               HOTLINE_WECOM_SECRET="demo-wecom-secret-0123456789", HOTLINE_WECOM_AGENT_ID="1000002",
               HOTLINE_NOTIFY_INTERVAL="1", HOTLINE_QUIET_HOURS="off")
    instances = [Instance(i + 1, port, args.bin, env, work) for i, port in enumerate(ports)]
    for inst in instances:
        inst.start()
    for inst in instances:
        if not wait_ready(inst.port, inst.proc, 90):
            say(f"instance {inst.n} did not start; see {work}/instance-{inst.n}.log")
            return 2
    say(f"{len(instances)} instance(s) on ports {ports}; fake city {city_port}, SMS {sms_port}, WeCom {wecom_port}")

    cluster = Cluster(ports)
    log = AckLog(str(acks_path))
    stop = threading.Event()
    stats = Stats()
    sessions = sign_in_all(cluster, log, stop)
    cats = categories(sessions["dispatcher"])
    t_start = time.monotonic()
    t_end = t_start + args.seconds
    workers = [Worker(i, cluster, log, stop, stats, sessions, cats, seed=random.randrange(1 << 30)) for i in range(args.workers)]
    faults = Faults(args, instances, stop, t_end)
    for w in workers:
        w.start()
    faults.start()
    while time.monotonic() < t_end:
        time.sleep(0.5)
    stop.set()
    faults.join(90)
    for w in workers:
        w.join(60)
    stuck = [w.name for w in workers if w.is_alive()]
    log.close()
    say(f"load stopped after {time.monotonic() - t_start:.0f} s; {stats.orders} orders, {stats.closed} closed")
    # Let the last outbox and notify rounds run on the live instances before stopping them.
    time.sleep(3)
    city_state = fake_state(city_port)
    (work / "fake-city-state.json").write_text(json.dumps(city_state, ensure_ascii=False))
    sms = sms_page(sms_port)
    (work / "fake-sms.json").write_text(json.dumps(sms, ensure_ascii=False))
    for inst in instances:
        inst.stop()
    for c in (city, notify):
        c.terminate()
        try:
            c.wait(10)
        except subprocess.TimeoutExpired:
            c.kill()

    # What the run did.
    acked = sum(stats.acked.values())
    refused = sum(stats.refused.values())
    unknown = sum(stats.unknown.values())
    requests = sum(s.stats["requests"] for s in sessions.values())
    retries = sum(s.stats["retries"] for s in sessions.values())
    replays = sum(s.stats["replays"] for s in sessions.values())
    received = city_state.get("received", [])
    redelivered = sum(1 for r in received if r.get("deliveries", 1) > 1)
    violations = len(city_state.get("violations", []))
    sms_dups = sms_double_sends(args.database_url, sms)
    print()
    print(f"== run {args.engine}: {args.seconds:.0f} s, {len(instances)} instance(s), {args.workers} workers, binary {args.source_bin}")
    print(f"   actions acknowledged {acked} ({json.dumps(stats.acked, ensure_ascii=False)})")
    print(f"   refused by the rules {refused} ({json.dumps(stats.refused, ensure_ascii=False)})")
    print(f"   outcome unknown {unknown} ({json.dumps(stats.unknown, ensure_ascii=False)}); HTTP requests {requests}, "
          f"retries {retries}, idempotent replays {replays}")
    print(f"   faults: kill -9 {faults.kills}, failed restarts {faults.restarts_failed}, PostgreSQL restarts {faults.pg_restarts}, "
          f"pauses {faults.pauses or 'none'}")
    print(f"   fake city: {len(received)} messages, {redelivered} delivered more than once (same message id, at-least-once), "
          f"{violations} order violations; fake SMS: {len(sms)} accepted, {sms_dups} more than the deliveries the database marks sent (a delivery sent twice)")
    if stats.errors:
        print(f"   load script errors: {len(stats.errors)}, e.g. {stats.errors[:3]}")
    if stuck:
        print(f"   workers still running at the end: {stuck}")
    (work / "faults.log").write_text("\n".join(faults.log) + "\n")
    (work / "run.json").write_text(json.dumps({
        "engine": args.engine, "seconds": args.seconds, "acked": stats.acked, "refused": stats.refused,
        "unknown": stats.unknown, "kills": faults.kills, "pg_restarts": faults.pg_restarts, "pauses": faults.pauses,
        "city_messages": len(received), "city_redelivered": redelivered, "city_violations": violations,
        "sms": len(sms), "sms_repeats": sms_dups, "samples": stats.samples}, ensure_ascii=False, indent=1))

    cmd = [sys.executable, str(HERE / "check.py"), "--database-url", args.database_url, "--acks", str(acks_path),
           "--json", str(work / "check.json")]
    if args.dev_bin:
        cmd += ["--dev-bin", args.dev_bin]
    say("checker: " + " ".join(cmd))
    rc = subprocess.run(cmd).returncode
    problems = []
    if violations:
        problems.append(f"{violations} city order violations")
    if faults.restarts_failed:
        problems.append(f"{faults.restarts_failed} instance restarts failed")
    if acked == 0:
        problems.append("no action was acknowledged")
    if problems:
        print("   FAIL: " + "; ".join(problems))
        return 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
