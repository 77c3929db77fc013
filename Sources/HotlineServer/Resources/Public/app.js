// Live countdowns to each order's next deadline; coloured as it nears (4 h) and passes. Pages work without it.
(function () {
  var SOON = 4 * 3600 * 1000;
  function format(ms) {
    var m = Math.floor(Math.abs(ms) / 60000);
    var text = m >= 1440 ? Math.floor(m / 1440) + "天" + Math.floor((m % 1440) / 60) + "小时" : Math.floor(m / 60) + "小时" + (m % 60) + "分";
    return (ms >= 0 ? "剩余 " : "超时 ") + text;
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      var ms = Date.parse(el.getAttribute("data-deadline")) - now;
      el.textContent = format(ms);
      el.classList.toggle("overdue", ms < 0);
      el.classList.toggle("dueSoon", ms >= 0 && ms <= SOON);
    });
  }
  tick();
  setInterval(tick, 1000);
  // Keep one submit per form: a double tap on a slow phone connection must not send twice.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.dataset.sent) { e.preventDefault(); return; }
    form.dataset.sent = "1";
    setTimeout(function () { delete form.dataset.sent; }, 8000);
  });
})();

// Live reply check (issue 5): while the handler types, the draft goes to the check endpoint (debounced, on the
// page's session cookie with its CSRF token) and the findings show under the form, the similar earlier reply beside
// this one. Nothing is stored; without JavaScript the same findings come back when the form is submitted.
(function () {
  var form = document.getElementById("reply-form");
  var box = document.getElementById("reply-findings");
  if (!form || !box || !window.fetch || !window.JSON) return;
  var match = (form.getAttribute("action") || "").match(/^\/orders\/([^/]+)\/reply$/);
  var token = form.querySelector("input[name=_csrf]");
  if (!match || !token) return;
  var url = "/api/v1/orders/" + match[1] + "/reply/check";
  var parts = ["findings", "process", "result", "contact", "requesterAttitude"];
  var timer = null, latest = 0;

  function value(name) { var el = form.elements[name]; return el && el.value ? el.value : ""; }
  // Photos chosen but not uploaded yet count as present: stand-in ids, distinct for before and after.
  function photoIds(fileField, keptField, offset) {
    var ids = value(keptField).split(",").filter(function (s) { return s.length > 0; });
    var input = form.elements[fileField];
    var n = input && input.files ? input.files.length : 0;
    for (var i = 0; i < n; i++) ids.push("00000000-0000-4000-8000-" + String(offset + i).padStart(12, "0"));
    return ids;
  }
  // The field holds Dalad Banner's time (UTC+8, no daylight saving) whatever the phone's own zone is.
  function visitedAt() {
    var m = value("visitedAt").match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/);
    if (!m) return null;
    var t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4] - 8, +m[5]);
    return new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");
  }
  function draft() {
    var body = {
      truthfulness: value("truthfulness") || "verified", visitKind: value("visitKind") || "handleOnSite",
      visitedAt: visitedAt(), visitedBy: value("visitedBy"), photoWaiver: value("photoWaiver") || null,
      beforePhotoIds: photoIds("before[]", "keptBefore", 1), afterPhotoIds: photoIds("after[]", "keptAfter", 1001)
    };
    parts.forEach(function (p) { body[p] = value(p); });
    return body;
  }
  function node(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }
  function column(title, text, extra) {
    var div = node("div");
    div.appendChild(node("h4", null, title));
    div.appendChild(node("p", "reply-text" + (extra ? " " + extra : ""), text));
    return div;
  }
  function render(result) {
    box.textContent = "";
    if (!result.findings.length) { box.appendChild(node("p", "muted", "回复质量检查：暂未发现问题。")); return; }
    var list = node("ul");
    result.findings.forEach(function (f) {
      var item = node("li", "finding finding-" + f.severity);
      item.setAttribute("data-code", f.code);
      item.appendChild(node("span", "badge", f.severity === "block" ? "须修改" : "提醒"));
      item.appendChild(document.createTextNode(" " + f.message));
      var s = f.similarReply;
      if (s && s.text) {
        var pair = node("div", "side-by-side");
        pair.appendChild(column("本回复", parts.map(value).join("\n")));
        pair.appendChild(column("相似的既往回复：工单 " + (s.orderNumber || "") + "（相似度" + (s.percent || "") + "）", s.text, "similar-text"));
        item.appendChild(pair);
      } else if (s) {
        // A unit sees which of its own orders (never another unit's text or number) and how alike.
        item.appendChild(node("p", "similar-ref", "相似的既往回复：" + (s.orderNumber ? "工单 " + s.orderNumber : "其他单位的工单") +
                                                 "（相似度" + (s.percent || "") + "），请按本工单实际情况撰写。"));
      }
      list.appendChild(item);
    });
    box.appendChild(list);
  }
  function check() {
    var ticket = ++latest;
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token.value },
      body: JSON.stringify(draft())
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (result) { if (result && ticket === latest) render(result); })
      .catch(function () { /* offline or signed out: the submission still checks */ });
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(check, 700); }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();

