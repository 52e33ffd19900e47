// The subscribe page's Web Push choice (templates/public/_subscribe_push.html).
//
// The "webpush" channel is hidden when this browser has no service worker or
// Push API, or when the gateway has no VAPID key. When it is chosen, the
// form's submit subscribes the browser (after the permission prompt), sends
// the subscription to the API and shows the outcome and the manage link,
// which is kept in localStorage so the page can show it again.
(function () {
  "use strict";

  const MANAGE_KEY = "kentongan.pushManageUrl";
  const box = document.getElementById("push-subscribe");
  const form = document.getElementById("subscribe-form");
  if (!box || !form) return;
  const outcome = document.getElementById("push-outcome");
  const choice = form.querySelector('input[name="channel"][value="webpush"]');

  if (!choice) return;
  if (!("serviceWorker" in navigator) || !("PushManager" in window) ||
      !("Notification" in window)) {
    hideChoice();
    return;
  }
  showKnown();
  const key = fetch(box.dataset.keyUrl, { headers: { Accept: "application/json" } })
    .then(function (answer) { return answer.ok ? answer.json() : null; })
    .then(function (body) { return body && body.publicKey ? body.publicKey : null; })
    .catch(function () { return null; });
  key.then(function (found) {
    if (!found) { hideChoice(); return; }
    box.querySelector(".push-hint").hidden = false;
  });
  form.addEventListener("submit", function (event) {
    if (!choice.checked) return;
    event.preventDefault();
    key.then(function (found) { return found ? subscribe(found) : say(box.dataset.failed); });
  });

  function hideChoice() {
    const holder = choice.closest(".choice, li") || choice;
    holder.hidden = true;
    const label = choice.id ? form.querySelector('label[for="' + choice.id + '"]') : null;
    if (label) label.hidden = true;
    if (choice.checked) choice.checked = false;
    choice.disabled = true;
  }

  async function subscribe(publicKey) {
    say(box.dataset.working);
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") { say(box.dataset.denied); return; }
      await navigator.serviceWorker.register("/sw.js", { scope: "/" });
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(publicKey),
      });
      await send(subscription.toJSON ? subscription.toJSON() : subscription);
    } catch (error) {
      say(box.dataset.failed);
    }
  }

  async function send(subscription) {
    const answer = await fetch(box.dataset.subscribeUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(requestBody(subscription)),
    });
    const body = await answer.json().catch(function () { return {}; });
    if (answer.ok && body.manageUrl) {
      try { localStorage.setItem(MANAGE_KEY, body.manageUrl); } catch (error) { /* private mode */ }
      say(box.dataset.done, body.manageUrl);
    } else if (answer.status === 429) {
      say(box.dataset.busy);
    } else if ((body.errors || []).some(function (item) { return item.code === "no-place"; })) {
      say(box.dataset.noPlace);
    } else {
      // Known gap: the API's own explanation (detail) is in English only.
      say(box.dataset.failed + (body.detail ? " (" + body.detail + ")" : ""));
    }
  }

  function requestBody(subscription) {
    const body = { subscription: subscription, language: field("language") || undefined };
    const area = field("area");
    if (area) body.area = area;
    const lat = parseFloat(field("lat"));
    const lon = parseFloat(field("lon"));
    if (!isNaN(lat) && !isNaN(lon)) { body.lat = lat; body.lon = lon; }
    return body;
  }

  function field(name) {
    const input = form.elements.namedItem(name);
    return input && "value" in input ? String(input.value).trim() : "";
  }

  function showKnown() {
    let known = null;
    try { known = localStorage.getItem(MANAGE_KEY); } catch (error) { known = null; }
    if (known) say(box.dataset.known, known);
  }

  function say(text, manageUrl) {
    outcome.textContent = "";
    const line = document.createElement("p");
    line.textContent = text;
    outcome.appendChild(line);
    if (manageUrl) {
      const link = document.createElement("a");
      link.href = manageUrl;
      link.className = "push-manage";
      link.textContent = box.dataset.manage;
      outcome.appendChild(link);
    }
  }

  function keyBytes(text) {
    const padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(padded);
    const bytes = new Uint8Array(raw.length);
    for (let index = 0; index < raw.length; index += 1) bytes[index] = raw.charCodeAt(index);
    return bytes;
  }
})();
