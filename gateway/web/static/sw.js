// Kentongan's service worker: the public pages offline, and Web Push alerts.
//
// Public pages ("/", "/drills", "/shelters", "/alerts/<id>", an alert's
// shelters GeoJSON and the lists' map files) are fetched from the network
// first; a copy of each answer is kept, stamped with the time it was fetched
// (header X-Kentongan-Fetched). When the network fails, is slower than
// NETWORK_TIMEOUT_MS or the server answers 5xx, the copy is served instead,
// its <html> element carrying data-cached-at so the page can say how old it
// is. Nothing else is cached: not the console, the login, the API, manage
// pages (/s/, secret links) or anything but GET.
// SEVERITY_WORDS is written before this file by the server (gateway/web/pwa.py).
//
// Known gap: a kept copy is shown while the network is down even when its
// alert has since been cancelled or has expired; only the mark's time tells
// how old it is. Copies are kept per address, so "/?lang=en" is offline only
// after it was opened once; the install step keeps the Indonesian pages.
// Known gap: no "pushsubscriptionchange" handler; when a push service renews
// a subscription, the resident subscribes again on the subscribe page.
// Known gap: kept copies are never pruned until the cache VERSION changes;
// each is one page of a few tens of kilobytes.

const VERSION = "v1";
const PAGES = "kentongan-pages-" + VERSION;
const FILES = "kentongan-files-" + VERSION;
const NETWORK_TIMEOUT_MS = 4000;
const FETCHED_HEADER = "X-Kentongan-Fetched";
const PRECACHED_PAGES = ["/", "/shelters"];
const PRECACHED_FILES = [
  "/static/site.css",
  "/static/offline.js",
  "/static/push.js",
  "/static/public-map.js",
  "/static/icons/icon.svg",
  "/vendor/leaflet/leaflet.js",
  "/vendor/leaflet/leaflet.css",
];
const PUBLIC_PAGE = /^\/(?:drills|shelters|(?:alerts|drills)\.geojson|alerts\/[0-9a-f]{32}(?:\/shelters\.geojson)?)?$/;
const FILE = /^\/(?:static|vendor)\//;

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(dropOldCaches().then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (PUBLIC_PAGE.test(url.pathname)) {
    event.respondWith(networkFirst(request));
  } else if (FILE.test(url.pathname)) {
    event.respondWith(fileFromCache(request, event));
  }
});

async function precache() {
  const pages = await caches.open(PAGES);
  await Promise.all(PRECACHED_PAGES.map(async (path) => {
    try {
      const answer = await fetch(path, { credentials: "same-origin" });
      if (answer.ok) await pages.put(path, await stamped(answer));
    } catch (error) {
      // Offline while installing: the page is cached on its first visit.
    }
  }));
  const files = await caches.open(FILES);
  await Promise.all(PRECACHED_FILES.map((path) => files.add(path).catch(() => null)));
}

async function dropOldCaches() {
  const names = await caches.keys();
  const old = names.filter((name) => name.startsWith("kentongan-") &&
    name !== PAGES && name !== FILES);
  await Promise.all(old.map((name) => caches.delete(name)));
}

async function networkFirst(request) {
  const cache = await caches.open(PAGES);
  const network = fetch(request).then(async (answer) => {
    if (isKeepable(answer)) await cache.put(request.url, await stamped(answer.clone()));
    return answer;
  });
  const kept = await cache.match(request.url, { ignoreVary: true });
  if (!kept) return network.catch(() => offlineAnswer(request));
  const late = new Promise((resolve) => setTimeout(resolve, NETWORK_TIMEOUT_MS, null));
  // An overloaded or unreachable server (5xx) is answered by the copy too.
  const usable = network.then((answer) => (answer.status < 500 ? answer : null));
  const first = await Promise.race([usable.catch(() => null), late]);
  if (first) return first;
  return fromCache(kept, request);
}

function isKeepable(answer) {
  if (!answer.ok || answer.type !== "basic") return false;
  const control = answer.headers.get("Cache-Control") || "";
  return !control.includes("no-store");
}

async function stamped(answer) {
  const headers = new Headers(answer.headers);
  headers.set(FETCHED_HEADER, new Date().toISOString());
  return new Response(await answer.blob(), { status: answer.status, headers });
}

async function fromCache(kept, request) {
  const fetched = kept.headers.get(FETCHED_HEADER) || "";
  const type = kept.headers.get("Content-Type") || "";
  if (request.mode !== "navigate" || !type.startsWith("text/html")) return kept;
  const html = (await kept.text()).replace(
    /<html\b/, '<html data-cached-at="' + fetched.replace(/[^0-9TZ:.+-]/g, "") + '"');
  return new Response(html, { status: 200, headers: kept.headers });
}

function offlineAnswer(request) {
  if (request.mode !== "navigate") return Response.error();
  const text = "<!doctype html><html lang=\"id\"><meta charset=\"utf-8\">" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
    "<title>Offline</title><h1>Tidak ada sambungan / No connection</h1>" +
    "<p>Halaman ini belum tersimpan di perangkat ini. / This page has not been " +
    "saved on this device yet.</p><p><a href=\"/\">Peringatan aktif / Active alerts" +
    "</a></p></html>";
  return new Response(text, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

async function fileFromCache(request, event) {
  const cache = await caches.open(FILES);
  const kept = await cache.match(request.url, { ignoreSearch: true, ignoreVary: true });
  const network = fetch(request).then((answer) => {
    if (isKeepable(answer)) cache.put(request.url, answer.clone());
    return answer;
  });
  if (kept) {
    event.waitUntil(network.catch(() => null));
    return kept;
  }
  return network;
}

self.addEventListener("push", (event) => {
  const alert = readPayload(event);
  event.waitUntil(self.registration.showNotification(notificationTitle(alert), {
    body: alert.description || "",
    tag: alert.identifier || undefined,
    lang: alert.language || undefined,
    icon: "/static/icons/icon-192.png",
    requireInteraction: alert.urgency === "Immediate" || alert.severity === "Extreme",
    data: { url: alert.url || "/" },
  }));
});

function readPayload(event) {
  if (!event.data) return {};
  try {
    return event.data.json() || {};
  } catch (error) {
    return { description: event.data.text() };
  }
}

function notificationTitle(alert) {
  const language = String(alert.language || "id").slice(0, 2).toLowerCase();
  const words = SEVERITY_WORDS[language] || SEVERITY_WORDS.id;
  const severity = words[alert.severity] || words.Unknown;
  return alert.title ? severity + ": " + alert.title : severity;
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data || {}).url || "/", self.location.origin);
  event.waitUntil(openWindow(target.href));
});

async function openWindow(href) {
  const open = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of open) {
    if (client.url === href && "focus" in client) return client.focus();
  }
  return self.clients.openWindow(href);
}
