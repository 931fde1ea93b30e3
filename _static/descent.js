// ipywidgets 8's labels call MathJax 2's `MathJax.Hub.Queue` to typeset their text; the book loads
// MathJax 3, which has no Hub, so every widget label logged "Cannot read properties of undefined
// (reading 'Queue')". The course's widget labels are plain text (Unicode symbols, no TeX), so the
// bridge does nothing: typesetting through MathJax 3 from there would make it load components
// through require.js, which fails.
(function () {
  function bridge() {
    var mj = window.MathJax;
    if (mj && !mj.Hub) {
      mj.Hub = { Queue: function () {} };
    }
  }
  bridge();
  document.addEventListener("DOMContentLoaded", bridge);
  window.addEventListener("load", bridge);
})();
