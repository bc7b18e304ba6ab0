/* The staff check-in page's camera scanner (events, issue 15).

   The QR decoder is the `barcode-detector` npm package (a BarcodeDetector ponyfill on
   zxing-wasm), served from our own static files: its WebAssembly file's address comes from
   the page (data-wasm-url), never from a CDN. A detected code is put into the check-in form's
   hidden `payload` field and the form is submitted (htmx posts it; without htmx the browser
   does). The same code is not sent again until it has left the camera's view for
   LEAVE_MS (so one ticket held in front of the camera is checked once); stopping and
   starting the camera forgets it (a deliberate second scan). No inline scripts: CSP. */
(function () {
  "use strict";

  var SCAN_EVERY_MS = 150;
  var LEAVE_MS = 3000;

  function setUp(section) {
    var api = window.BarcodeDetectionAPI;
    var video = section.querySelector("[data-scanner-video]");
    var status = section.querySelector("[data-scanner-status]");
    var startButton = section.querySelector("[data-scanner-start]");
    var stopButton = section.querySelector("[data-scanner-stop]");
    var form = document.querySelector("[data-check-in-form]");
    var payloadField = form && form.querySelector("input[name=payload]");
    var codeField = form && form.querySelector("input[name=code]");
    var stream = null, detector = null, timer = null, lastValue = "", lastSeen = 0;

    function say(key) { status.textContent = section.dataset[key] || ""; }

    if (!api || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !form) {
      say("msgUnsupported");
      startButton.hidden = true;
      return;
    }
    api.prepareZXingModule({
      overrides: {
        locateFile: function (path, prefix) {
          return path.endsWith(".wasm") ? section.dataset.wasmUrl : prefix + path;
        }
      }
    });

    function send(value) {
      payloadField.value = value;
      if (codeField) { codeField.value = ""; }
      say("msgSending");
      form.requestSubmit();
    }

    function tick() {
      timer = null;
      if (!stream) { return; }
      detector.detect(video).then(function (codes) {
        var now = Date.now();
        var value = codes.length ? codes[0].rawValue : "";
        if (value && (value !== lastValue || now - lastSeen > LEAVE_MS)) {
          lastValue = value;
          send(value);
        }
        if (value) { lastSeen = now; }
      }).catch(function () { /* a frame that cannot be read yet: try the next one */ })
        .then(function () {
          if (stream && !timer) { timer = window.setTimeout(tick, SCAN_EVERY_MS); }
        });
    }

    function stop() {
      if (timer) { window.clearTimeout(timer); timer = null; }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
      stream = null;
      lastValue = "";
      video.srcObject = null;
      video.hidden = true;
      stopButton.hidden = true;
      startButton.hidden = false;
    }

    function start() {
      if (stream) { return; }
      say("msgStarting");
      startButton.hidden = true;
      detector = detector || new api.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" } }, audio: false
      }).then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        stopButton.hidden = false;
        return video.play();
      }).then(function () {
        section.dataset.scanning = "true";
        say("msgScanning");
        tick();
      }).catch(function () {
        stop();
        say("msgDenied");
      });
    }

    startButton.addEventListener("click", start);
    stopButton.addEventListener("click", function () {
      stop();
      delete section.dataset.scanning;
    });
    /* The payload goes with one request only; an admitted typed code is cleared for the
       next person. */
    document.body.addEventListener("htmx:afterRequest", function () { payloadField.value = ""; });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.target && event.target.id === "check-in-answer") {
        if (stream) { say("msgScanning"); }
        if (codeField && event.target.querySelector("[data-answer=admitted]")) {
          codeField.value = "";
        }
      }
    });
  }

  function init() {
    document.querySelectorAll("[data-check-in-scanner]").forEach(setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
