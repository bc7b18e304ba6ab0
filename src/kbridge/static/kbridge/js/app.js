/* K-Bridge front-end behaviour. No inline scripts; everything hooks on data- attributes. */
(function () {
  "use strict";

  function pad(n) { return String(n).padStart(2, "0"); }

  /* Live countdown to a deadline. The server's clock decides: the offset between the server
     time rendered into the page and the browser clock is applied, so a wrong PC clock does not
     show a wrong countdown. */
  function startCountdown(el) {
    var deadline = Date.parse(el.dataset.deadline);
    var serverNow = Date.parse(el.dataset.serverNow);
    if (isNaN(deadline) || isNaN(serverNow)) { return; }
    var offset = serverNow - Date.now();
    var text = el.querySelector("[data-countdown-text]") || el;
    function tick() {
      var ms = deadline - (Date.now() + offset);
      var left = Math.floor(ms / 1000);
      if (left <= 0) {
        text.textContent = el.dataset.labelClosed;
        el.classList.add("countdown-closed");
        return;
      }
      var days = Math.floor(left / 86400);
      var rest = left % 86400;
      var hms = pad(Math.floor(rest / 3600)) + ":" + pad(Math.floor((rest % 3600) / 60)) + ":" + pad(rest % 60);
      text.textContent = (days > 0 ? days + " " + el.dataset.labelDays + " " : "") + hms;
      if (left < 3600) { el.classList.add("countdown-urgent"); }
      /* Wake just after the shown second changes, so a late timer never shows a second twice. */
      window.setTimeout(tick, (ms % 1000) + 15);
    }
    tick();
  }

  /* Live character counter under every text area that has a limit (data-maxlength): the
     limit is shown before it bites, and nothing is cut (no maxlength attribute, which makes
     browsers drop pasted text silently). Counts as the server does (core/text.py count_chars):
     code points after NFC, a line break once (CR LF, CR, NEL, U+2028/9 are one LF). */
  function startCounter(area) {
    var limit = parseInt(area.dataset.maxlength, 10);
    if (!limit) { return; }
    var counter = document.createElement("p");
    counter.className = "char-count";
    counter.setAttribute("aria-live", "polite");
    if (area.id) { counter.id = area.id + "_count"; }
    area.insertAdjacentElement("afterend", counter);
    function update() {
      var text = area.value.replace(/\r\n|[\r\u0085\u2028\u2029]/g, "\n").normalize("NFC");
      var used = Array.from(text).length;
      counter.textContent = used.toLocaleString() + " / " + limit.toLocaleString();
      counter.classList.toggle("char-count-over", used > limit);
    }
    area.addEventListener("input", update);
    update();
  }

  /* Unsaved changes: leaving the page (a link, the language switch, closing the tab) while a
     form holds typed text that is not saved asks first, so nothing typed is lost without a
     warning. A page shown again with errors (aria-invalid) holds unsaved text from the start;
     an autosave that succeeded (no .save-status-error) makes the page clean again. */
  var unsaved = false;

  function tracked(form) {
    return form && form.method && form.method.toLowerCase() === "post" &&
      !form.classList.contains("lang-form") && !form.hasAttribute("data-no-unsaved-warning");
  }

  function markTyping(event) {
    if (tracked(event.target.form)) { unsaved = true; }
  }

  function startUnsavedGuard() {
    document.querySelectorAll("form").forEach(function (form) {
      if (tracked(form) && form.querySelector('[aria-invalid="true"]')) { unsaved = true; }
    });
    document.addEventListener("input", markTyping);
    document.addEventListener("change", markTyping);
    document.addEventListener("submit", function (event) {
      if (tracked(event.target)) { unsaved = false; }
    });
    document.body.addEventListener("htmx:afterSettle", function () {
      var status = document.getElementById("save-status");
      if (status) { unsaved = status.classList.contains("save-status-error"); }
    });
    window.addEventListener("beforeunload", function (event) {
      if (!unsaved) { return; }
      event.preventDefault();
      event.returnValue = "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-countdown]").forEach(startCountdown);
    document.querySelectorAll("textarea[data-maxlength]").forEach(startCounter);
    startUnsavedGuard();
  });
})();
