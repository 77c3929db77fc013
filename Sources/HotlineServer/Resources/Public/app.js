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
