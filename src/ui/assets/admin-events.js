// The new-event form: "more session rows" adds one empty row in place instead of posting
// the form to get three more. Without this file the button still works (the server adds rows).
(function () {
  'use strict';
  var container = document.querySelector('[data-session-rows]');
  var button = document.querySelector('[data-add-session-row]');
  if (!container || !button) return;
  var counter = container.querySelector('input[name="_rows"]');
  var template = container.getAttribute('data-legend') || '{n}';

  function renumber(text, index) {
    return text
      .replace(/sessions\.\d+\./g, 'sessions.' + index + '.')
      .replace(/f-sessions-\d+-/g, 'f-sessions-' + index + '-');
  }

  button.addEventListener('click', function (event) {
    var rows = container.querySelectorAll('[data-session-row]');
    var last = rows[rows.length - 1];
    if (!last) return;
    event.preventDefault();
    var index = rows.length;
    var row = last.cloneNode(true);
    // A copy of a refused row must not carry its messages or its values.
    Array.prototype.forEach.call(row.querySelectorAll('.error, .hint'), function (node) { node.parentNode.removeChild(node); });
    Array.prototype.forEach.call(row.querySelectorAll('.has-error'), function (node) { node.classList.remove('has-error'); });
    Array.prototype.forEach.call(row.querySelectorAll('input, label'), function (node) {
      ['id', 'name', 'for'].forEach(function (attribute) {
        var value = node.getAttribute(attribute);
        if (value) node.setAttribute(attribute, renumber(value, index));
      });
      node.removeAttribute('aria-invalid');
      node.removeAttribute('aria-describedby');
      if (node.tagName === 'INPUT') node.value = '';
    });
    var legend = row.querySelector('legend');
    if (legend) legend.textContent = template.replace('{n}', String(index + 1));
    last.parentNode.insertBefore(row, last.nextSibling);
    if (counter) counter.value = String(index + 1);
    var first = row.querySelector('input');
    if (first) first.focus();
  });
})();
