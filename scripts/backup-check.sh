#!/usr/bin/env bash
# Issue 16 §2 with real processes: a backup taken under load restores to a database that passes the fault test's
# checker (scripts/chaos/check.py), on each engine.
#
# For each engine: migrate and load the demo, serve it (SQLite: one `hotline serve`; PostgreSQL: two instances on
# one database), drive the fault test's load (scripts/chaos/load.py workers, every acknowledged answer logged),
# run `hotline backup --to DIR` in the middle of the load, let the load go on, stop; then `hotline restore` into a
# fresh database and photo folder (and once more into that now non-empty database, which must be refused with
# exit 1), and run the checker on the restored database with --acked-before the backup's start time: every action
# acknowledged before the backup began is there, once, with no two winners, no doubled reminder or outbox
# message, and measures equal to a rebuild.
#
#   scripts/backup-check.sh [seconds]       seconds of load per engine (default 20; the backup at the half)
#   BACKUP_CHECK_ENGINES=sqlite,postgres    engines (default both)
#   BACKUP_CHECK_BIN=path/to/hotline        binary (default .build/debug/hotline; hotline-dev beside it)
#   BACKUP_CHECK_WORK=dir                   logs, databases, backups (default a temp folder, kept on failure)
#
# PostgreSQL: the test cluster of scripts/postgres.sh (127.0.0.1:5432, user hotline); two databases are created
# and dropped. Exits non-zero when a backup, a restore or the checker fails.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
engines=${BACKUP_CHECK_ENGINES:-sqlite,postgres}
case "$seconds" in ''|*[!0-9]*) echo "backup-check: seconds must be a whole number, got '$seconds'" >&2; exit 2;; esac
[ "$seconds" -ge 6 ] || { echo "backup-check: at least 6 seconds of load" >&2; exit 2; }
for e in ${engines//,/ }; do
    case "$e" in postgres|sqlite) ;; *) echo "backup-check: unknown engine '$e' (sqlite, postgres)" >&2; exit 2;; esac
done
bin=$(realpath "${BACKUP_CHECK_BIN:-.build/debug/hotline}")
dev_bin=$(dirname "$bin")/hotline-dev
[ -x "$bin" ] && [ -x "$dev_bin" ] || { echo "backup-check: no $bin or $dev_bin; build first (swift build)" >&2; exit 2; }
[ -f scripts/chaos/load.py ] && [ -f scripts/chaos/check.py ] || { echo "backup-check: scripts/chaos (load.py, check.py) is missing" >&2; exit 2; }
work=${BACKUP_CHECK_WORK:-$(mktemp -d /tmp/hotline-backup-check.XXXXXX)}
mkdir -p "$work"
# Run copies, so that another build relinking .build/debug meanwhile changes nothing here.
mkdir -p "$work/bin"
cp "$bin" "$work/bin/hotline"; cp "$dev_bin" "$work/bin/hotline-dev"
bin=$work/bin/hotline; dev_bin=$work/bin/hotline-dev
echo "== backup-check: $seconds s of load per engine ($engines); work in $work"

py=python3
pg_dbs=()
cleanup() {
    local rc=$?
    for db in "${pg_dbs[@]}"; do
        su postgres -c "psql -qc 'DROP DATABASE IF EXISTS $db WITH (FORCE)'" >/dev/null 2>&1 || true
    done
    exit $rc
}
trap cleanup EXIT INT TERM

