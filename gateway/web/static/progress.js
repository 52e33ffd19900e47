// Live delivery progress on the console's alert page: polls the URL in the
// section's data-progress-url every few seconds and writes the counts into
// the table the server rendered. Without JavaScript the page-load counts stay.
(function () {
  "use strict";

  var INTERVAL_MS = 4000;
  var MAX_FAILURES = 5;

  function start() {
    var section = document.querySelector("[data-progress-url]");
    if (!section) {
      return;
    }
    var failures = 0;
    var timer = window.setInterval(poll, INTERVAL_MS);

    function poll() {
      if (document.hidden) {
        return;
      }
      fetch(section.dataset.progressUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (answer) {
          if (!answer.ok) {
            throw new Error("progress answered " + answer.status);
          }
          return answer.json();
        })
        .then(function (progress) {
          failures = 0;
          show(section, progress);
        })
        .catch(function () {
          failures += 1;
          if (failures >= MAX_FAILURES) {
            window.clearInterval(timer);
          }
        });
    }
  }

  function show(section, progress) {
    setField(section, "finished", progress.finished);
    setField(section, "total", progress.total);
    setField(section, "percentFinished", progress.percentFinished);
    setField(section, "firstSent", moment(progress.firstSent));
    setField(section, "lastSent", moment(progress.lastSent));
    setField(section, "updated", new Date().toLocaleTimeString(language()));

    var bar = section.querySelector('[data-field="bar"]');
    if (bar) {
      bar.max = progress.total || 1;
      bar.value = progress.finished;
    }
    progress.statuses.forEach(function (status) {
      setAll(section, '[data-total="' + status + '"]', progress.totals[status]);
      setAll(section, '[data-percent="' + status + '"]', progress.percent[status]);
    });
    Object.keys(progress.secondsToPercent).forEach(function (percent) {
      var seconds = progress.secondsToPercent[percent];
      setAll(section, '[data-seconds="' + percent + '"]', seconds === null ? "—" : seconds);
    });
    showChannels(section, progress);
  }

  function showChannels(section, progress) {
    var body = section.querySelector('[data-field="channels"]');
    if (!body) {
      return;
    }
    var rows = progress.channels.map(function (channel) {
      var row = document.createElement("tr");
      row.dataset.channel = channel.channel;
      var name = document.createElement("th");
      name.scope = "row";
      name.textContent = channel.name;
      row.appendChild(name);
      progress.statuses.forEach(function (status) {
        row.appendChild(cell(status, channel.counts[status]));
      });
      row.appendChild(cell("total", channel.total));
      return row;
    });
    body.replaceChildren.apply(body, rows);
  }

  function cell(status, value) {
    var td = document.createElement("td");
    td.dataset.status = status;
    td.textContent = String(value);
    return td;
  }

  function setField(section, name, value) {
    setAll(section, '[data-field="' + name + '"]', value);
  }

  function setAll(section, selector, value) {
    section.querySelectorAll(selector).forEach(function (element) {
      if (element.tagName !== "PROGRESS" && element.tagName !== "TBODY") {
        element.textContent = String(value);
      }
    });
  }

  function moment(text) {
    return text ? new Date(text).toLocaleString(language()) : "—";
  }

  function language() {
    return document.documentElement.lang || "id";
  }

  document.addEventListener("DOMContentLoaded", start);
})();
