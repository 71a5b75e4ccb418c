// Sizes and colours that come from data: a bar's width (data-bar-width, a percentage) and a
// swatch's colour (data-swatch). The Content-Security-Policy allows no style="" attributes,
// so they are set here through the CSSOM, on load and on whatever is inserted later (live
// updates, htmx swaps).
(function () {
  "use strict";

  var COLOUR = /^#[0-9a-fA-F]{3,8}$/;

  function apply(root) {
    if (!root.querySelectorAll) return;
    var nodes = Array.prototype.slice.call(root.querySelectorAll("[data-bar-width],[data-swatch]"));
    if (root.matches && root.matches("[data-bar-width],[data-swatch]")) nodes.push(root);
    nodes.forEach(function (node) {
      var width = parseFloat(node.getAttribute("data-bar-width"));
      if (!isNaN(width)) node.style.width = Math.max(0, Math.min(width, 100)) + "%";
      var colour = node.getAttribute("data-swatch");
      if (colour && COLOUR.test(colour)) node.style.background = colour;
    });
  }

  function start() {
    apply(document);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(apply);
        if (change.type === "attributes") apply(change.target);
      });
    }).observe(document.body, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["data-bar-width", "data-swatch"],
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
