// Shared by the kiosk and the board: strings in the chosen language, pairing once with the
// screens module, and the live socket that re-reads the whole state after each reconnect.
(() => {
  const main = document.querySelector('main');
  const screen = main.dataset.screen;
  const tokenKey = `sb-queue-token:${screen}`;
  const languageKey = 'sb-queue-language';
  const pairing = document.querySelector('.pairing');
  const surface = document.querySelector('.surface');
  const offline = document.querySelector('.offline');
  const languageListeners = [];
  let strings = { zh: {}, en: {} };
  let language = localStorage.getItem(languageKey) === 'en' ? 'en' : 'zh';
  let socket = null;

  const t = (key, values = {}) =>
    (strings[language][key] ?? key).replace(/\{(\w+)\}/g, (_m, name) => String(values[name] ?? ''));

  const applyLanguage = () => {
    document.documentElement.lang = language === 'zh' ? 'zh-Hans' : 'en';
    main.dataset.language = language;
    for (const element of document.querySelectorAll('[data-text]'))
      element.textContent = t(element.dataset.text);
    for (const listener of languageListeners) listener(language);
  };

  document.querySelector('.language').addEventListener('click', () => {
    language = language === 'zh' ? 'en' : 'zh';
    localStorage.setItem(languageKey, language);
    applyLanguage();
  });

  // Works outside a secure context too, where crypto.randomUUID is missing (plain http on LAN).
  const requestId = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join('');

  const showPairing = (message = '') => {
    socket?.close();
    localStorage.removeItem(tokenKey);
    surface.hidden = true;
    pairing.hidden = false;
    main.dataset.state = 'unpaired';
    pairing.querySelector('.pairing-error').textContent = message;
  };

  const connect = (handlers) => {
    socket?.close();
    pairing.hidden = true;
    surface.hidden = false;
    socket = io('/live', {
      path: '/queue/socket.io',
      auth: { token: localStorage.getItem(tokenKey) },
      transports: ['websocket'],
    });
    socket.on('connect', () => {
      offline.hidden = true;
      main.dataset.state = 'live';
    });
    socket.on('connect_error', (err) => {
      if (err.message === 'SB_ERR_UNAUTHENTICATED') return showPairing();
      offline.hidden = false;
    });
    socket.on('disconnect', (reason) => {
      offline.hidden = false;
      main.dataset.state = 'offline';
      // The gateway dropped the page on purpose (token revoked): ask again, which re-checks.
      if (reason === 'io server disconnect') socket.connect();
    });
    for (const [event, handler] of Object.entries(handlers)) socket.on(event, handler);
  };

  const pairWith = async (code, handlers) => {
    const response = await fetch('/screens/api/pair', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ screen, code }),
    });
    if (!response.ok)
      return showPairing(t(response.status === 429 ? 'pair.locked' : 'pair.failed'));

    localStorage.setItem(tokenKey, (await response.json()).token);
    connect(handlers);
  };

  /** Sends a request of the paired page; a refused token brings the pairing form back. */
  const post = async (path, body) => {
    const response = await fetch(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${localStorage.getItem(tokenKey) ?? ''}`,
      },
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (response.status === 401) showPairing();
    return { ok: response.ok, status: response.status, body: answer };
  };

  const start = async (handlers) => {
    strings = await (await fetch('/queue/static/i18n.json')).json();
    applyLanguage();
    pairing.querySelector('form').addEventListener('submit', (event) => {
      event.preventDefault();
      void pairWith(new FormData(event.target).get('code'), handlers);
    });
    if (localStorage.getItem(tokenKey)) connect(handlers);
    else showPairing();
  };

  window.queuePage = {
    screen,
    surface,
    t,
    requestId,
    post,
    start,
    language: () => language,
    onLanguage: (listener) => languageListeners.push(listener),
  };
})();