status=0
for engine in ${engines//,/ }; do
    dir="$work/$engine"
    rm -rf "$dir"; mkdir -p "$dir"
    if [ "$engine" = postgres ]; then
        bash scripts/postgres.sh >/dev/null
        if ! $py -c 'import psycopg2' 2>/dev/null; then
            if /usr/bin/python3 -c 'import psycopg2' 2>/dev/null; then py=/usr/bin/python3
            else DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-psycopg2 >/dev/null; py=/usr/bin/python3; fi
        fi
        stamp=$(date +%Y%m%d%H%M%S)
        live_db="backup_live_$stamp"; restored_db="backup_restored_$stamp"
        for db in "$live_db" "$restored_db"; do
            su postgres -c "psql -qc 'CREATE DATABASE $db OWNER hotline'" >/dev/null
            pg_dbs+=("$db")
        done
        live="postgres://hotline:hotline@127.0.0.1:5432/$live_db"
        restored="postgres://hotline:hotline@127.0.0.1:5432/$restored_db"
        instances=2
    else
        live="sqlite://$dir/live.sqlite"
        restored="sqlite://$dir/restored.sqlite"
        instances=1
    fi
    if "$py" - "$engine" "$bin" "$dev_bin" "$live" "$restored" "$dir" "$seconds" "$instances" <<'PYTHON'
import json, os, re, signal, socket, subprocess, sys, threading, time
from datetime import datetime, timezone
from pathlib import Path

engine, binary, dev_bin, live, restored, work, seconds, instances = sys.argv[1:9]
seconds, instances, work = float(seconds), int(instances), Path(work)
sys.path.insert(0, str(Path("scripts/chaos").resolve()))
from client import AckLog, Cluster  # noqa: E402  (the fault test's client and load, used as they are)
from client import Session  # noqa: E402
from load import PASSWORD, Stats, Worker, categories, sign_in_all  # noqa: E402

def say(msg):
    print(f"[backup-check {engine} {datetime.now():%H:%M:%S}] {msg}", flush=True)

base = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
live_env = dict(base, DATABASE_URL=live, HOTLINE_PHOTO_DIR=str(work / "photos"))
restored_env = dict(base, DATABASE_URL=restored, HOTLINE_PHOTO_DIR=str(work / "restored-photos"))

def run(args, env, what, expect=0):
    p = subprocess.run([binary] + args, env=env, cwd=work, capture_output=True, text=True)
    if p.returncode != expect:
        say(f"{what}: exit {p.returncode} (expected {expect})\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
        raise SystemExit(1)
    return p

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def ready(port, proc, limit=90):
    import http.client
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False

def png(seed):
    """A small, valid PNG (the app decodes what it stores), different for every seed."""
    import struct, zlib
    w, h = 24, 16
    raw = b"".join(b"\x00" + bytes((x * 7 + y * 3 + seed) % 256 for x in range(w * 3)) for y in range(h))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

class Photos(threading.Thread):
    """Handlers upload photos to orders of their queue over the API (the load itself waives photos), logging each
    acknowledged upload's photo id and answer time."""
    def __init__(self, cluster, stop, towns):
        super().__init__(name="photos", daemon=True)
        self.cluster, self.stop, self.towns = cluster, stop, towns
        self.acked, self.refused, self.errors = [], 0, []

    def upload(self, s, order_id, seed):
        import http.client, uuid
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in (("orderId", order_id), ("tag", "before")):
            parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode())
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.png\"\r\n"
                     "Content-Type: image/png\r\n\r\n".encode() + png(seed) + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        c = http.client.HTTPConnection("127.0.0.1", self.cluster.pick(), timeout=15)
        try:
            c.request("POST", "/api/v1/photos", body=body, headers={
                "Authorization": f"Bearer {s.token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
            r = c.getresponse()
            return r.status, json.loads(r.read() or b"{}")
        finally:
            c.close()

    def run(self):
        sessions = []
        for town in self.towns:
            s = Session(self.cluster, f"{town}.handler", PASSWORD, None, self.stop)
            s.sign_in()
            sessions.append(s)
        seed = 0
        while not self.stop.is_set():
            for s in sessions:
                try:
                    items = s.get("/api/v1/queue?limit=20").get("items", [])
                    for item in items[:2]:
                        seed += 1
                        status, body = self.upload(s, item["id"], seed)
                        if status == 201:
                            self.acked.append((body["id"].lower(), datetime.now(timezone.utc)))
                        else:
                            self.refused += 1
                except Exception as e:  # noqa: BLE001 - counted and shown, the run goes on
                    self.errors.append(repr(e)[:200])
                time.sleep(0.05)

def restored_photos():
    """(id, storage_key, byte_size) of every photo row in the restored database."""
    if restored.startswith("sqlite://"):
        import sqlite3
        con = sqlite3.connect(restored[len("sqlite://"):])
        rows = con.execute("SELECT id, storage_key, byte_size FROM photos").fetchall()
        con.close()
    else:
        import psycopg2
        con = psycopg2.connect(restored)
        cur = con.cursor()
        cur.execute("SELECT id::text, storage_key, byte_size FROM photos")
        rows = cur.fetchall()
        con.close()
    return [(str(r[0]).lower(), r[1], r[2]) for r in rows]

run(["migrate", "--yes"], live_env, "migrate")
run(["demo", "--orders", "80"], live_env, "demo")
ports = [free_port() for _ in range(instances)]
serve_env = dict(live_env, HOTLINE_SWEEP_INTERVAL="2", HOTLINE_DISPATCH_TRAIN_HOURS="0", HOTLINE_DB_POOL="4")
procs = []
for i, port in enumerate(ports):
    log = open(work / f"instance-{i + 1}.log", "ab")
    procs.append(subprocess.Popen([binary, "serve", "--hostname", "127.0.0.1", "--port", str(port)],
                                  env=serve_env, cwd=work, stdout=log, stderr=subprocess.STDOUT))
try:
    for port, proc in zip(ports, procs):
        if not ready(port, proc):
            say(f"instance on {port} did not start; see {work}/instance-*.log")
            raise SystemExit(1)
    acks = work / "acks.jsonl"
    log, stop, stats = AckLog(str(acks)), threading.Event(), Stats()
    cluster = Cluster(ports)
    sessions = sign_in_all(cluster, log, stop)
    cats = categories(sessions["dispatcher"])
    workers = [Worker(i, cluster, log, stop, stats, sessions, cats, seed=1000 + i) for i in range(4)]
    photos = Photos(cluster, stop, ["slz", "bnj"])
    for w in workers + [photos]:
        w.start()
    time.sleep(seconds / 2)
    acked_at_backup = sum(stats.acked.values())
    t = time.monotonic()
    p = run(["backup", "--to", str(work / "backup")], live_env, "backup under load")
    took = time.monotonic() - t
    started = re.search(r"started_at=(\S+)", p.stdout)
    if not started:
        say("backup printed no started_at line:\n" + p.stdout)
        raise SystemExit(1)
    started_at = started.group(1)
    say(f"backup took {took:.1f} s while the load ran; snapshot at {started_at}; {acked_at_backup} actions acknowledged before it was asked for")
    time.sleep(seconds / 2)
    stop.set()
    for w in workers + [photos]:
        w.join(60)
    log.close()
finally:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()

lines = [json.loads(l) for l in acks.read_text(encoding="utf-8").splitlines() if l.strip()]
answered = [l for l in lines if l.get("outcome") == "ack"]
before = sum(1 for l in answered if l.get("answered", "") < started_at.replace("Z", "+00:00"))
say(f"acks: {len(answered)} in all, {before} answered before the snapshot, {len(answered) - before} after it")
if len(answered) - before == 0:
    say("no action was acknowledged after the snapshot: the backup was not taken under load")
    raise SystemExit(1)

manifest = json.loads((work / "backup" / "manifest.json").read_text())
say(f"backup: {manifest['tables'].get('orders')} orders, {len(manifest['files'])} files, engine {manifest['engineVersion']}")
p = run(["restore", "--from", str(work / "backup")], restored_env, "restore into a fresh database")
say("restore: " + " | ".join(p.stdout.strip().splitlines()))
p = run(["restore", "--from", str(work / "backup")], restored_env, "restore into the now non-empty database", expect=1)
say("restore again (must be refused): " + (p.stderr + p.stdout).strip().splitlines()[0])

# The photos: every upload answered before the snapshot is restored, and every restored row has its file, whole.
snapshot = datetime.fromisoformat(started_at.replace("Z", "+00:00"))
rows = restored_photos()
ids = {r[0] for r in rows}
lost = [pid for pid, at in photos.acked if at < snapshot and pid not in ids]
files = [r for r in rows if not (work / "restored-photos" / r[1]).is_file()
         or (work / "restored-photos" / r[1]).stat().st_size != r[2]]
say(f"photos: {len(photos.acked)} uploads acknowledged ({sum(1 for _, at in photos.acked if at < snapshot)} before the snapshot), "
    f"{photos.refused} refused, {len(photos.errors)} errors {photos.errors[:2]}; restored rows {len(rows)}, "
    f"acknowledged before the snapshot but missing {len(lost)}, rows without their file {len(files)}")
if lost or files or not rows:
    say("FAIL: photos lost, a restored photo row without its file, or no photo in the backup")
    raise SystemExit(1)

cmd = [sys.executable, "scripts/chaos/check.py", "--database-url", restored, "--acks", str(acks),
       "--acked-before", started_at, "--dev-bin", dev_bin, "--json", str(work / "check.json")]
say("checker: " + " ".join(cmd))
sys.exit(subprocess.run(cmd).returncode)
PYTHON
    then
        echo "== backup-check $engine: passed"
    else
        echo "== backup-check $engine: FAILED; logs in $dir"
        status=1
    fi
done
exit $status
