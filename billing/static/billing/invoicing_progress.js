(function () {
    // Progressive enhancement: poll the run's status; without JavaScript, "Refresh" works.
    const box = document.querySelector("[data-invoicing-run]");
    if (!box || ["done", "failed"].includes(box.dataset.state)) return;
    const bar = box.querySelector("progress");
    const message = box.querySelector("[data-invoicing-message]");
    const refresh = box.querySelector("[data-invoicing-refresh]");
    async function poll() {
        const response = await fetch(box.dataset.statusUrl, {headers: {Accept: "application/json"}});
        if (!response.ok) return;
        const s = await response.json();
        if (s.total) { bar.max = s.total; }
        bar.value = s.state === "done" ? bar.max : s.done;
        if (s.state === "running") {
            message.textContent = `Running: ${s.done} of ${s.total ?? "?"} accounts checked.`;
        } else if (s.state === "done") {
            message.textContent = `Done. ${s.report}`;
        } else if (s.state === "failed") {
            message.textContent = `Stopped. ${s.report}`;
        }
        if (s.state === "done" || s.state === "failed") { refresh.hidden = true; return; }
        setTimeout(poll, 1000);
    }
    setTimeout(poll, 500);
})();
