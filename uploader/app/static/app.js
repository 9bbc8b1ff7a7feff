// The app's only script, served by the app itself (the page's policy forbids inline script).
// It adds three conveniences; every step also works without it.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // 1. Drag and drop: a file dropped on the panel becomes the file input's file.
  var drop = document.getElementById("drop");
  if (drop) {
    var input = drop.querySelector("input[type=file]");
    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
      }
    });
  }

  // 2. The start time is typed in the user's own zone: fill it in from the browser.
  document.querySelectorAll("input.own-zone").forEach(function (field) {
    if (!field.value && window.Intl) {
      field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    }
  });

  // 3. Progress: ask the app (which asks the API) every two seconds until the batches end.
  var panel = document.getElementById("progress");
  if (panel) {
    var poll = function () {
      fetch(panel.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          document.getElementById("batch-status").textContent = data.status;
          document.getElementById("outage").textContent = data.outage || "";
          var body = document.getElementById("calls");
          while (body.firstChild) { body.removeChild(body.firstChild); }
          Object.keys(data.calls).forEach(function (status) {
            var row = body.insertRow();
            row.insertCell().textContent = status;
            var count = row.insertCell();
            count.textContent = String(data.calls[status]);
            count.className = "num";
          });
          var parts = document.querySelectorAll("[data-testid=part-status]");
          data.batches.forEach(function (batch, index) {
            if (parts[index]) { parts[index].textContent = batch.status; }
          });
          if (data.results) { document.getElementById("downloads").classList.remove("hidden"); }
          if (!(data.finished && data.results)) { window.setTimeout(poll, 2000); }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 1000);
  }
});
