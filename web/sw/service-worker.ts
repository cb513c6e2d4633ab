/// <reference lib="webworker" />
/**
 * The service worker, served at /sw.js (scope: the whole site). It keeps the app shell (index.html
 * and the app's hashed files) so the installed app starts offline, and it shows the alert pushes the
 * server sends while no page is open. API calls and the stream always go to the network: prices are
 * never served from a cache.
 */
// A classic script (no import or export), so `self` keeps its global type: it is given the worker's.
const worker = self as unknown as ServiceWorkerGlobalScope;

/**
 * The build replaces this string with the JSON list of the shell's files (web/vite.config.ts): the
 * file's bytes change with every build that changes the app, so browsers install the new worker.
 */
const SHELL_MANIFEST = '__APP_SHELL__';
const shell: { version: string; files: string[] } = JSON.parse(SHELL_MANIFEST);
const CACHE = `app-shell-${shell.version}`;
const SHELL_PAGE = '/';

/** What the server puts in a push (src/delivery): one alert firing, or a quiet-hours summary. */
interface PushPayload {
  title: string;
  body: string;
  /** A path of this site to open on click. */
  url?: string;
  /** Notifications with the same tag replace each other. */
  tag?: string;
  eventId?: string;
}

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(shell.files))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith('app-shell-') && name !== CACHE)
            .map((n) => caches.delete(n)),
        ),
      )
      .then(() => worker.clients.claim()),
  );
});

worker.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    // The newest page when the server answers; the kept shell when it does not (offline start).
    event.respondWith(
      fetch(request).catch(() => caches.match(SHELL_PAGE).then((cached) => cached ?? Response.error())),
    );
    return;
  }
  if (shell.files.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((cached) => cached ?? fetch(request)));
  }
});

worker.addEventListener('push', (event) => {
  const payload = readPayload(event.data);
  event.waitUntil(
    worker.registration.showNotification(payload.title, {
      body: payload.body,
      tag: payload.tag,
      icon: '/icons/icon-192.png',
      data: { url: sameSitePath(payload.url), eventId: payload.eventId },
    }),
  );
});

worker.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const path = sameSitePath((event.notification.data as { url?: string } | null)?.url);
  event.waitUntil(openOrFocus(path));
});

function readPayload(data: PushMessageData | null): PushPayload {
  try {
    const parsed = data?.json() as Partial<PushPayload> | undefined;
    if (parsed && typeof parsed.title === 'string') {
      return { ...parsed, title: parsed.title, body: typeof parsed.body === 'string' ? parsed.body : '' };
    }
  } catch {
    // Not JSON: shown as its text below.
  }
  return { title: 'Stock Tracker', body: data?.text() ?? 'An alert fired.' };
}

/** A push names a page of this site; anything else (another origin, a bad URL) opens the alerts page. */
function sameSitePath(url: string | undefined): string {
  if (!url) return '/alerts';
  try {
    const target = new URL(url, worker.location.origin);
    return target.origin === worker.location.origin ? `${target.pathname}${target.search}` : '/alerts';
  } catch {
    return '/alerts';
  }
}

/** An open window of the app is brought forward (and shown the page); otherwise a new one opens. */
async function openOrFocus(path: string): Promise<void> {
  const windows = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((client) => new URL(client.url).origin === worker.location.origin);
  if (open) {
    const focused = await open.focus();
    if (new URL(focused.url).pathname !== path) await focused.navigate(path).catch(() => null);
    return;
  }
  await worker.clients.openWindow(path);
}
