// Keeps the player page, its scripts and its assets in the Cache API, so a player that
// reloads while the gateway is away still starts and plays its last programme.
const shellCache = 'sb-screens-shell';
const assetCache = 'sb-screens-assets';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/screens/socket.io') || url.pathname.startsWith('/screens/api/'))
    return;

  if (url.pathname.startsWith('/screens/assets/')) {
    event.respondWith(cacheFirst(event.request));
  } else if (url.pathname.startsWith('/screens/')) {
    event.respondWith(networkFirst(event.request));
  }
});

// Assets are named by their sha256: a cached copy is always the right one.
async function cacheFirst(request) {
  const cache = await caches.open(assetCache);
  const hit = await cache.match(request);
  if (hit) return hit;

  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(shellCache);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (err) {
    const hit = await cache.match(request, { ignoreSearch: true });
    if (hit) return hit;
    throw err;
  }
}
