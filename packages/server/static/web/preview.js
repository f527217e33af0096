// The preview form: sends the template's files and the values to the sandboxed frame, which
// renders them. The frame has an opaque origin, so the message goes to '*'; nothing comes back.
(function () {
  var form = document.getElementById('preview-form');
  var frame = document.getElementById('preview-frame');
  if (!form || !frame) return;
  var files = Array.prototype.map.call(document.querySelectorAll('#preview-sources pre'), function (p) {
    return { path: p.getAttribute('data-path'), engine: p.getAttribute('data-engine'), source: p.textContent };
  });
  var loaded = false;
  var pending = null;
  function values() {
    var out = {};
    Array.prototype.forEach.call(form.querySelectorAll('input[name]'), function (el) {
      var type = el.getAttribute('data-type');
      if (type === 'boolean') out[el.name] = el.checked;
      else if ((type === 'number' || type === 'integer') && el.value !== '') out[el.name] = Number(el.value);
      else if (type === 'array' || type === 'object') {
        try {
          out[el.name] = JSON.parse(el.value);
        } catch (e) {
          out[el.name] = el.value;
        }
      } else if (el.value !== '') out[el.name] = el.value;
      // A field left empty is not passed at all, as when a user gives the generator no value:
      // an empty string would also shadow whatever else the name means where the template runs.
    });
    return out;
  }
  function send() {
    var msg = { kind: 'render', files: files, values: values() };
    if (loaded) frame.contentWindow.postMessage(msg, '*');
    else pending = msg;
  }
  frame.addEventListener('load', function () {
    loaded = true;
    if (pending) frame.contentWindow.postMessage(pending, '*');
    pending = null;
  });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    send();
  });
})();
