// Copy buttons for install lines.
document.addEventListener('click', function (e) {
  var b = e.target.closest && e.target.closest('button[data-copy]');
  if (!b) return;
  var text = b.getAttribute('data-copy');
  var done = function () {
    b.textContent = 'Copied';
    setTimeout(function () {
      b.textContent = 'Copy';
    }, 1500);
  };
  if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, function () {});
});
