// Suara Layanan: the kiosk's service worker (scope /k/, registered by /static/kiosk.js on
// kiosk pages only; the phone form /s/ never runs a script).
//
// - Kiosk pages (the form /k/{counter}, the offline thank-you /k/{counter}/tersimpan) are
//   fetched from the network first and kept in a cache; when the network is down (or the
//   server answers 502/503/504) the cached copy is shown. A cached form always gets a fresh
//   one-time key made here (crypto.getRandomValues), so no two offline ratings share a key.
// - A rating sent while the network is down is stored in IndexedDB with its key, and the
//   citizen is sent to the offline thank-you page (no receipt code: there is none yet).
// - The queue is sent again as the same form post (same-origin, form-urlencoded) on
//   Background Sync, whenever a kiosk page asks (page load, `online`, every minute) and when
//   this worker starts. The server's idempotency on the key makes a replay count once:
//   303/200 = delivered; 4xx = refused for good (dropped and logged), except 408, 409 (the
//   server's "send again"), 429 and 403 (a cross-site refusal of our own same-origin post
//   means a misconfigured server, not a bad rating) which, like 5xx and no network, are
//   kept for later.
"use strict";

const CACHE = "suara-kiosk-v1";
const DB_NAME = "suara-kiosk";
const STORE = "queue";
const SYNC_TAG = "suara-kiosk-queue";
const ASSETS = ["/static/kiosk.js", "/favicon.ico"];
const PAGE_TIMEOUT_MS = 6000;
const POST_TIMEOUT_MS = 15000;
const REFRESH_MS = 6 * 3600 * 1000;
const FORM = /^\/k\/([^/]+)$/;
const SAVED = /^\/k\/([^/]+)\/tersimpan$/;
const KIOSK_PAGE = /^\/k\/([^/]+)(\/.*)?$/;

// ------------------------------------------------------------------ IndexedDB queue

function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "key" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function withStore(mode, work) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

const queuePut = (item) => withStore("readwrite", (s) => s.put(item));
const queueDelete = (key) => withStore("readwrite", (s) => s.delete(key));
const queueAll = () => withStore("readonly", (s) => s.getAll());

// ------------------------------------------------------------------ helpers

function freshKey() {
  // 18 random bytes in base64url: the same shape as the server's keys (24 characters).
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function langOf(value) {
  return value === "en" ? "en" : "id";
}

function timeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); },
    );
  });
}

// The server is unreachable or cannot store (database down, proxy without upstream).
const unavailable = (status) => status === 502 || status === 503 || status === 504;

// The cache key of a kiosk page: its path and its language, nothing else (never a token).
function pageKey(path, lang) {
  return `${path}?lang=${langOf(lang)}`;
}

function cacheable(url) {
  const params = [...url.searchParams.keys()];
  return params.every((name) => name === "lang");
}

async function store(key, response) {
  const cache = await caches.open(CACHE);
  await cache.put(key, response);
}

async function cachedPage(path, lang) {
  const cache = await caches.open(CACHE);
  return (await cache.match(pageKey(path, lang)))
    || (await cache.match(pageKey(path, lang === "en" ? "id" : "en")));
}

