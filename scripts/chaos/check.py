#!/usr/bin/env python3
"""Compares a hotline database with the fault test's log of acknowledged answers.

Command line (stable; other scripts call it):

    check.py --database-url URL --acks LOG [--acked-before ISO-TIME] [--dev-bin PATH] [--no-measures] [--json OUT]

    --database-url   sqlite://PATH or postgres://USER:PASS@HOST:PORT/DB (as DATABASE_URL of the app)
    --acks           the JSON-lines log written by scripts/chaos (one object a line; see "The log" below)
    --acked-before   only acks answered before this time must be in the database (a backup taken at that time);
                     events of later acks may or may not be there
    --dev-bin        the hotline-dev binary for the measures check (default: $CHAOS_DEV_BIN, else next to
                     $CHAOS_BIN, else .build-release/release or .build/debug)
    --no-measures    skip the rebuild comparison of the measures (no binary at hand)
    --json OUT       also write the table as JSON

Prints a table (check, expected, found, ok) and exits 0 when every check holds, 1 on any loss or duplicate,
2 when it cannot run (bad arguments, database unreachable).

The log: each line is {"outcome": "ack"|"unknown", "action", "order" (id, upper-case UUID), "number", "key"
(Idempotency-Key), "user", "user_id", "version", "seq" (events in the answer), "kind" (last event), "claimed"
([{seq, kind}] events of this person after what they had seen), "token" (a marker written into the action's
text, or null), "sent", "answered" (ISO 8601 UTC)}. "unknown" lines are attempts whose outcome the client never
learned (no answer after every retry): each may have taken effect once, or not at all.

Checks:
- every acknowledged action is in the history: each claimed event exists at its number with its kind and actor;
- once: an action's marker text appears in exactly one event; every event the load's people made on the load's
  orders is claimed by an ack or explained by one unknown attempt of that person on that order;
- no two winners: no event number or order version is claimed by two different requests; event numbers of each
  order run 1..n; the order's version is at least the highest acknowledged one;
- no reminder, escalation, notice, notify delivery or city outbox message is doubled (by its natural key), and
  each order's city messages are numbered 1..n;
- the queue unit of every order is its sub-unit or lead unit (M005), and every unit with a queue has a counter (M007);
- measures: the day roll-up equals the sum of the stored facts, and the facts equal a rebuild from the events
  (`hotline-dev measures-verify`).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path


def parse_time(text: str) -> datetime:
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


class DB:
    """The two engines behind one `rows(sql)`; ids come back as upper-case text, times as epoch seconds."""

    def __init__(self, url: str):
        self.url = url
        if url.startswith("sqlite://"):
            import sqlite3
            path = url[len("sqlite://"):]
            if not Path(path).exists():
                raise SystemExit(f"check: no SQLite file at {path}")
            self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
            self.engine = "sqlite"
        elif url.startswith(("postgres://", "postgresql://")):
            try:
                import psycopg2
            except ImportError:
                raise SystemExit("check: PostgreSQL needs psycopg2 (apt-get install python3-psycopg2)")
            self.conn = psycopg2.connect(url)
            self.conn.set_session(readonly=True)
            self.engine = "postgres"
        else:
            raise SystemExit(f"check: unknown database URL {url}")

    def rows(self, sql: str) -> list[tuple]:
        cur = self.conn.cursor()
        cur.execute(sql)
        out = cur.fetchall()
        cur.close()
        return [tuple(self.norm(v) for v in row) for row in out]

    def epoch(self, column: str) -> str:
        return column if self.engine == "sqlite" else f"EXTRACT(EPOCH FROM {column})"

    @staticmethod
    def norm(v):
        if v is None:
            return None
        if isinstance(v, (bytes, memoryview)):
            return bytes(v).decode(errors="replace")
        if isinstance(v, str):
            return v.upper() if len(v) == 36 and v.count("-") == 4 else v
        if type(v).__name__ == "UUID":
            return str(v).upper()
        if type(v).__name__ == "Decimal":
            return float(v)
        return v


class Table:
    def __init__(self):
        self.rows: list[tuple[str, str, str, bool]] = []

    def add(self, check: str, expected, found, ok: bool) -> None:
        self.rows.append((check, str(expected), str(found), bool(ok)))

    def print(self) -> None:
        w = max(len(r[0]) for r in self.rows)
        we = max(8, max(len(r[1]) for r in self.rows))
        wf = max(5, max(len(r[2]) for r in self.rows))
        print(f"{'check':<{w}}  {'expected':>{we}}  {'found':>{wf}}  ok")
        print(f"{'-' * w}  {'-' * we}  {'-' * wf}  --")
        for c, e, f, ok in self.rows:
            print(f"{c:<{w}}  {e:>{we}}  {f:>{wf}}  {'ok' if ok else 'FAIL'}")

    @property
    def ok(self) -> bool:
        return all(r[3] for r in self.rows)


def load_log(path: str) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                # A line cut by a crash of the writer itself: the rest is still judged.
                print(f"check: line {n} of {path} is not JSON; skipped", file=sys.stderr)
                continue
            for k in ("order", "user_id"):
                if rec.get(k):
                    rec[k] = rec[k].upper()
            out.append(rec)
    return out


def dev_binary(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    if os.environ.get("CHAOS_DEV_BIN"):
        return os.environ["CHAOS_DEV_BIN"]
    if os.environ.get("CHAOS_BIN"):
        candidate = Path(os.environ["CHAOS_BIN"]).with_name("hotline-dev")
        if candidate.exists():
            return str(candidate)
    root = Path(__file__).resolve().parents[2]
    for p in (root / ".build-release/release/hotline-dev", root / ".build/debug/hotline-dev"):
        if p.exists():
            return str(p)
    return None


def check(db: DB, log: list[dict], before: datetime | None, table: Table, measures_bin: str | None) -> dict:
    acks = [r for r in log if r.get("outcome") == "ack"]
    unknowns = [r for r in log if r.get("outcome") == "unknown"]
    must = [a for a in acks if before is None or parse_time(a["answered"]) < before]
    orders = sorted({a["order"] for a in acks if a.get("order")})
    people = sorted({r["user_id"] for r in log if r.get("user_id")})
    detail: dict = {"acks": len(acks), "acks_checked": len(must), "unknown": len(unknowns), "orders": len(orders)}

    # Every event of the load's orders.
    events: dict[tuple[str, int], tuple[str, str | None, str, str]] = {}
    by_order: dict[str, list[int]] = defaultdict(list)
    if orders:
        for chunk in range(0, len(orders), 500):
            ids = ",".join(f"'{o}'" for o in orders[chunk:chunk + 500])
            if db.engine == "postgres":
                ids = ",".join(f"'{o.lower()}'::uuid" for o in orders[chunk:chunk + 500])
            for order_id, seq, kind, actor, note, changes in db.rows(
                    f"SELECT order_id, seq, kind, actor_id, note, changes FROM order_events WHERE order_id IN ({ids})"):
                events[(order_id, seq)] = (kind, actor, note or "", changes or "")
                by_order[order_id].append(seq)
    versions = {}
    if orders:
        for chunk in range(0, len(orders), 500):
            part = orders[chunk:chunk + 500]
            ids = ",".join(f"'{o.lower()}'::uuid" if db.engine == "postgres" else f"'{o}'" for o in part)
            for oid, version in db.rows(f"SELECT id, version FROM orders WHERE id IN ({ids})"):
                versions[oid] = version

    # 1. Acknowledged actions are there.
    claimed_total = present = 0
    missing_samples = []
    for a in must:
        if a["order"] not in versions:
            claimed_total += 1
            missing_samples.append(f"order {a['order']} ({a['action']}) missing")
            continue
        for c in a.get("claimed") or []:
            claimed_total += 1
            e = events.get((a["order"], c["seq"]))
            if e and e[0] == c["kind"] and e[1] == a["user_id"]:
                present += 1
            elif len(missing_samples) < 10:
                missing_samples.append(f"{a['order']} #{c['seq']} {c['kind']} ({a['action']} by {a['user']}): found {e[0] if e else 'nothing'}")
    table.add("acked events in history", claimed_total, present, present == claimed_total)
    table.add("acked orders in database", len({a['order'] for a in must}), len({a['order'] for a in must} & set(versions)),
              {a['order'] for a in must} <= set(versions))
    detail["missing"] = missing_samples

    # 2. Once: each marker in exactly one event.
    tokens = [a for a in must if a.get("token")]
    once = 0
    doubled_samples = []
    for a in tokens:
        hits = sum(1 for s in by_order.get(a["order"], [])
                   if a["token"] in events[(a["order"], s)][2] or a["token"] in events[(a["order"], s)][3])
        if hits == 1:
            once += 1
        elif len(doubled_samples) < 10:
            doubled_samples.append(f"{a['order']} {a['action']} marker {a['token']}: {hits} events")
    table.add("acked actions' text exactly once", len(tokens), once, once == len(tokens))
    detail["not_once"] = doubled_samples

    # Events made by the load's people on the load's orders that no ack claims: each must be explained by one
    # unknown attempt of that person on that order (one decision = the events of one person at one time).
    claimed_keys = set()
    for a in acks:
        for c in a.get("claimed") or []:
            claimed_keys.add((a["order"], c["seq"]))
    unclaimed: dict[tuple[str, str], int] = Counter()
    people_set = set(people)
    last_seq_of = {}
    for (oid, seq), (kind, actor, note, changes) in events.items():
        if actor in people_set and (oid, seq) not in claimed_keys:
            unclaimed[(oid, actor)] += 1
    allowance: dict[tuple[str, str], int] = Counter()
    for u in unknowns:
        if u.get("order"):
            allowance[(u["order"], u["user_id"])] += 3  # an action writes at most three events
    for u in unknowns:
        if not u.get("order") and u.get("number"):
            last_seq_of[u["number"]] = True
    # An unknown create: its order may exist without any ack; its events are then unclaimed.
    unexplained = 0
    unexplained_samples = []
    for key, n in unclaimed.items():
        if n > allowance.get(key, 0):
            unexplained += n - allowance.get(key, 0)
            if len(unexplained_samples) < 10:
                kinds = [events[(key[0], s)][0] for s in by_order[key[0]] if (key[0], s) not in claimed_keys and events[(key[0], s)][1] == key[1]]
                unexplained_samples.append(f"{key[0]} by {key[1]}: {kinds}")
    if before is None:
        table.add("unacknowledged extra events", 0, unexplained, unexplained == 0)
    detail["unexplained"] = unexplained_samples

    # 3. No two winners.
    seq_claims: dict[tuple[str, int], set] = defaultdict(set)
    version_claims: dict[tuple[str, int], set] = defaultdict(set)
    for a in acks:
        if a["action"] == "create":
            continue
        version_claims[(a["order"], a["version"])].add(a["key"])
        for c in a.get("claimed") or []:
            seq_claims[(a["order"], c["seq"])].add(a["key"])
    two = sum(1 for v in version_claims.values() if len(v) > 1) + sum(1 for v in seq_claims.values() if len(v) > 1)
    table.add("versions/events won twice", 0, two, two == 0)
    gaps = sum(1 for oid, seqs in by_order.items() if sorted(seqs) != list(range(1, len(seqs) + 1)))
    table.add("orders with gaps in event numbers", 0, gaps, gaps == 0)
    behind = sum(1 for a in must if a["order"] in versions and versions[a["order"]] < a["version"])
    table.add("acked versions above stored version", 0, behind, behind == 0)

    # 4. Nothing doubled by its natural key.
    def doubled(name: str, sql: str) -> None:
        n = db.rows(sql)[0][0] or 0
        table.add(name, 0, int(n), n == 0)

    doubled("reminders doubled", "SELECT COUNT(*) FROM (SELECT order_id, kind, deadline_at, lead_seconds, COUNT(*) AS n "
                                 "FROM reminders GROUP BY order_id, kind, deadline_at, lead_seconds HAVING COUNT(*) > 1) d")
    doubled("escalations doubled", "SELECT COUNT(*) FROM (SELECT order_id, step, anchor_at FROM escalations "
                                   "GROUP BY order_id, step, anchor_at HAVING COUNT(*) > 1) d")
    doubled("notices doubled", "SELECT COUNT(*) FROM (SELECT audience, order_id, kind, message, created_at FROM notifications "
                               "GROUP BY audience, order_id, kind, message, created_at HAVING COUNT(*) > 1) d")
    doubled("notify deliveries doubled", "SELECT COUNT(*) FROM (SELECT notification_id, channel, recipient FROM notify_deliveries "
                                         "GROUP BY notification_id, channel, recipient HAVING COUNT(*) > 1) d")
    outbox = db.rows("SELECT order_id, sequence, kind, body FROM city_outbox")
    natural = Counter()
    numbering: dict[str, list[int]] = defaultdict(list)
    for oid, sequence, kind, body in outbox:
        try:
            b = json.loads(body)
            natural[(oid, kind, b.get("at"), b.get("text"), json.dumps(b.get("fields"), sort_keys=True))] += 1
        except ValueError:
            natural[(oid, kind, body)] += 1
        numbering[oid].append(sequence)
    dup = sum(1 for n in natural.values() if n > 1)
    table.add("city outbox messages doubled", 0, dup, dup == 0)
    bad = sum(1 for seqs in numbering.values() if sorted(seqs) != list(range(1, len(seqs) + 1)) and sorted(seqs) != list(range(0, len(seqs))))
    table.add("city outbox orders misnumbered", 0, bad, bad == 0)
    detail["city_outbox"] = len(outbox)

    # 5. Queue units and counters.
    wrong_queue = db.rows("SELECT COUNT(*) FROM orders WHERE COALESCE(queue_unit_id, lead_unit_id) IS NOT NULL AND "
                          "(queue_unit_id IS NULL OR queue_unit_id <> COALESCE(sub_unit_id, lead_unit_id))")[0][0]
    table.add("orders in the wrong queue", 0, wrong_queue, wrong_queue == 0)
    no_counter = db.rows("SELECT COUNT(DISTINCT o.queue_unit_id) FROM orders o LEFT JOIN queue_generations g ON g.unit_id = o.queue_unit_id "
                         "WHERE o.queue_unit_id IS NOT NULL AND g.unit_id IS NULL AND o.id IN (SELECT order_id FROM order_events WHERE seq > 1)")[0][0]
    table.add("queues without a counter", 0, no_counter, no_counter == 0)

    # 6. Measures.
    cols = [r[0] for r in db.rows(
        "SELECT name FROM pragma_table_info('measure_days')" if db.engine == "sqlite" else
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'measure_days' AND table_schema = current_schema()")]
    counts = [c for c in cols if c not in ("unit_id", "day")]
    if counts:
        sums = ", ".join(f"SUM({c}) AS {c}" for c in counts)
        facts = {(u, d): tuple(int(x or 0) for x in rest) for u, d, *rest in
                 db.rows(f"SELECT unit_id, day, {sums} FROM dispatch_facts GROUP BY unit_id, day")}
        days = {(u, d): tuple(int(x or 0) for x in rest) for u, d, *rest in
                db.rows(f"SELECT unit_id, day, {', '.join(counts)} FROM measure_days")}
        zero = tuple(0 for _ in counts)
        keys = set(facts) | set(days)
        drift = sum(1 for k in keys if facts.get(k, zero) != days.get(k, zero))
        table.add("roll-up rows unlike the facts' sum", 0, drift, drift == 0)
    if measures_bin:
        env = dict(os.environ, DATABASE_URL=db.url)
        proc = subprocess.run([measures_bin, "measures-verify"], env=env, capture_output=True, text=True, timeout=600)
        line = next((l for l in proc.stdout.splitlines() if l.startswith("{")), None)
        if line is None:
            table.add("measures equal a rebuild (hotline-dev measures-verify)", "runs", f"exit {proc.returncode}", False)
            detail["measures_error"] = (proc.stdout + proc.stderr)[-800:]
        else:
            v = json.loads(line)
            detail["measures"] = v
            table.add("facts equal a rebuild from events", v["factsExpected"], v["factsExpected"] - v["factsMissing"] - v["factsDiffering"]
                      if not v["factsExtra"] else f"{v['factsStored']} stored, {v['factsExtra']} extra",
                      v["factsMissing"] == v["factsExtra"] == v["factsDiffering"] == 0)
            table.add("roll-up equals a rebuild", v["daysExpected"], v["daysExpected"] - v["daysDiffering"],
                      v["daysDiffering"] == 0 and v["daysDifferingFromStoredFacts"] == 0)
    return detail


def main() -> int:
    p = argparse.ArgumentParser(description="Compare a hotline database with the fault test's ack log.")
    p.add_argument("--database-url", required=True)
    p.add_argument("--acks", required=True)
    p.add_argument("--acked-before")
    p.add_argument("--dev-bin")
    p.add_argument("--no-measures", action="store_true")
    p.add_argument("--json")
    args = p.parse_args()
    try:
        before = parse_time(args.acked_before) if args.acked_before else None
    except ValueError:
        print(f"check: --acked-before is not an ISO 8601 time: {args.acked_before}", file=sys.stderr)
        return 2
    if not Path(args.acks).exists():
        print(f"check: no ack log at {args.acks}", file=sys.stderr)
        return 2
    try:
        db = DB(args.database_url)
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 2
    except Exception as e:  # unreachable server
        print(f"check: cannot open {args.database_url}: {e}", file=sys.stderr)
        return 2
    log = load_log(args.acks)
    table = Table()
    measures_bin = None if args.no_measures else dev_binary(args.dev_bin)
    if not args.no_measures and not measures_bin:
        print("check: no hotline-dev binary for the measures check (build it, or pass --no-measures)", file=sys.stderr)
        return 2
    detail = check(db, log, parse_time(args.acked_before) if args.acked_before else None, table, measures_bin)
    scope = f"acks answered before {args.acked_before}" if args.acked_before else "every ack"
    print(f"== check {db.engine}: {detail['acks']} acks ({detail['acks_checked']} checked: {scope}), "
          f"{detail['unknown']} unknown outcomes, {detail['orders']} orders")
    table.print()
    for k in ("missing", "not_once", "unexplained"):
        for line in detail.get(k, []):
            print(f"   {k}: {line}")
    if detail.get("measures_error"):
        print("   measures-verify: " + detail["measures_error"])
    if args.json:
        Path(args.json).write_text(json.dumps({"ok": table.ok, "rows": table.rows, "detail": detail}, ensure_ascii=False, indent=1))
    return 0 if table.ok else 1


if __name__ == "__main__":
    sys.exit(main())
