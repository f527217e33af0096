// Search as you type: asks the server for the rendered result list (escaping stays server-side)
// and swaps it in. Without this script the form still works as a plain GET.
(function () {
  var form = document.querySelector('form.search[data-fragment]');
  if (!form) return;
  var input = form.querySelector('input[name="q"]');
  var results = document.getElementById('results');
  var timer = null;
  var seq = 0;
  function run() {
    var q = input.value;
    var mine = ++seq;
    fetch(form.getAttribute('data-fragment') + '?q=' + encodeURIComponent(q), { headers: { Accept: 'text/html' }, credentials: 'same-origin' })
      .then(function (r) {
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html === null || mine !== seq) return;
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.getElementById('results');
        if (fresh && results) {
          results.replaceWith(fresh);
          results = fresh;
        }
        history.replaceState(null, '', '?q=' + encodeURIComponent(q));
      })
      .catch(function () {});
  }
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
  });
})();
