"""The fault test's HTTP client: spreads requests over the app instances, retries like a phone client, and logs
every acknowledged (2xx) answer with what it claims to a JSON-lines file.

Python 3 standard library only.
"""
from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from datetime import datetime, timezone


class Refused(Exception):
    """A 4xx answer (or 5xx after the retries): the action was not acknowledged."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message = status, code, message


class Unknown(Exception):
    """No answer after every retry: the action may or may not have happened."""


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class AckLog:
    """The JSON-lines log of acknowledged answers (and of attempts whose outcome stayed unknown)."""

    def __init__(self, path: str):
        self.file = open(path, "a", encoding="utf-8")
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def write(self, record: dict) -> None:
        line = json.dumps(record, ensure_ascii=False)
        with self.lock:
            self.file.write(line + "\n")
            self.file.flush()
            key = record.get("outcome", "?")
            self.counts[key] = self.counts.get(key, 0) + 1

    def close(self) -> None:
        with self.lock:
            self.file.close()


class Cluster:
    """The instances' ports; the fault thread marks which answer now."""

    def __init__(self, ports: list[int]):
        self.ports = list(ports)

    def pick(self, avoid: int | None = None) -> int:
        choices = [p for p in self.ports if p != avoid] or self.ports
        return random.choice(choices)


class Session:
    """One signed-in person. `call` retries connection errors, 5xx and 409 request_in_progress with the same
    Idempotency-Key on another instance, within `deadline_s`."""

    def __init__(self, cluster: Cluster, username: str, password: str, log: AckLog, stop: threading.Event,
                 deadline_s: float = 45.0):
        self.cluster, self.username, self.password, self.log, self.stop = cluster, username, password, log, stop
        self.deadline_s = deadline_s
        self.token: str | None = None
        self.user_id: str | None = None
        self.unit_id: str | None = None
        self.stats = {"requests": 0, "retries": 0, "replays": 0}

    # -- raw HTTP --
    def _send(self, port: int, method: str, path: str, body: dict | None, headers: dict) -> tuple[int, dict, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        try:
            data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
            h = dict(headers)
            if data is not None:
                h["Content-Type"] = "application/json"
            if self.token:
                h["Authorization"] = f"Bearer {self.token}"
            conn.request(method, path, body=data, headers=h)
            resp = conn.getresponse()
            raw = resp.read()
            try:
                parsed = json.loads(raw) if raw else {}
            except ValueError:
                parsed = {"raw": raw[:200].decode(errors="replace")}
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, parsed
        finally:
            conn.close()

    def request(self, method: str, path: str, body: dict | None = None, key: str | None = None) -> tuple[int, dict, dict]:
        """Sends until a final answer: 2xx or 4xx (other than 409 request_in_progress); raises Unknown when the
        retries run out."""
        headers = {"Idempotency-Key": key} if key else {}
        started = time.monotonic()
        port = self.cluster.pick()
        delay = 0.1
        last = "no answer"
        while True:
            self.stats["requests"] += 1
            try:
                status, h, parsed = self._send(port, method, path, body, headers)
                if status == 401 and self.token and not path.endswith("/auth/login"):
                    # A session is per database, so a restart keeps it; re-sign in only if it was refused.
                    self.sign_in()
                    continue
                in_progress = status == 409 and isinstance(parsed, dict) and parsed.get("code") == "request_in_progress"
                if status < 500 and not in_progress:
                    if h.get("idempotent-replayed") == "true":
                        self.stats["replays"] += 1
                    return status, h, parsed
                last = f"{status} {parsed.get('code') if isinstance(parsed, dict) else ''}"
            except (OSError, http.client.HTTPException) as e:
                last = f"{type(e).__name__}: {e}"
            if time.monotonic() - started > self.deadline_s:
                raise Unknown(last)
            self.stats["retries"] += 1
            time.sleep(delay)
            delay = min(delay * 2, 1.5)
            port = self.cluster.pick(avoid=port)

    def sign_in(self) -> None:
        self.token = None
        status, _, body = self.request("POST", "/api/v1/auth/login", {"username": self.username, "password": self.password})
        if status != 200:
            raise Refused(status, body.get("code", ""), body.get("message", ""))
        self.token = body["token"]
        self.user_id = body["user"]["id"]
        self.unit_id = body["user"].get("unitId")

    def get(self, path: str) -> dict:
        status, _, body = self.request("GET", path)
        if status != 200:
            raise Refused(status, body.get("code", ""), body.get("message", ""))
        return body

    # -- acknowledged writes --
    def act(self, action: str, method: str, path: str, body: dict | None, order_id: str | None, known_seq: int,
            token: str | None = None, number: str | None = None) -> dict:
        """A state-changing call with a fresh Idempotency-Key. Logs the acknowledged answer with the events it
        claims (those after `known_seq` made by this person); a refusal is raised, an unknown outcome logged and
        raised."""
        key = f"chaos-{uuid.uuid4()}"
        sent_at = now_iso()
        try:
            status, headers, answer = self.request(method, path, body, key=key)
        except Unknown as e:
            self.log.write({"outcome": "unknown", "action": action, "order": order_id, "number": number, "key": key,
                            "user": self.username, "user_id": self.user_id, "token": token, "sent": sent_at,
                            "answered": now_iso(), "why": str(e)})
            raise
        if not 200 <= status < 300:
            raise Refused(status, answer.get("code", ""), answer.get("message", ""))
        order = answer["order"]
        events = answer.get("events", [])
        claimed = [{"seq": i + 1, "kind": e["kind"]} for i, e in enumerate(events)
                   if i >= known_seq and e.get("actorId") == self.user_id]
        self.log.write({"outcome": "ack", "action": action, "order": order["id"], "number": order["number"],
                        "key": key, "user": self.username, "user_id": self.user_id, "status": status,
                        "version": order["version"], "seq": len(events), "kind": events[-1]["kind"] if events else None,
                        "claimed": claimed, "token": token, "replayed": headers.get("idempotent-replayed") == "true",
                        "sent": sent_at, "answered": now_iso()})
        return answer
