/**
 * The guard page's service worker (scope /guard). It lets the page install to the home screen and
 * shows its notifications: Chrome on Android has no `new Notification()` in a page, only
 * `registration.showNotification`, which keeps working while the page is open in the background.
 * It caches nothing and answers no fetch: every alarm comes live from the hub.
 */
self.addEventListener('install', () => {
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

/** A tap on a notification brings the guard page forward, on the incident's card. */
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const id = event.notification.data && typeof event.notification.data.incident === 'string' ? event.notification.data.incident : '';
  const target = `/guard${id ? `#incident-${encodeURIComponent(id)}` : ''}`;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((list) => {
      for (const client of list) {
        if (new URL(client.url).pathname === '/guard') {
          client.postMessage({ type: 'show-incident', incident: id });
          return client.focus();
        }
      }
      return self.clients.openWindow(target);
    }),
  );
});