// Printing without inline script (the content security policy allows scripts from this file only): the print view
// opens the print dialog by itself, and the monthly report's button prints the page.
(function () {
  if (document.body && document.body.hasAttribute("data-autoprint") && window.print) {
    setTimeout(function () { window.print(); }, 300);
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-print]");
    if (button) { window.print(); }
  });
})();

// Duplicates while the call is taken (issue 15 §3): as the call-taker types the phone, address, category and
// content, the draft goes to the intake check (debounced) and likely duplicates show under the form, each with a
// button that registers this call and merges it into that order in one step. Nothing is stored by the check.
(function () {
  var form = document.getElementById("new-order");
  var box = document.getElementById("draft-duplicates");
  if (!form || !box || !window.fetch || !window.JSON) return;
  var token = form.querySelector("input[name=_csrf]");
  var timer = null, latest = 0;
  function value(name) { var el = form.elements[name]; return el && el.value ? el.value : ""; }
  function node(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }
  function render(result) {
    box.textContent = "";
    if (!result.items.length) return;
    box.appendChild(node("h3", null, "疑似重复诉求"));
    var list = node("ul");
    result.items.forEach(function (d) {
      var item = node("li", "draft-duplicate");
      item.setAttribute("data-order", d.orderId);
      var link = node("a", null, d.number);
      link.href = "/orders/" + d.orderId;
      link.target = "_blank";
      item.appendChild(link);
      item.appendChild(document.createTextNode(" " + d.title + " "));
      item.appendChild(node("span", "muted", d.stateLabel + " · " + d.received));
      item.appendChild(node("div", "muted", d.message));
      if (d.canMerge) {
        var button = node("button", "merge-into", "登记并并入此单");
        button.type = "submit";
        button.name = "mergeInto";
        button.value = d.orderId;
        item.appendChild(button);
      }
      list.appendChild(item);
    });
    box.appendChild(list);
  }
  function check() {
    var ticket = ++latest;
    var body = { requesterPhone: value("requesterPhone"), address: value("address"), categoryId: value("categoryId"),
                 title: value("title"), content: value("content") };
    fetch("/api/v1/intake/duplicates", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token ? token.value : "" },
      body: JSON.stringify(body)
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (result) { if (result && ticket === latest) render(result); })
      .catch(function () { /* offline: the dispatcher still sees duplicates on the order page */ });
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(check, 500); }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();

// Dispatch suggestions (issue 15 §2): choosing a suggested unit selects it as the lead unit of the dispatch form.
(function () {
  var box = document.getElementById("dispatch-suggestions");
  var form = document.getElementById("dispatch-form");
  if (!box || !form) return;
  box.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button.suggestion");
    if (!button) return;
    var select = form.elements["leadUnitId"];
    if (select) select.value = button.getAttribute("data-unit");
    box.querySelectorAll("button.suggestion").forEach(function (b) { b.classList.toggle("chosen", b === button); });
  });
})();
