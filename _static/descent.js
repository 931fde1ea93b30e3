// Descent's small fixes to the website, as a reader uses it (screen reader, keyboard, dark mode).
//
// 1. ipywidgets 8's labels call MathJax 2's `MathJax.Hub.Queue` to typeset their text; the book loads
//    MathJax 3, which has no Hub, so every widget label logged "Cannot read properties of undefined
//    (reading 'Queue')". The course's widget labels are plain text (Unicode symbols, no TeX), so the
//    bridge does nothing: typesetting through MathJax 3 from there would make it load components
//    through require.js, which fails.
// 2. A widget slider's handle (noUiSlider) has no accessible name and announces its position ("5"):
//    name it after the slider's label and let it announce the value the reader sees ("0.9"); a
//    dropdown is named after its label too.
// 3. The theme's search buttons show "Search Ctrl+K" but are named "Search": a screen reader and a
//    voice-control user must hear the words they see, so the visible text names them. Its colour
//    mode button shows an icon titled "Light", "Dark" or "System Settings" but is named "Color mode":
//    it is named "Color mode: Light" (and so on), which also tells the mode it is in.
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

  function labelOf(row) {
    var label = row && row.querySelector(".widget-label");
    return label ? label.textContent.trim() : "";
  }

  function setIfChanged(el, name, value) {
    if (value && el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function fixWidgets(root) {
    root.querySelectorAll(".widget-hslider, .widget-vslider").forEach(function (row) {
      var handle = row.querySelector(".noUi-handle");
      if (!handle) return;
      setIfChanged(handle, "aria-label", labelOf(row) || "value");
      var readout = row.querySelector(".widget-readout");
      if (readout) setIfChanged(handle, "aria-valuetext", readout.textContent.trim());
    });
    root.querySelectorAll(".widget-dropdown select").forEach(function (select) {
      if (!select.getAttribute("aria-label") && !select.labels.length) {
        setIfChanged(select, "aria-label", labelOf(select.closest(".widget-dropdown")));
      }
    });
    root.querySelectorAll(".search-button-field[aria-label]").forEach(function (button) {
      button.removeAttribute("aria-label");
    });
    var mode = document.documentElement.dataset.mode;
    root.querySelectorAll(".theme-switch-button").forEach(function (button) {
      var icon = button.querySelector('[data-mode="' + mode + '"]');
      var title = icon && (icon.getAttribute("title") || (icon.querySelector("title") || {}).textContent);
      if (title) setIfChanged(button, "aria-label", "Color mode: " + title);
    });
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      fixWidgets(document);
    });
  }

  function start() {
    fixWidgets(document);
    // widgets render after the page loads, and a slider's readout changes as it moves
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true, characterData: true });
    new MutationObserver(schedule).observe(document.documentElement, { attributes: true,
                                                                      attributeFilter: ["data-mode"] });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
