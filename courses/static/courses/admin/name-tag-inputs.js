// Wagtail's tag field draws its own text box (jQuery tag-it) after the page loads, with no
// label of its own; the field's label names the hidden input it replaces. Give each drawn
// box that label's words, now and whenever a panel (or a new inline) draws another.
(function () {
  function name(root) {
    root.querySelectorAll("ul.tagit").forEach(function (list) {
      var box = list.querySelector("input.ui-autocomplete-input");
      var field = list.previousElementSibling;
      if (!box || box.hasAttribute("aria-label") || !field || !field.id) return;
      var label = document.querySelector('label[for="' + field.id + '"]');
      if (label) box.setAttribute("aria-label", label.textContent.trim());
    });
  }
  function start() {
    name(document);
    new MutationObserver(function () { name(document); }).observe(document.body, {
      childList: true,
      subtree: true,
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