// A cached form, with a new one-time key in place of the one it was stored with.
async function offlineForm(counter, lang) {
  const cached = await cachedPage(`/k/${counter}`, lang);
  if (!cached) {
    return null;
  }
  const html = (await cached.text())
    .replace(/(<input type="hidden" name="key" value=")[^"]*(")/, `$1${freshKey()}$2`);
  return new Response(html, {
    status: 200,
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" },
  });
}

// ------------------------------------------------------------------ pages

async function kioskPage(request, url) {
  const lang = url.searchParams.get("lang");
  const form = url.pathname.match(FORM);
  const saved = url.pathname.match(SAVED);
  try {
    const response = await timeout(fetch(request), PAGE_TIMEOUT_MS);
    if (!unavailable(response.status)) {
      if (response.status === 200 && (form || saved) && cacheable(url)) {
        await store(pageKey(url.pathname, lang), response.clone());
      }
      return response;
    }
  } catch (error) {
    // no network: below
  }
  if (saved) {
    const page = await cachedPage(url.pathname, lang);
    if (page) {
      return page;
    }
  }
  // The form (or any other kiosk page, e.g. a thank-you reloaded offline): the cached form.
  const counter = url.pathname.match(KIOSK_PAGE)[1];
  return (await offlineForm(counter, lang)) || Response.error();
}

async function asset(request, url) {
  try {
    const response = await timeout(fetch(request), PAGE_TIMEOUT_MS);
    if (response.status === 200) {
      await store(url.pathname, response.clone());
    }
    return response;
  } catch (error) {
    const cache = await caches.open(CACHE);
    return (await cache.match(url.pathname)) || Response.error();
  }
}

// ------------------------------------------------------------------ ratings

async function submitRating(request, url, counter) {
  const copy = request.clone();
  try {
    const response = await timeout(fetch(request), POST_TIMEOUT_MS);
    if (!unavailable(response.status)) {
      return response; // the server's answer: 303 to the thank-you, or the form again
    }
  } catch (error) {
    // no network or no answer in time: queue it (a late answer makes the replay a duplicate)
  }
  const fields = new URLSearchParams();
  for (const [name, value] of (await copy.formData()).entries()) {
    if (typeof value === "string") {
      fields.append(name, value);
    }
  }
  let key = fields.get("key") || "";
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(key)) {
    key = freshKey();
    fields.set("key", key);
  }
  const lang = langOf(fields.get("lang"));
  await queuePut({ key, action: url.pathname, body: fields.toString(), queued: Date.now() });
  if (self.registration.sync) {
    self.registration.sync.register(SYNC_TAG).catch(() => {});
  }
  return Response.redirect(`/k/${counter}/tersimpan?lang=${lang}`, 303);
}

let flushing = null;

function flush() {
  if (!flushing) {
    flushing = sendQueue().finally(() => { flushing = null; });
  }
  return flushing;
}

// Sends every queued rating once; resolves to the number still waiting.
async function sendQueue() {
  const items = await queueAll();
  let waiting = 0;
  for (const item of items) {
    let status;
    try {
      const response = await timeout(fetch(item.action, {
        method: "POST",
        body: item.body,
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        mode: "same-origin",
        credentials: "same-origin",
        // Origin and Sec-Fetch-Site as on the form's own post, whatever Referrer-Policy says
        referrerPolicy: "same-origin",
        redirect: "manual",
        cache: "no-store",
      }), POST_TIMEOUT_MS);
      status = response.type === "opaqueredirect" ? 303 : response.status;
    } catch (error) {
      status = 0; // no network
    }
    if (status === 303 || status === 200) {
      await queueDelete(item.key);
    } else if (status >= 400 && status < 500 && ![403, 408, 409, 429].includes(status)) {
      console.warn(`suara kiosk: the server refused a stored rating (${status}); dropped`, item.key);
      await queueDelete(item.key);
    } else {
      waiting += 1;
    }
  }
  return waiting;
}

// ------------------------------------------------------------------ events

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(ASSETS))
      .catch(() => {})
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("suara-kiosk-") && name !== CACHE) {
        await caches.delete(name);
      }
    }
    await self.clients.claim();
    await flush().catch(() => {});
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    const page = url.pathname.match(KIOSK_PAGE);
    if (!page) {
      return;
    }
    if (request.method === "POST" && FORM.test(url.pathname)) {
      event.respondWith(submitRating(request, url, page[1]));
    } else if (request.method === "GET") {
      event.respondWith(kioskPage(request, url));
    }
    return;
  }
  if (request.method === "GET" && ASSETS.includes(url.pathname)) {
    event.respondWith(asset(request, url));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) {
    // Rejecting makes the browser try again later while ratings are still waiting.
    event.waitUntil(flush().then((waiting) => {
      if (waiting) {
        throw new Error(`${waiting} rating(s) still waiting`);
      }
    }));
  }
});

// Messages from kiosk pages: {type: "flush"} sends the queue; {type: "prepare", urls}
// caches the pages a kiosk needs offline (a form and the offline thank-you in both
// languages) when they are missing or older than REFRESH_MS.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "flush") {
    event.waitUntil(flush().catch(() => {}));
  } else if (data.type === "prepare" && Array.isArray(data.urls)) {
    event.waitUntil(prepare(data.urls).catch(() => {}));
  }
});

async function prepare(urls) {
  const cache = await caches.open(CACHE);
  for (const raw of urls) {
    const url = new URL(raw, self.location.origin);
    if (url.origin !== self.location.origin || !(FORM.test(url.pathname)
        || SAVED.test(url.pathname)) || !cacheable(url)) {
      continue;
    }
    const key = pageKey(url.pathname, url.searchParams.get("lang"));
    const known = await cache.match(key);
    const age = known ? Date.now() - Date.parse(known.headers.get("Date") || "") : Infinity;
    if (age < REFRESH_MS) {
      continue;
    }
    const response = await fetch(key, { credentials: "same-origin" });
    if (response.status === 200) {
      await cache.put(key, response);
    }
  }
}
