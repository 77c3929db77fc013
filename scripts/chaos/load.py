"""The fault test's bounded load: several workers, each driving its own new orders through the lifecycle over the
JSON API (create, dispatch, sign, return and its decision, 改派, progress, urge, extension and its two approvals,
explanation, reply, leader sign-off, review approve/reject with a race of two reviewers, callback), recording
every acknowledged answer in the ack log (see client.py).

Python 3 standard library only.
"""
from __future__ import annotations

import random
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

from client import AckLog, Cluster, Refused, Session, Unknown

PASSWORD = "hotline2026"
TOWNS = ["slz", "bnj", "zhx", "jgst", "waz", "zj", "egb", "zdz"]
PEOPLE = ["王伟", "李强", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周涛", "吴刚"]
PLACES = ["幸福小区", "金鹏社区", "锡尼布拉格路", "树林召大街", "昭君路", "恩格贝工业园", "白泥井村委会", "中和西农贸市场"]
THINGS = [("路灯", "灯头"), ("井盖", "井盖"), ("排水管", "管段"), ("楼道照明", "感应灯"), ("垃圾箱", "垃圾箱")]


def ref() -> str:
    return uuid.uuid4().hex[:10].upper()


def tag(token: str) -> str:
    return f"（记录号{token}）"


def progress_text(token: str) -> str:
    d = random.randint(1, 27)
    who, where = random.choice(PEOPLE), random.choice(PLACES)
    thing, part = random.choice(THINGS)
    return (f"12月{d}日上午{random.randint(8, 11)}时，{who}到{where}现场查看，确认{random.randint(2, 9)}处{thing}损坏，"
            f"已联系维修班更换{part}，预计12月{d + 1}日完成。{tag(token)}")


def reason_text(kind: str, token: str) -> str:
    d = random.randint(1, 27)
    who, where = random.choice(PEOPLE), random.choice(PLACES)
    if kind == "return":
        return (f"12月{d}日{who}现场核实，{where}该处设施产权属于旗住建局，不在本镇管辖范围，"
                f"已电话告知住建局值班员，建议改派住建局办理。{tag(token)}")
    if kind == "extension":
        return (f"12月{d}日{who}现场核实，{where}需更换{random.randint(20, 80)}米管道，材料需从鄂尔多斯调运，"
                f"预计12月{d + 5}日到货，申请延期至材料到货后施工。{tag(token)}")
    if kind == "explanation":
        return (f"12月{d}日{who}上门核实，诉求人要求的{where}改造已列入2027年旗级计划，本年度无资金，"
                f"已向诉求人当面说明政策并留下联系电话0477-5296118。{tag(token)}")
    if kind == "redispatch":
        return f"经核实该问题属于{random.choice(TOWNS)}辖区，改派属地办理。{tag(token)}"
    if kind == "urge":
        return f"请于12月{d}日前反馈{where}处理进展。{tag(token)}"
    return f"同意。{tag(token)}"


def reply_body(token: str, received_at: str | None = None) -> dict:
    d = random.randint(1, 26)
    who, where = random.choice(PEOPLE), random.choice(PLACES)
    thing, part = random.choice(THINGS)
    n, m = random.randint(2, 12), random.randint(13, 40)
    return {
        "truthfulness": "verified",
        "findings": f"12月{d}日{who}到{where}现场核实，{n}处{thing}损坏属实，影响周边约{m}户居民夜间出行。{tag(token)}",
        "process": f"12月{d}日下午，{who}会同维修班{random.randint(2, 6)}人更换{part}{n}个，并对线路逐一检测。",
        "result": f"12月{d + 1}日复查，{n}处{thing}全部恢复正常使用，已拍照存档。",
        "contact": f"12月{d + 1}日{random.randint(9, 17)}时电话联系诉求人，告知处理结果并请其查看。",
        "requesterAttitude": "诉求人表示认可。",
        "visitKind": "handleOnSite",
        "visitedAt": visit_time(received_at),
        "visitedBy": who,
        "beforePhotoIds": [],
        "afterPhotoIds": [],
        "photoWaiver": f"现场照片{n}张已在台账留存，编号{token}",
    }


def visit_time(received_at: str | None) -> str:
    """A visit after the order was received (the reply check refuses one before) and not in the future."""
    at = datetime.now(timezone.utc).replace(microsecond=0)
    if received_at:
        received = datetime.fromisoformat(received_at.replace("Z", "+00:00"))
        at = max(at, received.replace(microsecond=0) + timedelta(seconds=1))
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.acked: dict[str, int] = {}
        self.refused: dict[str, int] = {}
        self.unknown: dict[str, int] = {}
        self.orders = 0
        self.closed = 0
        self.abandoned = 0
        self.errors: list[str] = []
        self.samples: list[str] = []

    def add(self, table: dict, action: str) -> None:
        with self.lock:
            table[action] = table.get(action, 0) + 1


class Order:
    def __init__(self, detail: dict):
        self.update(detail)

    def update(self, detail: dict) -> None:
        self.id = detail["order"]["id"]
        self.number = detail["order"]["number"]
        self.state = detail["order"]["state"]
        self.version = detail["order"]["version"]
        self.pending = detail["order"].get("pendingApproval")
        self.lead = detail["order"].get("leadUnitId")
        self.deadline = detail["order"].get("replyDeadline")
        self.received = detail["order"].get("receivedAt")
        self.seq = len(detail.get("events", []))


class Worker(threading.Thread):
    def __init__(self, index: int, cluster: Cluster, log: AckLog, stop: threading.Event, stats: Stats,
                 sessions: dict[str, Session], categories: list[str], seed: int):
        super().__init__(name=f"worker-{index}", daemon=True)
        self.index, self.cluster, self.log, self.stop, self.stats = index, cluster, log, stop, stats
        self.sessions, self.categories = sessions, categories
        self.rng = random.Random(seed)
        self.counter = 0

    def s(self, username: str) -> Session:
        return self.sessions[username]

    # One step: returns the new detail or None when refused (the order is then re-read).
    def step(self, order: Order, who: str, action: str, path: str, body: dict | None = None, token: str | None = None) -> bool:
        if self.stop.is_set():
            return False  # the run is over: no new action (one already sent is seen through)
        session = self.s(who)
        for attempt in range(2):
            try:
                detail = session.act(action, "POST", f"/api/v1/orders/{order.id}/{path}", body, order.id, order.seq,
                                     token=token, number=order.number)
                order.update(detail)
                self.stats.add(self.stats.acked, action)
                return True
            except Refused as e:
                self.stats.add(self.stats.refused, f"{action}:{e.code}")
                if len(self.stats.samples) < 40:
                    self.stats.samples.append(f"{action} {order.state}: {e.code} {e.message}")
                self.refresh(order, who)
                return False
            except Unknown:
                self.stats.add(self.stats.unknown, action)
                before = order.version
                if not self.refresh(order, who):
                    return False
                if order.version != before:
                    return True  # it (or something) happened; carry on from the state read
                if self.stop.is_set():
                    return False
        return False

    def refresh(self, order: Order, who: str) -> bool:
        try:
            order.update(self.s("dispatcher").get(f"/api/v1/orders/{order.id}"))
            return True
        except (Refused, Unknown):
            return False

    def create(self, plain: bool = False) -> Order | None:
        self.counter += 1
        number = f"CH{datetime.now(timezone.utc):%Y%m%d}{self.index:02d}{self.counter:05d}{self.rng.randint(0, 99):02d}"
        where = self.rng.choice(PLACES)
        body = {"number": number, "channel": "phone", "requesterName": self.rng.choice(PEOPLE),
                "requesterPhone": f"13{self.rng.randint(100000000, 999999999)}", "requestType": "help",
                "categoryId": self.rng.choice(self.categories), "title": f"{where}路灯不亮",
                "content": f"{where}{self.rng.randint(1, 30)}号楼附近{self.rng.randint(2, 9)}盏路灯连续多日不亮，夜间出行不便。",
                "address": f"达拉特旗{where}", "urgency": self.rng.choice(["normal", "normal", "urgent"])}
        if plain:
            body["urgency"] = "normal"
        elif self.rng.random() < 0.3:
            # A city deadline close enough that reminders and escalations are due at once.
            body["replyDeadline"] = (datetime.now(timezone.utc) + timedelta(hours=self.rng.choice([1.5, 3, 26]))).isoformat(timespec="seconds")
        session = self.s(self.rng.choice(["dispatcher", "dispatcher2"]))
        for attempt in range(2):
            try:
                detail = session.act("create", "POST", "/api/v1/orders", body, None, 0, number=number)
                self.stats.add(self.stats.acked, "create")
                with self.stats.lock:
                    self.stats.orders += 1
                return Order(detail)
            except Refused as e:
                if e.code in ("duplicate_number", "conflict") or e.status == 409:
                    return None
                self.stats.add(self.stats.refused, f"create:{e.code}")
                return None
            except Unknown:
                self.stats.add(self.stats.unknown, "create")
                return None
        return None

    def review_race(self, order: Order) -> bool:
        """Two reviewers decide the same reply at once: at most one may win."""
        results: list[bool] = []

        def decide(who: str, approve: bool) -> None:
            token = ref()
            results.append(self.step(order, who, "review", "review", {"approve": approve, "note": reason_text("ok", token)}, token))

        a = threading.Thread(target=decide, args=("reviewer", True))
        b = threading.Thread(target=decide, args=("reviewer2", self.rng.random() < 0.5))
        a.start(); b.start(); a.join(); b.join()
        self.refresh(order, "dispatcher")
        return any(results)

    def drive(self, order: Order, path: str) -> None:
        rng = self.rng
        town = rng.choice(TOWNS)
        handler, leader = f"{town}.handler", f"{town}.leader"
        unit = self.s(handler).unit_id
        if not self.step(order, "dispatcher", "dispatch", "dispatch", {"leadUnitId": unit}):
            return
        if path == "redispatch":
            other = rng.choice([t for t in TOWNS if t != town])
            token = ref()
            if not self.step(order, "dispatcher", "redispatch", "redispatch",
                             {"leadUnitId": self.s(f"{other}.handler").unit_id, "reason": reason_text("redispatch", token)}, token):
                return
            town, handler, leader = other, f"{other}.handler", f"{other}.leader"
        if path in ("return", "return-reject"):
            token = ref()
            if not self.step(order, handler, "return", "return", {"reason": reason_text("return", token)}, token):
                return
            token = ref()
            if path == "return":
                other = rng.choice([t for t in TOWNS if t != town])
                ok = self.step(order, "dispatcher", "return-decision", "return/decision",
                               {"approve": True, "note": reason_text("ok", token), "redispatchTo": self.s(f"{other}.handler").unit_id}, token)
                town, handler, leader = other, f"{other}.handler", f"{other}.leader"
            else:
                ok = self.step(order, "dispatcher", "return-decision", "return/decision",
                               {"approve": False, "note": reason_text("ok", token)}, token)
            if not ok:
                return
        if not self.step(order, handler, "sign", "sign"):
            return
        if rng.random() < 0.6:
            token = ref()
            self.step(order, handler, "progress", "progress", {"text": progress_text(token)}, token)
        if rng.random() < 0.3:
            token = ref()
            self.step(order, "supervisor", "urge", "urge", {"note": reason_text("urge", token)}, token)
        if path == "extension" and order.deadline:
            token = ref()
            deadline = datetime.fromisoformat(order.deadline.replace("Z", "+00:00")) + timedelta(days=5)
            if self.step(order, handler, "extension", "extension",
                         {"reason": reason_text("extension", token), "newDeadline": deadline.isoformat(timespec="seconds")}, token):
                token = ref()
                if self.step(order, "reviewer", "extension-decision", "extension/decision", {"approve": True, "note": reason_text("ok", token)}, token):
                    token = ref()
                    self.step(order, "city", "extension-decision", "extension/decision",
                              {"approve": rng.random() < 0.7, "note": reason_text("ok", token)}, token)
        if path == "explanation":
            token = ref()
            if self.step(order, handler, "explanation", "explanation", {"reason": reason_text("explanation", token)}, token):
                token = ref()
                if self.step(order, "reviewer", "explanation-decision", "explanation/decision", {"approve": True, "note": reason_text("ok", token)}, token):
                    token = ref()
                    self.step(order, "city", "explanation-decision", "explanation/decision", {"approve": True, "note": reason_text("ok", token)}, token)
                if order.state == "closed":
                    with self.stats.lock:
                        self.stats.closed += 1
                    return
        for round in range(3):
            if self.stop.is_set():
                return
            token = ref()
            if not self.step(order, handler, "reply", "reply", reply_body(token, order.received), token):
                return
            if order.state == "awaitingSignOff":
                token = ref()
                if not self.step(order, leader, "sign-off", "sign-off", {"approve": True, "note": reason_text("ok", token)}, token):
                    return
            if path == "sendback" and round == 0:
                token = ref()
                self.step(order, "reviewer", "review", "review", {"approve": False, "note": f"请补充具体更换数量和复查时间。{tag(token)}"}, token)
                continue
            if rng.random() < 0.5:
                self.review_race(order)
            else:
                token = ref()
                self.step(order, "reviewer", "review", "review", {"approve": True, "note": reason_text("ok", token)}, token)
            if order.state != "handling":
                break
        if order.state in ("approved", "awaitingCallback", "replied") or order.state.startswith("await"):
            token = ref()
            self.step(order, rng.choice(["callback", "callback2"]), "callback", "callback",
                      {"resolved": True, "satisfaction": rng.choice(["satisfied", "satisfied", "basic"]), "note": reason_text("ok", token)}, token)
        if order.state == "closed":
            with self.stats.lock:
                self.stats.closed += 1

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                path = self.rng.choice(["plain", "plain", "return", "return-reject", "extension", "redispatch",
                                        "explanation", "sendback"])
                order = self.create(plain=path in ("extension", "explanation"))
                if order:
                    self.drive(order, path)
            except Exception as e:  # keep the load going; report what broke the script itself
                with self.stats.lock:
                    self.stats.errors.append(f"{type(e).__name__}: {e}")
                time.sleep(0.2)


def sign_in_all(cluster: Cluster, log: AckLog, stop: threading.Event) -> dict[str, Session]:
    names = ["dispatcher", "dispatcher2", "reviewer", "reviewer2", "supervisor", "callback", "callback2", "city"]
    names += [f"{t}.handler" for t in TOWNS] + [f"{t}.leader" for t in TOWNS]
    sessions: dict[str, Session] = {}
    lock = threading.Lock()

    def one(name: str) -> None:
        s = Session(cluster, name, PASSWORD, log, stop)
        s.sign_in()
        with lock:
            sessions[name] = s

    threads = [threading.Thread(target=one, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    missing = [n for n in names if n not in sessions]
    if missing:
        raise SystemExit(f"chaos: sign-in failed for {missing}")
    return sessions


def categories(session: Session) -> list[str]:
    items = session.get("/api/v1/categories")
    return [c["id"] for c in items if c["name"] not in ("供暖", "供水/停水")]
