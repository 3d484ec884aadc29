// The sign-up form of an event taking both kinds: without JavaScript both fieldsets show,
// with a choice of kind; with it, only the chosen kind's fields do. Nothing else changes:
// the page posts the chosen kind, and only that kind's fields are sent to the API.
(function () {
  var form = document.querySelector('form.signup');
  if (!form) return;
  var radios = form.querySelectorAll('input[name="kind"][type="radio"]');
  if (radios.length === 0) return;
  function show() {
    var chosen = form.querySelector('input[name="kind"]:checked');
    var kind = chosen ? chosen.value : null;
    form.querySelectorAll('fieldset[data-kind]').forEach(function (fieldset) {
      fieldset.hidden = kind !== null && fieldset.getAttribute('data-kind') !== kind;
    });
  }
  radios.forEach(function (radio) { radio.addEventListener('change', show); });
  show();
})();
