// One gateway's HQ page: keeps the health current by reading the page again, and for an admin
// sends the remote commands through the API and follows each one until the gateway answers,
// fails or the cloud times it out. A refusal of the API is shown beside the field it names.
// Every visible word comes from the page's catalogue.

const data = JSON.parse(document.getElementById('page-data').textContent);
const strings = data.strings;
const healthEverySeconds = 15;
const followEveryMs = 1000;

function t(key, values = {}) {
  const text = strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (slot, name) => (name in values ? String(values[name]) : slot));
}

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

async function send(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, body: answer };
}

// Health ------------------------------------------------------------------------------------

async function refreshHealth() {
  const response = await fetch(window.location.pathname, { credentials: 'same-origin' });
  if (!response.ok) return;

  const page = new DOMParser().parseFromString(await response.text(), 'text/html');
  const fresh = page.getElementById('health');
  if (fresh) document.getElementById('health').replaceChildren(...fresh.childNodes);
}

setInterval(() => refreshHealth().catch(() => undefined), healthEverySeconds * 1000);

// Commands ----------------------------------------------------------------------------------

const commandList = document.getElementById('commands');
const base = `/api/gateways/${encodeURIComponent(data.gateway)}`;

function clearErrors(form) {
  for (const place of form.querySelectorAll('[data-error-for]')) place.textContent = '';
}

/** Shows an API or page error beside the field its path names, or at the form's first place. */
function showError(form, path, message) {
  const levels = path.split('.');
  let place = null;
  for (let length = levels.length; length > 0 && !place; length -= 1) {
    const field = levels.slice(0, length).join('.');
    place = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
  }
  place ??= form.querySelector('[data-error-for]');
  place.textContent = message;
}

function refusal(answer) {
  if (answer.status === 403) return { path: '(body)', message: t('gateway.error.forbidden') };

  const error = answer.body.error ?? {};
  const path = error.path ?? '(body)';
  return { path, message: t('gateway.error.field', { path, message: error.message ?? '' }) };
}

function timeOf(at) {
  return new Date(at).toISOString().slice(11, 19);
}

/** The gateway's answer in a line, and for fetched logs the lines themselves in the log box. */
function answerText(command) {
  const result = command.result ?? {};
  if (command.state === 'timed-out') return t('gateway.answer.timedOut');
  if (command.state === 'error') return `${result.code ?? ''}: ${result.message ?? ''}`;

  if (command.action === 'fetch-logs') {
    const lines = result.lines ?? [];
    const box = document.getElementById('logs');
    box.textContent = lines
      .map((line) => `${timeOf(line.at)} ${line.level} ${line.module ?? '-'} ${line.msg}`)
      .join('\n');
    box.hidden = false;
    return t('gateway.answer.logs', { count: lines.length });
  }
  if (command.action === 'push-profile') return t('gateway.answer.profile', result);
  if (command.action === 'restart-module') {
    const running = (result.modules ?? []).map((module) => t(`module.${module}`)).join(', ');
    return t('gateway.answer.modules', { modules: running });
  }
  return JSON.stringify(result);
}

function showCommand(item, command) {
  const tone = { ok: 'good', error: 'bad', 'timed-out': 'bad', sent: 'busy' }[command.state];
  item.dataset.state = command.state;
  item.replaceChildren(
    element('b', {}, [t(`command.${command.action}`)]),
    ' ',
    element('span', { class: `state ${tone}`, 'data-state': command.state }, [
      t(`command.state.${command.state}`),
    ]),
    command.state === 'sent' ? '' : element('div', { class: 'answer' }, [answerText(command)]),
  );
}

/** Asks the API about a command until it is no longer waiting for the gateway. */
async function follow(item, command) {
  showCommand(item, command);
  let current = command;
  while (current.state === 'sent') {
    await new Promise((resolve) => setTimeout(resolve, followEveryMs));
    const answer = await send('GET', `/api/commands/${encodeURIComponent(current.id)}`);
    if (answer.ok) current = answer.body;
    showCommand(item, current);
  }
}

async function readProfile(text) {
  try {
    return JSON.parse(text);
  } catch {
    const yaml = await import('/gateways/assets/yaml/index.js');
    return yaml.parse(text);
  }
}

/** The request a form sends: its path, method and body, or the error to show instead. */
async function requestOf(form) {
  const action = form.dataset.command;
  const field = (name) => form.elements.namedItem(name).value;
  if (action === 'restart-module') return { body: { action, module: field('module') } };
  if (action === 'set-theme') return { body: { action, theme: field('theme').trim() } };
  if (action === 'fetch-logs') return { body: { action, minutes: Number(field('minutes')) } };
  if (action === 'reload-config') return { body: { action } };

  let profile;
  try {
    profile = await readProfile(field('profile'));
  } catch (err) {
    return { error: t('gateway.error.unreadable', { message: err.message }) };
  }
  if (typeof profile !== 'object' || profile === null || Array.isArray(profile)) {
    return { error: t('gateway.error.notProfile') };
  }
  if (typeof profile.device !== 'string' || !profile.device) {
    return { error: t('gateway.error.noDevice') };
  }
  const device = encodeURIComponent(profile.device);
  return { method: 'PUT', path: `${base}/devices/${device}/profile`, body: { profile } };
}

for (const form of document.querySelectorAll('form[data-command]')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const request = await requestOf(form);
      if (request.error) return showError(form, 'profile', request.error);

      const answer = await send(request.method ?? 'POST', request.path ?? `${base}/commands`, {
        ...request.body,
      });
      if (!answer.ok) {
        const { path, message } = refusal(answer);
        return showError(form, path, message);
      }

      const item = element('li', { 'data-command-id': answer.body.id });
      item.dataset.action = answer.body.action;
      commandList.prepend(item);
      follow(item, answer.body).catch(() => undefined);
    } finally {
      button.disabled = false;
    }
  });
}
