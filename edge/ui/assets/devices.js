// Devices: the list with tests and last messages, and a profile form whose errors sit at
// their field (each input carries its path in the profile, e.g. connection.pin).
const { t, api, el, row, fill, set, time, stateText, problem } = window.sb;
const form = document.querySelector('[data-form="profile"]');
let templates = {};

const flatten = (value, path = []) =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value).flatMap(([key, inner]) => flatten(inner, [...path, key]))
    : [[path.join('.'), value]];

function field([path, value]) {
  const type = path.endsWith('password')
    ? 'password'
    : typeof value === 'number'
      ? 'number'
      : typeof value === 'boolean'
        ? 'checkbox'
        : 'text';
  const input = el('input', { name: path, type, 'data-type': typeof value });
  if (type === 'checkbox') input.checked = value;
  else input.value = String(value);
  // The label is the catalogue's; the name stays the path, so a problem lands at its field.
  return el(
    'label',
    { 'data-field': path },
    t(`field.${path}`),
    input,
    el('span', { class: 'problem' }),
  );
}

function profileOf() {
  const profile = {};
  for (const input of form.querySelectorAll('[data-list="fields"] input')) {
    const keys = input.name.split('.');
    const last = keys.pop();
    let target = profile;
    for (const key of keys) target = target[key] ??= {};
    const kind = input.dataset.type;
    target[last] =
      kind === 'boolean'
        ? input.checked
        : kind === 'number' && input.value !== ''
          ? Number(input.value)
          : input.value;
  }
  return profile;
}

function showProblems(problems) {
  for (const span of form.querySelectorAll('[data-field] .problem')) span.textContent = '';
  for (const { path, message } of problems) {
    // A problem's path may be deeper or shallower than a field: the nearest field shows it.
    const fields = [...form.querySelectorAll('[data-field]')];
    const target =
      fields.find((entry) => entry.dataset.field === path) ??
      fields.find((entry) => entry.dataset.field.startsWith(`${path}.`)) ??
      fields.find((entry) => path.startsWith(`${entry.dataset.field}.`));
    if (target) target.querySelector('.problem').textContent = message;
  }
  const verdict = form.querySelector('[data-figure="verdict"]');
  verdict.className = problems.length ? 'problem' : 'ok';
  verdict.textContent = problems.length
    ? `${t('devices.invalid')} ${problems.map((entry) => `${entry.path}: ${entry.message}`).join('; ')}`
    : t('devices.valid');
}

/** A fresh bus password for each form: 18 random bytes, base64url. */
function randomPassword() {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_');
}

function chooseTemplate(name) {
  fill('fields', flatten(templates[name]).map(field));
  const password = form.querySelector('[name="bus.password"]');
  if (password && !password.value) password.value = randomPassword();
  showProblems([]);
  form.querySelector('[data-figure="verdict"]').textContent = '';
}

async function test(device, action) {
  const answer = await api(`/api/devices/${encodeURIComponent(device)}/test`, {
    method: 'POST',
    body: { action },
  });
  set('verdict', answer.ok ? t('devices.sent') : problem(answer));
}

async function showMessages(device) {
  const answer = await api(`/api/devices/${encodeURIComponent(device)}`);
  if (!answer.ok) return;
  document.querySelector('[data-list="messages"]').textContent = answer.body.messages
    .map((entry) => `${time(entry.at)} ${entry.channel} ${entry.summary}`)
    .join('\n');
}

async function refresh() {
  const answer = await api('/api/devices');
  if (!answer.ok) return;
  fill(
    'devices',
    answer.body.map((device) =>
      row(
        el('button', { type: 'button', onclick: () => showMessages(device.device) }, device.device),
        device.kind ?? '–',
        el(
          'span',
          { 'data-state': device.state, 'data-device': device.device },
          stateText(device.state),
        ),
        time(device.lastAt),
        el(
          'span',
          { class: 'row' },
          ...device.tests.map((action) =>
            el(
              'button',
              { type: 'button', onclick: () => test(device.device, action) },
              t(`devices.${action}`),
            ),
          ),
        ),
      ),
    ),
  );
}

form.querySelector('[data-action="validate"]').addEventListener('click', async () => {
  const answer = await api('/api/devices/validate', {
    method: 'POST',
    body: { profile: profileOf() },
  });
  if (answer.ok) showProblems(answer.body.problems);
});
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const answer = await api('/api/devices', { method: 'POST', body: { profile: profileOf() } });
  if (answer.ok) {
    set('verdict', t('devices.added'));
    return refresh();
  }
  showProblems(
    answer.body?.problems ?? [{ path: answer.body?.error?.path ?? '', message: problem(answer) }],
  );
});
form
  .querySelector('[name="template"]')
  .addEventListener('change', (event) => chooseTemplate(event.target.value));

(async () => {
  const answer = await api('/api/devices/templates');
  templates = answer.body ?? {};
  fill(
    'templates',
    Object.keys(templates).map((name) => el('option', { value: name }, name)),
  );
  const first = Object.keys(templates)[0];
  if (first) chooseTemplate(first);
})();
refresh();
setInterval(refresh, 2000);
