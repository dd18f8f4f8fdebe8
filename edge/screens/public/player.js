// A screen's player. Pairs once with a code from the technician UI, then plays the programme
// the gateway sends, reporting each play. The last programme and the assets are kept in the
// browser (localStorage, Cache API), so it keeps playing while the gateway is away.
(() => {
  const root = document.querySelector('main.screen-player');
  const screen = root.dataset.screen;
  const stage = root.querySelector('.stage');
  const keys = {
    token: `sb.screens.${screen}.token`,
    programme: `sb.screens.${screen}.programme`,
    plays: `sb.screens.${screen}.plays`,
  };
  const version = 'player-1';
  // A player never advances faster than once a second, whatever a programme says.
  const minimumMs = 1000;
  const assetCacheName = 'sb-screens-assets';
  const state = { programme: null, index: 0, current: null, timer: null, socket: null };
  const log = [];
  window.__sbPlayer = { log, state, screen };

  const readJson = (key, fallback) => {
    try {
      return JSON.parse(localStorage.getItem(key)) ?? fallback;
    } catch {
      return fallback;
    }
  };

  function showPairing(message) {
    root.querySelector('.pairing').hidden = false;
    root.querySelector('.pairing-error').textContent = message ?? '';
  }

  root.querySelector('.pairing form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const code = new FormData(event.target).get('code');
    const response = await fetch('/screens/api/pair', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ screen, code }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) return showPairing(body.error?.message ?? 'pairing failed');

    localStorage.setItem(keys.token, body.token);
    root.querySelector('.pairing').hidden = true;
    connect(body.token);
  });

  function connect(token) {
    const socket = io('/players', {
      path: '/screens/socket.io',
      auth: { token },
      transports: ['websocket', 'polling'],
      reconnectionDelayMax: 3000,
    });
    state.socket = socket;
    socket.on('connect_error', (err) => {
      if (err.message !== 'SB_ERR_UNAUTHENTICATED') return;

      socket.close();
      localStorage.removeItem(keys.token);
      stopPlaying();
      showPairing('This player is not paired (or was revoked).');
    });
    socket.on('connect', () => {
      heartbeat();
      flushPlays();
    });
    socket.on('hello', (hello) => applyHello(hello));
    socket.on('programme', (programme) => receive(programme));
    socket.on('queue', (view) => showQueue(view));
    socket.on('disconnect', () => {});
  }

  function heartbeat() {
    state.socket?.connected &&
      state.socket.emit('heartbeat', {
        version,
        width: window.innerWidth,
        height: window.innerHeight,
        playing: state.current?.item.id,
      });
  }
  setInterval(heartbeat, 2000);

  function applyHello(hello) {
    root.dataset.role = hello.screen.role;
    root.querySelector('.board').hidden = hello.screen.role !== 'queue-board';
    if (hello.theme) {
      root.style.setProperty('--background', hello.theme.colours.background);
      root.style.setProperty('--text', hello.theme.colours.text);
      root.style.setProperty('--accent', hello.theme.colours.accent);
    }
  }

  function showQueue(view) {
    const list = root.querySelector('.serving');
    list.replaceChildren(
      ...(view?.nowServing ?? []).map((entry) => {
        const item = document.createElement('li');
        item.textContent = `${entry.number} → ${entry.counter}`;
        item.dataset.number = entry.number;
        return item;
      }),
    );
    root.querySelector('.waiting').textContent = String(view?.waiting ?? 0);
  }

  const sameItems = (a, b) =>
    a &&
    b &&
    a.items.length === b.items.length &&
    a.items.every(
      (item, index) => item.id === b.items[index].id && item.type === b.items[index].type,
    );

  function receive(programme) {
    window.__sbPlayer.lastReceivedAt = Date.now();
    window.__sbPlayer.lastSentAt = programme.sentAt;
    localStorage.setItem(keys.programme, JSON.stringify(programme));
    void prefetch(programme);
    if (state.programme?.key === programme.key) return;

    if (sameItems(state.programme, programme)) {
      // Same loop, new data (a queue number, a rate): refresh in place, keep the timing.
      state.programme = programme;
      if (state.current) refreshHtml(programme.items[state.index]);
      return;
    }
    start(programme);
  }

  function start(programme) {
    stopPlaying();
    state.programme = programme;
    state.index = 0;
    playCurrent();
  }

  function stopPlaying() {
    clearTimeout(state.timer);
    if (state.current) finish(false);
    state.programme = null;
  }

  function playCurrent() {
    const items = state.programme?.items ?? [];
    if (items.length === 0) return;

    const item = items[state.index % items.length];
    state.current = {
      item,
      startedAt: Date.now(),
      playId: crypto.randomUUID?.() ?? String(Math.random()),
    };
    void render(item);
    log.push({ item: item.id, event: 'start', at: state.current.startedAt });
    state.timer = setTimeout(advance, Math.max(minimumMs, Number(item.durationMs) || minimumMs));
  }

  function advance() {
    finish(true);
    state.index = (state.index + 1) % state.programme.items.length;
    playCurrent();
  }

  function finish(completed) {
    const { item, startedAt, playId } = state.current;
    const endedAt = Date.now();
    state.current = null;
    log.push({
      item: item.id,
      event: 'end',
      at: endedAt,
      completed,
      durationMs: endedAt - startedAt,
    });
    // Plays under a second are not plays; the gateway would refuse them anyway.
    if (endedAt - startedAt < minimumMs || item.type === 'idle') return;

    const play = {
      playId,
      item: item.id,
      startedAt,
      endedAt,
      completed,
      ...(item.campaign ? { campaign: item.campaign } : {}),
    };
    const pending = readJson(keys.plays, []);
    pending.push(play);
    localStorage.setItem(keys.plays, JSON.stringify(pending.slice(-5000)));
    flushPlays();
  }

  function flushPlays() {
    const socket = state.socket;
    if (!socket?.connected) return;

    for (const play of readJson(keys.plays, [])) {
      socket.timeout(5000).emit('play', play, (err, reply) => {
        if (err) return;
        if (!reply.ok)
          window.__sbPlayer.refused = [...(window.__sbPlayer.refused ?? []), reply.error];

        const rest = readJson(keys.plays, []).filter((entry) => entry.playId !== play.playId);
        localStorage.setItem(keys.plays, JSON.stringify(rest));
      });
    }
  }

  async function assetUrl(src) {
    if (!('caches' in window)) return src;

    const cache = await caches.open(assetCacheName);
    const hit = await cache.match(src);
    return hit ? URL.createObjectURL(await hit.blob()) : src;
  }

  async function prefetch(programme) {
    if (!('caches' in window)) return;

    const cache = await caches.open(assetCacheName);
    for (const item of programme.items) {
      if (item.src && !(await cache.match(item.src))) await cache.add(item.src).catch(() => {});
    }
  }

  function frame(html, url) {
    const element = document.createElement('iframe');
    if (html !== undefined) {
      // No scripts, no same origin: a template shows, it never runs.
      element.setAttribute('sandbox', '');
      element.srcdoc = html;
    } else {
      element.setAttribute('sandbox', 'allow-scripts');
      element.src = url;
    }
    return element;
  }

  async function render(item) {
    let element;
    if (item.type === 'image') {
      element = document.createElement('img');
      element.alt = '';
      element.src = await assetUrl(item.src);
    } else if (item.type === 'video') {
      element = document.createElement('video');
      Object.assign(element, { muted: true, autoplay: true, loop: true, playsInline: true });
      element.src = await assetUrl(item.src);
    } else {
      element = frame(item.html, item.url);
    }
    element.dataset.item = item.id;
    stage.dataset.item = item.id;
    stage.replaceChildren(element);
  }

  function refreshHtml(item) {
    const element = stage.firstElementChild;
    if (item?.html !== undefined && element?.tagName === 'IFRAME') element.srcdoc = item.html;
  }

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/screens/sw.js', { scope: '/screens/' }).catch(() => {});
  }
  // The shell was loaded before the worker existed: put it in the worker's cache ourselves, so a
  // reload while the gateway is away still finds the page and its scripts.
  if ('caches' in window) {
    caches
      .open('sb-screens-shell')
      .then((cache) =>
        cache.addAll([
          location.pathname,
          '/screens/static/player.js',
          '/screens/static/player.css',
          '/screens/static/socket.io.min.js',
        ]),
      )
      .catch(() => {});
  }

  const saved = readJson(keys.programme, null);
  const token = localStorage.getItem(keys.token);
  if (!token) return showPairing();

  if (saved) start(saved);
  connect(token);
})();
