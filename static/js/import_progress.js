/* Import progress: polls GET /api/v1/jobs/{id}/ (the URL is in data-job-url) until the job is
   done or failed, and updates the bar, the counts and the list of bad rows. A static file, never
   inline script (the Content-Security-Policy allows scripts from 'self' only). */
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box) { return; }
  var url = box.getAttribute("data-job-url");
  var finished = { done: true, failed: true };
  // The status names come translated from the page (data-label-<status>).
  function statusLabel(status) { return box.getAttribute("data-label-" + status) || status; }

  function field(name) { return document.querySelector('[data-field="' + name + '"]'); }
  function setText(name, value) { var el = field(name); if (el) { el.textContent = String(value); } }

  function render(job) {
    box.setAttribute("data-status", job.status);
    setText("status_label", statusLabel(job.status));
    setText("progress_text", job.progress + "/" + job.total);
    var bar = field("bar");
    if (bar && job.total > 0) {
      bar.max = job.total;
      bar.value = job.progress;
      bar.textContent = job.progress + "/" + job.total;
    }
    setText("created_count", job.created_count);
    setText("updated_count", job.updated_count);
    setText("unchanged_count", job.unchanged_count);
    setText("error_count", job.errors.length);
    var failure = field("failure");
    if (failure) { failure.textContent = job.failure || ""; failure.hidden = !job.failure; }
    var body = field("errors");
    if (body && job.errors.length) {
      while (body.firstChild) { body.removeChild(body.firstChild); }
      job.errors.forEach(function (e) {
        var tr = document.createElement("tr");
        [e.row, e.field, e.message].forEach(function (v) {
          var td = document.createElement("td");
          td.textContent = v === undefined || v === null ? "" : String(v);
          tr.appendChild(td);
        });
        body.appendChild(tr);
      });
    }
  }

  var delay = 500;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (job) {
        render(job);
        if (!finished[job.status]) { setTimeout(poll, delay); }
      })
      .catch(function () {
        // A network hiccup or a restarting server: back off and try again.
        delay = Math.min(delay * 2, 10000);
        setTimeout(poll, delay);
      });
  }

  if (!finished[box.getAttribute("data-status")]) { poll(); }
})();
