// Registers the service worker (gateway/web/static/sw.js) and shows the
// "offline — last updated" mark: when the page is a copy the service worker
// kept (it marks <html data-cached-at>), or when the connection drops while
// the page is open. Without script the page simply has no offline copy.
(function () {
  "use strict";

  const loadedAt = new Date();
  const mark = document.getElementById("offline-mark");

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {
      // Private windows and some old browsers refuse; the page works on.
    });
  }
  if (!mark) return;

  const cachedAt = document.documentElement.getAttribute("data-cached-at");
  if (cachedAt) show(new Date(cachedAt));
  if (!navigator.onLine) show(cachedAt ? new Date(cachedAt) : loadedAt);
  window.addEventListener("offline", function () {
    show(cachedAt ? new Date(cachedAt) : loadedAt);
  });
  window.addEventListener("online", function () {
    if (!cachedAt) mark.hidden = true;
  });

  function show(when) {
    if (isNaN(when.getTime())) return;
    const time = mark.querySelector("time");
    time.dateTime = when.toISOString();
    time.textContent = written(when);
    mark.hidden = false;
  }

  function written(when) {
    const language = document.documentElement.lang || "id";
    const options = { dateStyle: "medium", timeStyle: "short" };
    try {
      return new Intl.DateTimeFormat(language, {
        ...options, timeZone: mark.dataset.timeZone || undefined,
      }).format(when);
    } catch (error) {
      return when.toLocaleString();
    }
  }
})();
