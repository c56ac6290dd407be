// Progressive enhancement for "Find your school": results update as you type.
// Without JavaScript the form submits normally and the page lists the results.
(function () {
  var form = document.querySelector("[data-school-search]");
  if (!form || !window.fetch) return;
  var input = form.querySelector("input[name=q]");
  var results = document.getElementById("school-results");
  var timer = null;
  var latest = 0;
  input.setAttribute("autocomplete", "off");
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var query = input.value.trim();
    if (query.length < 2) return;
    timer = setTimeout(function () {
      var ticket = ++latest;
      var url = form.action + "?partial=1&q=" + encodeURIComponent(query);
      fetch(url, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { if (ticket === latest && html) results.innerHTML = html; });
    }, 200);
  });
})();
