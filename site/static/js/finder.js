// Progressive enhancement for the course finder (/courses/).
// Without JavaScript the finder is a plain GET form: every choice is a link or a submit.
// With it, ticking a box, changing the sort, searching, paging or removing a filter fetches
// the same URL with partial=1, swaps the facets and results in place, keeps the URL
// shareable with history.pushState, and reads the new result count out.
(function () {
  var form = document.querySelector("[data-finder]");
  if (!form || !window.fetch || !window.URLSearchParams || !history.pushState) return;
  var region = document.getElementById("finder-region");
  var status = document.getElementById("finder-status");
  var input = form.querySelector("input[name=q]");
  var latest = 0;

  form.classList.add("finder--live"); // hides the "Apply filters" buttons: choices apply at once

  // On a phone the filters fold away behind their summary, so the results are in reach;
  // whether they are open survives each update.
  var narrow = window.matchMedia("(max-width: 48rem)");
  var filtersOpen = !narrow.matches;
  function fitFilters() {
    var panel = region.querySelector("[data-finder-filters]");
    if (!panel) return;
    panel.open = narrow.matches ? filtersOpen : true;
    panel.addEventListener("toggle", function () {
      if (narrow.matches) filtersOpen = panel.open;
    });
  }
  fitFilters();
  if (narrow.addEventListener) narrow.addEventListener("change", fitFilters);

  function formUrl() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (value !== "") params.append(key, value);
    });
    // No page number: it is not a form field, so a new choice starts again at page 1.
    var query = params.toString();
    return form.action + (query ? "?" + query : "");
  }

  function partialUrl(url) {
    var u = new URL(url, window.location.href);
    u.searchParams.set("partial", "1");
    return u.toString();
  }

  function load(url, options) {
    var ticket = ++latest;
    region.setAttribute("aria-busy", "true");
    fetch(partialUrl(url), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("finder: " + response.status);
        return response.text();
      })
      .then(function (html) {
        if (ticket !== latest) return; // a later choice has overtaken this one
        var focused = document.activeElement;
        var focusedId = focused && region.contains(focused) ? focused.id : "";
        region.innerHTML = html;
        region.removeAttribute("aria-busy");
        fitFilters();
        if (options.push) history.pushState({ finder: true }, "", url);
        input.value = new URL(url, window.location.href).searchParams.get("q") || "";
        var heading = document.getElementById("results-heading");
        if (heading) status.textContent = heading.getAttribute("data-announce");
        // Keep a keyboard user where they were: on the same checkbox, or on the results after
        // following a link (the link itself has gone).
        var again = focusedId && document.getElementById(focusedId);
        if (again) again.focus();
        else if (options.focusResults && heading) heading.focus();
      })
      .catch(function () {
        window.location.href = url; // the server renders the same page in full
      });
  }

  form.addEventListener("change", function (event) {
    if (event.target === input) return; // words are searched on submit, not on blur
    load(formUrl(), { push: true });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    load(formUrl(), { push: true }); // focus stays in the search box; the count is read out
  });

  region.addEventListener("click", function (event) {
    // "Show N courses" under the filters on a phone: fold them away and go to the results.
    var show = event.target.closest("a[data-finder-show]");
    if (show) {
      event.preventDefault();
      var panel = region.querySelector("[data-finder-filters]");
      filtersOpen = false;
      if (panel && narrow.matches) panel.open = false;
      var heading = document.getElementById("results-heading");
      if (heading) heading.focus();
      return;
    }
    var link = event.target.closest("a[data-finder-link]");
    var modified = event.ctrlKey || event.metaKey || event.shiftKey || event.altKey;
    if (!link || event.button !== 0 || modified) return; // let new tabs and windows open
    event.preventDefault();
    load(link.href, { push: true, focusResults: true });
  });

  window.addEventListener("popstate", function () {
    load(window.location.href, { push: false });
  });

  // Course titles as you type, from two characters, in a <datalist>.
  var listId = "finder-suggestions";
  var datalist = document.createElement("datalist");
  datalist.id = listId;
  form.appendChild(datalist);
  input.setAttribute("list", listId);
  var timer = null;
  var asked = "";
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var text = input.value.trim();
    if (text.length < 2 || text === asked) return;
    timer = setTimeout(function () {
      asked = text;
      fetch(form.getAttribute("data-autocomplete-url") + "?q=" + encodeURIComponent(text), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (suggestions) {
          if (asked !== text) return;
          datalist.innerHTML = "";
          suggestions.forEach(function (s) {
            var option = document.createElement("option");
            option.value = s.title;
            datalist.appendChild(option);
          });
        })
        .catch(function () {});
    }, 150);
  });
})();
