// Shared by the technician pages: strings from the page's catalogue, JSON calls, elements.
// Every visible word comes from the catalogue through t(); values go in as text, never HTML.
(() => {
  const strings = JSON.parse(document.getElementById('sb-strings').textContent);
  const t = (key) => strings[key] ?? key;

  const api = async (path, options = {}) => {
    const response = await fetch(path, {
      credentials: 'same-origin',
      ...options,
      headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (response.status === 401) {
      location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
      throw new Error('session ended');
    }
    const text = await response.text();
    const body = text ? JSON.parse(text) : null;
    return { ok: response.ok, status: response.status, body };
  };

  const el = (tag, attributes = {}, ...children) => {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
      else element.setAttribute(name, value);
    }
    for (const child of children) {
      element.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return element;
  };

  const row = (...cells) => el('tr', {}, ...cells.map((cell) => el('td', {}, cell)));
  // Unchanged rows stay in place, so a refresh never moves a button under a finger.
  const fill = (name, rows) => {
    const target = document.querySelector(`[data-list="${name}"]`);
    if (!target) return;
    const now = [...target.children].map((child) => child.outerHTML).join('');
    if (now !== rows.map((child) => child.outerHTML).join('')) target.replaceChildren(...rows);
  };
  const set = (name, value) => {
    for (const element of document.querySelectorAll(`[data-figure="${name}"]`)) {
      element.textContent = value;
    }
  };
  const time = (at) => (at ? new Date(at).toLocaleString(document.documentElement.lang) : '–');
  const stateText = (state) => t(`state.${state}`);
  const problem = (response) => response.body?.error?.message ?? t('error.generic');

  window.sb = { t, api, el, row, fill, set, time, stateText, problem };
})();
