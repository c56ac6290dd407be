// The door register without page reloads: each Present/Absent tap is sent in the background
// and the row updates in place. Without this script the same forms post and the page reloads.
(function () {
  "use strict";
  var register = document.querySelector("[data-register]");
  if (!register || !window.fetch || !window.FormData) return;
  var live = document.getElementById("register-live");
  var count = document.getElementById("register-count");

  function recount() {
    var rows = register.querySelectorAll(".register__row");
    var marked = 0, present = 0;
    rows.forEach(function (row) {
      if (row.dataset.state !== "unmarked") marked += 1;
      if (row.dataset.state === "present") present += 1;
    });
    if (count) count.textContent = marked + " of " + rows.length + " marked, " + present + " present";
  }

  register.addEventListener("submit", function (event) {
    var form = event.target.closest(".register__marks");
    var button = event.submitter;
    if (!form || !button) return;
    event.preventDefault();
    var row = form.closest(".register__row");
    var data = new FormData(form);
    data.append(button.name, button.value);
    var error = row.querySelector(".register-error");
    if (error) error.remove();
    button.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) throw new Error(result.body.error || "Not saved. Try again.");
        var present = result.body.present;
        form.querySelector('[value="yes"]').setAttribute("aria-pressed", String(present));
        form.querySelector('[value="no"]').setAttribute("aria-pressed", String(!present));
        row.dataset.state = present ? "present" : "absent";
        recount();
        if (live) live.textContent = row.dataset.name + ": " + (present ? "present" : "absent");
      })
      .catch(function (problem) {
        var message = document.createElement("p");
        message.className = "register-error";
        message.textContent = problem.message || "Not saved. Check your connection and try again.";
        row.appendChild(message);
        if (live) live.textContent = row.dataset.name + ": " + message.textContent;
      })
      .finally(function () { button.removeAttribute("aria-busy"); });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
