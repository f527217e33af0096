// Runs inside the sandboxed preview frame (opaque origin, no network: see FRAME_CSP). Renders
// each file with its engine and shows the output as text, never as HTML.
(function () {
  var out = document.getElementById('out');
  function show(results) {
    out.textContent = '';
    results.forEach(function (r) {
      var section = document.createElement('section');
      var h = document.createElement('h2');
      h.textContent = r.path + (r.to ? ' \u2192 ' + r.to : '');
      section.appendChild(h);
      var pre = document.createElement('pre');
      pre.className = r.error ? 'error' : 'output';
      pre.textContent = r.error ? 'Error: ' + r.error : r.output;
      section.appendChild(pre);
      out.appendChild(section);
    });
  }
  function render(file, values) {
    if (file.engine === 'ejs') return window.ejs.render(file.source, values, {});
    var env = new window.nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
    return env.renderString(file.source, values);
  }
  // Frontmatter (`to:` and friends) is rendered with the body, as the generators do; show where the file would go.
  function split(text) {
    var m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
    if (!m) return { to: null, body: text };
    var to = /^to:\s*(.*)$/m.exec(m[1]);
    return { to: to ? to[1].trim() : null, body: m[2] };
  }
  window.addEventListener('message', function (e) {
    if (e.source !== window.parent || !e.data || e.data.kind !== 'render') return;
    var values = e.data.values || {};
    show(
      (e.data.files || []).map(function (f) {
        try {
          const parts = split(String(render(f, values)));
          return { path: f.path, to: parts.to, output: parts.body };
        } catch (err) {
          return { path: f.path, error: String((err && err.message) || err) };
        }
      }),
    );
  });
})();
