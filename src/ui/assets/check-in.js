/*
 * Check-in desk: scan the QR code of a confirmation page with the camera. Only an addition:
 * the button stays hidden unless the browser can read QR codes (BarcodeDetector with
 * 'qr_code') and open a camera (getUserMedia, which needs a secure context); typing the code
 * always works. The QR code holds the check-in code itself: it goes into the code field and
 * the form is sent as if typed.
 */
(function () {
  'use strict';
  var form = document.getElementById('check-in-form');
  var start = document.getElementById('scan-start');
  var video = document.getElementById('scan-video');
  var status = document.getElementById('scan-status');
  var input = document.getElementById('f-code');
  if (!form || !start || !video || !status || !input) return;
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== 'function' || !window.isSecureContext) return;

  var startLabel = start.textContent;
  var stream = null;
  var timer = null;

  function stop() {
    if (timer) window.clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    video.hidden = true;
    start.textContent = startLabel;
    start.setAttribute('aria-pressed', 'false');
  }

  function found(value) {
    stop();
    input.value = String(value).trim();
    status.textContent = '';
    if (typeof form.requestSubmit === 'function') form.requestSubmit();
    else form.submit();
  }

  function scan(detector) {
    if (!stream) return;
    detector.detect(video).then(function (codes) {
      var code = codes.find(function (c) { return c.rawValue; });
      if (code) found(code.rawValue);
      else timer = window.setTimeout(function () { scan(detector); }, 200);
    }).catch(function () {
      timer = window.setTimeout(function () { scan(detector); }, 400);
    });
  }

  function open() {
    var detector = new window.BarcodeDetector({ formats: ['qr_code'] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false }).then(function (media) {
      stream = media;
      video.srcObject = media;
      video.hidden = false;
      start.textContent = start.getAttribute('data-stop-label') || startLabel;
      start.setAttribute('aria-pressed', 'true');
      status.textContent = status.getAttribute('data-looking') || '';
      return video.play();
    }).then(function () {
      scan(detector);
    }).catch(function () {
      stop();
      status.textContent = status.getAttribute('data-failed') || '';
      input.focus();
    });
  }

  window.BarcodeDetector.getSupportedFormats().then(function (formats) {
    if (formats.indexOf('qr_code') === -1) return;
    start.hidden = false;
    start.setAttribute('aria-pressed', 'false');
    start.addEventListener('click', function () {
      if (stream) { stop(); input.focus(); } else open();
    });
    // A camera left open when the page is left would keep its light on.
    window.addEventListener('pagehide', stop);
  }).catch(function () { /* no scanning: the typed code still works */ });
}());
