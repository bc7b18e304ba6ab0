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
      /* "{n}일" in Korean (no space), "{n} day(s)" in English: the page's own words. */
      var dayText = (days === 1 ? el.dataset.daysOne : el.dataset.daysOther) || "{n}";
      text.textContent = (days > 0 ? dayText.replace("{n}", String(days)) + " " : "") + hms;
      if (left < 3600) { el.classList.add("countdown-urgent"); }
      /* Wake just after the shown second changes, so a late timer never shows a second twice. */
      window.setTimeout(tick, (ms % 1000) + 15);
    }
    tick();
  }

  /* Live character counter under every text field that has a limit (data-maxlength): the
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
    document.body.addEventListener("htmx:afterSettle", function (event) {
      /* Only an autosave's answer says whether the typing is saved (not an upload's). */
      var target = event.detail && event.detail.target;
      if (target && target.id && target.id !== "save-status") { return; }
      var status = document.getElementById("save-status");
      if (status) { unsaved = status.classList.contains("save-status-error"); }
    });
    window.addEventListener("beforeunload", function (event) {
      if (!unsaved) { return; }
      event.preventDefault();
      event.returnValue = "";
    });
  }

  /* The language switch reloads the page in the other language (after a POST, a page that
     answers GET: core/language.py). What was typed in the page's forms -- not passwords,
     files or hidden fields -- travels in sessionStorage to the page the switch lands on and is
     put back there, so switching never loses input (issue 11, item 3). */
  var CARRY_KEY = "kbridge:carry";
  var SKIPPED_TYPES = ["password", "file", "hidden", "submit", "button", "reset", "image"];

  function carriedFields() {
    var fields = [];
    document.querySelectorAll("form").forEach(function (form) {
      if (!tracked(form)) { return; }
      Array.prototype.forEach.call(form.elements, function (el) {
        var type = (el.type || "").toLowerCase();
        if (!el.name || el.disabled || SKIPPED_TYPES.indexOf(type) >= 0) { return; }
        var checkable = type === "checkbox" || type === "radio";
        fields.push({ name: el.name, value: el.value, checked: checkable ? el.checked : null });
      });
    });
    return fields;
  }

  function carryTyping(event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("lang-form")) { return; }
    var fields = carriedFields();
    if (!fields.length) { return; }
    var next = form.querySelector('input[name="next"]');
    var path = next && next.value ? new URL(next.value, window.location.href).pathname
      : window.location.pathname;
    try {
      window.sessionStorage.setItem(CARRY_KEY, JSON.stringify({ path: path, fields: fields }));
    } catch (e) { return; }
    unsaved = false;  /* the typing travels with the switch: no "leave page?" prompt */
  }

  function restoreTyping() {
    var raw = null;
    try {
      raw = window.sessionStorage.getItem(CARRY_KEY);
      window.sessionStorage.removeItem(CARRY_KEY);
    } catch (e) { return; }
    if (!raw) { return; }
    var data;
    try { data = JSON.parse(raw); } catch (e) { return; }
    if (!data || data.path !== window.location.pathname || !Array.isArray(data.fields)) { return; }
    data.fields.forEach(function (field) {
      Array.prototype.forEach.call(document.getElementsByName(field.name), function (el) {
        var type = (el.type || "").toLowerCase();
        if (!tracked(el.form) || SKIPPED_TYPES.indexOf(type) >= 0) { return; }
        if (type === "checkbox" || type === "radio") {
          if (el.value !== field.value || el.checked === field.checked) { return; }
          el.checked = field.checked;
        } else {
          if (el.value === field.value) { return; }
          el.value = field.value;
        }
        unsaved = true;
        el.dispatchEvent(new Event(type === "checkbox" || type === "radio" || el.tagName === "SELECT"
          ? "change" : "input", { bubbles: true }));
      });
    });
  }

  /* The checklist above the submit button (issue 11, item 5). The server lists every item
     (applications/_checklist.html); items tied to a field follow what is on screen:
     "required" while the field is blank, "checked" while the box is unticked, "answer" while
     the field still holds the value the server found a problem with. Files and eligibility
     follow the server (an upload or a declaration swaps the list in again). */
  function checklistItemMissing(item) {
    var field = item.dataset.checkField && document.getElementById(item.dataset.checkField);
    var kind = item.dataset.checkKind;
    if (field && kind === "required") { return !field.value.trim(); }
    if (field && kind === "checked") { return !field.checked; }
    if (field && kind === "answer") { return field.value === item.dataset.checkValue; }
    return item.dataset.checkMissing === "1";
  }

  function updateChecklist() {
    var box = document.querySelector("[data-checklist]");
    if (!box) { return; }
    var missing = 0;
    box.querySelectorAll("li[data-check-kind]").forEach(function (item) {
      var isMissing = checklistItemMissing(item);
      item.hidden = !isMissing;
      if (isMissing) { missing += 1; }
    });
    var count = box.querySelector("[data-checklist-count]");
    if (count) { count.textContent = missing.toLocaleString(); }
    box.querySelector("[data-checklist-todo]").hidden = missing === 0;
    box.querySelector("[data-checklist-done]").hidden = missing !== 0;
  }

  /* Uploads never bring back older text (issue 11, item 7). An upload swaps only its own
     file card (and the storage line, the draft's version and the checklist, out of band),
     never the draft's fields. Before the file goes, the draft's pending autosave is sent and
     awaited, so the server holds what was typed; while a file goes, autosaves wait for it
     (both change the draft's version). */
  var draft = { form: null, dirty: false, inFlight: 0, waiters: [], upload: null, sending: null,
                leaving: false };

  function draftIdle() { return draft.inFlight === 0 && !draft.dirty; }

  function wakeDraftWaiters() {
    if (!draftIdle()) { return; }
    var waiters = draft.waiters;
    draft.waiters = [];
    waiters.forEach(function (resolve) { resolve(); });
  }

  function flushDraft() {
    return new Promise(function (resolve) {
      if (!draft.form) { resolve(); return; }
      if (draft.dirty) { window.htmx.trigger(draft.form, "change"); }
      if (draftIdle()) { resolve(); return; }
      draft.waiters.push(resolve);
      window.setTimeout(resolve, 20000);  /* a dead network must not hold the upload for ever */
    });
  }

  function fromDraft(event) { return draft.form && event.detail && event.detail.elt === draft.form; }

  function startDraftSync(form) {
    draft.form = form;
    function typed(event) {
      /* A field changed; the "change" flushDraft sends to the form itself is not typing. */
      if (event.target !== form) { draft.dirty = true; }
    }
    form.addEventListener("input", typed);
    form.addEventListener("change", typed);
    /* Once the form itself is submitted (save or submit: the whole page goes with its
       values), no autosave may follow it: it would race the submission. */
    form.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) { draft.leaving = true; }
    });
    window.addEventListener("pageshow", function () { draft.leaving = false; });
    document.body.addEventListener("htmx:confirm", function (event) {
      if (!fromDraft(event)) { return; }
      if (draft.leaving) { event.preventDefault(); return; }
      if (draft.sending) {
        event.preventDefault();
        draft.sending.then(function () { event.detail.issueRequest(true); });
      }
    });
    document.body.addEventListener("htmx:configRequest", function (event) {
      if (!fromDraft(event)) { return; }
      draft.dirty = false;  /* the values are collected now */
      /* An autosave always goes to the form's hx-post. htmx would send it to the formaction
         of the last button clicked, so an autosave queued behind another and sent after a
         click on "Submit" would submit a second time, as an XHR, in the background. */
      event.detail.path = form.getAttribute("hx-post");
    });
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      if (fromDraft(event)) { draft.inFlight += 1; }
    });
    document.body.addEventListener("htmx:afterRequest", function (event) {
      if (!fromDraft(event)) { return; }
      draft.inFlight = Math.max(0, draft.inFlight - 1);
      wakeDraftWaiters();
    });
  }

  function startUploads() {
    document.body.addEventListener("htmx:confirm", function (event) {
      var form = event.detail && event.detail.elt;
      if (!form || !form.matches || !form.matches("[data-upload-form]")) { return; }
      event.preventDefault();
      if (!form.reportValidity()) { return; }  /* no file chosen: the browser says so */
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      var previous = draft.upload || Promise.resolve();
      var upload = previous.then(flushDraft).then(function () {
        var sending = Promise.resolve(event.detail.issueRequest(true)).catch(function () {});
        draft.sending = sending;
        return sending;
      }).then(function () {
        draft.sending = null;
        if (button && document.body.contains(button)) { button.disabled = false; }
        if (draft.upload === upload) { draft.upload = null; }
      });
      draft.upload = upload;
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      var slot = event.detail && event.detail.target;
      if (!slot || !slot.id || slot.id.indexOf("slot-") !== 0) { return; }
      var fresh = document.getElementById(slot.id);
      var message = fresh && fresh.querySelector("[data-upload-message]");
      if (message) { message.focus(); }
    });
  }

  /* A step that cannot be undone (drawing a lottery, cancelling a meeting) asks first: the
     button (or its form) carries data-confirm="the question". Registered in the capture
     phase, before any other submit handler (unsaved-changes guard, htmx) sees the submit. */
  function confirmIrreversible(event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) ||
      (form && form.getAttribute && form.getAttribute("data-confirm"));
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }

  /* The live Q&A: the polled list is the same for every attendee (events/live_qna.py); the
     page keeps the user's own ids on #qna-live (data-qna-voted: the questions they voted
     for; data-qna-own: their own questions) and shows each question the form that fits:
     "vote", "take my vote back", or none on their own question. A vote's answer (the
     question's widget, data-qna-voted="1|0") updates the ids; a question of theirs that the
     moderators approved leaves the "only you see it" list once the audience's list has it. */
  function idsOf(live, name) {
    var value = live.getAttribute(name) || "";
    return value.split(" ").filter(function (id) { return id !== ""; });
  }

  function fitLiveQna(live) {
    var voted = idsOf(live, "data-qna-voted");
    var own = idsOf(live, "data-qna-own");
    live.querySelectorAll(".qna-vote[data-qna-question]").forEach(function (widget) {
      var id = widget.getAttribute("data-qna-question");
      var forms = widget.querySelectorAll("form[data-qna-on]");
      if (!forms.length) { return; }
      var mine = own.indexOf(id) !== -1;
      // A vote for a question merged into this one is now a vote for this one.
      var merged = (widget.getAttribute("data-qna-merged") || "").split(" ");
      if (voted.indexOf(id) === -1 && merged.some(function (m) {
        return m !== "" && voted.indexOf(m) !== -1;
      })) {
        voted.push(id);
        live.setAttribute("data-qna-voted", voted.join(" "));
      }
      var on = voted.indexOf(id) === -1 ? "1" : "0";
      forms.forEach(function (form) {
        form.hidden = mine || form.getAttribute("data-qna-on") !== on;
      });
    });
    document.querySelectorAll("[data-own]").forEach(function (item) {
      if (live.querySelector("#q" + item.getAttribute("data-own"))) { item.remove(); }
    });
  }

  function startLiveQna(live) {
    fitLiveQna(live);
    document.body.addEventListener("htmx:afterSwap", function (event) {
      var target = event.detail && event.detail.target;
      if (target === live) { fitLiveQna(live); return; }
      var widget = event.detail && event.detail.elt;
      var fresh = widget && widget.closest ? widget.closest(".qna-vote") : null;
      // outerHTML swaps replace the target: find the new widget by its question.
      var id = target && target.getAttribute && target.getAttribute("data-qna-question");
      fresh = id ? live.querySelector('.qna-vote[data-qna-question="' + id + '"]') : fresh;
      if (!fresh || !fresh.hasAttribute("data-qna-voted")) { return; }
      var voted = idsOf(live, "data-qna-voted").filter(function (v) { return v !== id; });
      if (fresh.getAttribute("data-qna-voted") === "1") { voted.push(id); }
      live.setAttribute("data-qna-voted", voted.join(" "));
    });
  }

  document.addEventListener("submit", confirmIrreversible, true);

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-countdown]").forEach(startCountdown);
    document.querySelectorAll("textarea[data-maxlength], input[data-maxlength]").forEach(startCounter);
    startUnsavedGuard();
    document.addEventListener("submit", carryTyping);
    var draftForm = document.getElementById("draft-form");
    if (draftForm && window.htmx) { startDraftSync(draftForm); }
    if (window.htmx) { startUploads(); }
    var live = document.getElementById("qna-live");
    if (live && window.htmx) { startLiveQna(live); }
    restoreTyping();
    updateChecklist();
    document.addEventListener("input", updateChecklist);
    document.addEventListener("change", updateChecklist);
    document.body.addEventListener("htmx:afterSettle", updateChecklist);
  });
})();
