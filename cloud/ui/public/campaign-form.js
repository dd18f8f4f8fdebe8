// The HQ campaign editor: fills the rows the page leaves empty (items, dayparts, rule
// conditions, catchment conditions, targets), previews the branches a selection picks, and
// sends the campaign to /api/campaigns. The API's validation error is shown beside the field
// its path names, in the page's language. Every visible word comes from the page's catalogue.

const data = JSON.parse(document.getElementById('page-data').textContent);
const strings = data.strings;
const campaign = data.campaign;
const form = document.getElementById('campaign-form');

// A count of 1 takes the key's `.one` form where the language has one ("1 branch").
function t(key, values = {}) {
  const text = (values.count === 1 ? strings[`${key}.one`] : undefined) ?? strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (slot, name) => (name in values ? String(values[name]) : slot));
}

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

async function send(method, path, body, type = 'application/json') {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'content-type': type },
    body: type === 'application/json' ? JSON.stringify(body) : body,
  });
  const answer = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, body: answer };
}

// Rows ---------------------------------------------------------------------------------------

/** A labelled input inside a row; `name` is the field's last path segment. */
function rowInput(name, label, value, attributes = {}) {
  const input = element('input', { 'data-name': name, value: value ?? '', ...attributes });
  return element('label', { class: 'cell' }, [
    element('span', {}, [t(label)]),
    input,
    element('span', { class: 'field-error', 'data-error-suffix': name, role: 'alert' }),
  ]);
}

function rowSelect(name, label, options, chosen) {
  const select = element(
    'select',
    { 'data-name': name },
    options.map(([value, text]) =>
      element('option', { value, selected: value === chosen ? 'selected' : null }, [text]),
    ),
  );
  return element('label', { class: 'cell' }, [
    element('span', {}, [t(label)]),
    select,
    element('span', { class: 'field-error', 'data-error-suffix': name, role: 'alert' }),
  ]);
}

function removeButton(row) {
  const button = element('button', { type: 'button', class: 'remove' }, [t('campaigns.remove')]);
  button.addEventListener('click', () => {
    const list = row.parentElement;
    row.remove();
    list.dispatchEvent(new Event('change', { bubbles: true }));
  });
  return button;
}

function rowOf(listId, cells, extra = {}) {
  const row = element('div', { class: 'row', ...extra }, cells);
  row.append(element('span', { class: 'field-error', 'data-error-suffix': '', role: 'alert' }));
  if (data.canEdit) row.append(removeButton(row));
  document.getElementById(listId).append(row);
  return row;
}

const weekdays = [0, 1, 2, 3, 4, 5, 6];

function addDaypart(daypart = {}) {
  const days = element(
    'div',
    { class: 'choices days', 'data-name': 'days' },
    weekdays.map((day) =>
      element('label', { class: 'choice' }, [
        element('input', {
          type: 'checkbox',
          value: String(day),
          checked: daypart.days?.includes(day) ? 'checked' : null,
        }),
        ` ${t(`weekday.${day}`)}`,
      ]),
    ),
  );
  rowOf('dayparts', [
    rowInput('from', 'campaigns.field.from', daypart.from, { type: 'time' }),
    rowInput('to', 'campaigns.field.to', daypart.to, { type: 'time' }),
    days,
    element('span', { class: 'field-error', 'data-error-suffix': 'days', role: 'alert' }),
  ]);
}

const metrics = [
  'zone.people',
  'zone.ageShare',
  'queue.waiting',
  'queue.waitSeconds',
  'queue.vipIssued',
];
const ageBands = ['under 18', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'];

function addCondition(condition = { metric: 'zone.people' }) {
  rowOf('conditions', [
    rowSelect(
      'metric',
      'campaigns.field.metric',
      metrics.map((m) => [m, t(`metric.${m}`)]),
      condition.metric,
    ),
    rowInput('zone', 'campaigns.field.zone', condition.zone),
    rowInput('service', 'campaigns.field.service', condition.service),
    rowSelect(
      'band',
      'campaigns.field.band',
      ageBands.map((b) => [b, b]),
      condition.band ?? '65+',
    ),
    rowInput('above', 'campaigns.field.above', condition.above, { type: 'number', step: 'any' }),
    rowInput('withinSeconds', 'campaigns.field.withinSeconds', condition.withinSeconds, {
      type: 'number',
    }),
  ]);
}

function addCatchment(condition = {}) {
  rowOf('catchment', [
    rowInput('attribute', 'campaigns.field.attribute', condition.attribute, {
      placeholder: 'population3km',
    }),
    rowInput('min', 'campaigns.field.min', condition.min, { type: 'number', step: 'any' }),
    rowInput('max', 'campaigns.field.max', condition.max, { type: 'number', step: 'any' }),
  ]);
}

const dayOf = (epochMs) => new Date(epochMs).toISOString().slice(0, 10);

function stepOptions() {
  const steps = data.funnelSteps[form.elements.objective.value] ?? [];
  return steps.map((step) => [step, t(`step.${step}`)]);
}

function addTarget(target = {}) {
  const branches = data.branches.map((branch) => [branch.id, branch.name]);
  rowOf('targets', [
    rowSelect('branch', 'campaigns.field.branch', branches, target.branch),
    rowSelect('step', 'campaigns.field.step', stepOptions(), target.step),
    rowInput('target', 'campaigns.field.target', target.target, { type: 'number', min: '1' }),
    rowInput('from', 'campaigns.field.from', target.from ? dayOf(target.from) : '', {
      type: 'date',
    }),
    rowInput('to', 'campaigns.field.to', target.to ? dayOf(target.to) : '', { type: 'date' }),
  ]);
}

// Items --------------------------------------------------------------------------------------

function moveButton(row, direction) {
  const label = direction < 0 ? 'campaigns.up' : 'campaigns.down';
  const button = element('button', { type: 'button', class: 'move' }, [t(label)]);
  button.addEventListener('click', () => {
    const sibling = direction < 0 ? row.previousElementSibling : row.nextElementSibling;
    if (!sibling) return;
    if (direction < 0) sibling.before(row);
    else sibling.after(row);
  });
  return button;
}

function addItem(item) {
  const preview =
    item.type === 'image' && item.asset
      ? element('img', { src: `/api/assets/${item.asset}`, alt: '', class: 'thumb' })
      : element('span', { class: 'kind' }, [t(`itemType.${item.type}`)]);
  const label = item.name ?? item.asset?.slice(0, 12) ?? item.id;
  const seconds = item.durationMs ? String(item.durationMs / 1000) : '';
  const row = element('li', { class: 'item', 'data-item': JSON.stringify(item) }, [
    preview,
    element('span', { class: 'item-name' }, [label]),
    rowInput('durationMs', 'campaigns.field.seconds', seconds, {
      type: 'number',
      min: '1',
      max: '3600',
    }),
    element('span', { class: 'field-error', 'data-error-suffix': '', role: 'alert' }),
  ]);
  if (data.canEdit) row.append(moveButton(row, -1), moveButton(row, 1), removeButton(row));
  document.getElementById('items').append(row);
}

let uploads = 0;

async function upload(files) {
  const state = document.getElementById('upload-state');
  for (const file of files) {
    state.textContent = t('campaigns.uploading', { name: file.name });
    const answer = await send('POST', '/api/assets', file, file.type || 'application/octet-stream');
    if (!answer.ok) {
      state.textContent = t('campaigns.uploadFailed', { name: file.name });
      return;
    }
    uploads += 1;
    const type = file.type.startsWith('video/') ? 'video' : 'image';
    const id = `${type}-${answer.body.sha256.slice(0, 12)}-${Date.now().toString(36)}${uploads}`;
    addItem({
      id,
      type,
      asset: answer.body.sha256,
      name: file.name.slice(0, 200),
      durationMs: 10_000,
    });
  }
  state.textContent = t('campaigns.uploaded', { count: files.length });
}

// Collecting the campaign --------------------------------------------------------------------

const listOf = (text) =>
  text
    .split(/[,，]/)
    .map((part) => part.trim())
    .filter(Boolean);
const ticked = (group) =>
  [...form.querySelectorAll(`input[name="${group}"]:checked`)].map((box) => box.value);
const value = (row, name) => row.querySelector(`[data-name="${name}"]`)?.value.trim() ?? '';
const numberOr = (text) => (text === '' ? undefined : Number(text));
const rows = (listId) => [...document.getElementById(listId).children];

/** Drops the fields left empty, so the API sees only what was filled in. */
function compact(object) {
  return Object.fromEntries(
    Object.entries(object).filter(
      ([, each]) => each !== undefined && each !== '' && !(Array.isArray(each) && !each.length),
    ),
  );
}

function items() {
  return rows('items').map((row) => {
    const item = JSON.parse(row.dataset.item);
    const seconds = numberOr(value(row, 'durationMs'));
    return compact({ ...item, durationMs: seconds === undefined ? undefined : seconds * 1000 });
  });
}

function schedule() {
  const dayparts = rows('dayparts').map((row) => {
    const boxes = row.querySelectorAll('[data-name="days"] input:checked');
    const days = [...boxes].map((box) => Number(box.value));
    return compact({ days, from: value(row, 'from'), to: value(row, 'to') });
  });
  return compact({
    startDate: form.elements['schedule.startDate'].value,
    endDate: form.elements['schedule.endDate'].value,
    dayparts,
  });
}

/** The fields each metric takes, as protocol/screens.ts defines its conditions. */
const metricFields = {
  'zone.people': ['zone', 'above'],
  'zone.ageShare': ['zone', 'band', 'above'],
  'queue.waiting': ['service', 'above'],
  'queue.waitSeconds': ['service', 'above'],
  'queue.vipIssued': ['withinSeconds'],
};

function rule() {
  const conditions = rows('conditions').map((row) => {
    const metric = value(row, 'metric');
    const fields = Object.fromEntries(
      (metricFields[metric] ?? []).map((name) => {
        const text = value(row, name);
        const numeric = name === 'above' || name === 'withinSeconds';
        return [name, numeric ? numberOr(text) : text];
      }),
    );
    return compact({ metric, ...fields });
  });
  if (conditions.length === 0) return undefined;
  return {
    match: form.elements['rule.match'].value,
    minOnSeconds: numberOr(form.elements['rule.minOnSeconds'].value) ?? 10,
    conditions,
  };
}

function selector() {
  const catchment = rows('catchment').map((row) =>
    compact({
      attribute: value(row, 'attribute'),
      min: numberOr(value(row, 'min')),
      max: numberOr(value(row, 'max')),
    }),
  );
  return compact({
    branches: ticked('branches.branches'),
    regions: ticked('branches.regions'),
    tags: ticked('branches.tags'),
    themes: ticked('branches.themes'),
    catchment,
  });
}

function campaignBody() {
  // Fields this form does not edit (share of voice, webhook) go back as they came.
  const { status, createdAt, updatedAt, ...kept } = campaign ?? {};
  const target = compact({
    roles: ticked('target.roles'),
    zones: listOf(form.elements['target.zones'].value),
    screens: listOf(form.elements['target.screens'].value),
  });
  const body = {
    ...kept,
    id: form.elements.id.value.trim(),
    name: form.elements.name.value.trim(),
    objective: form.elements.objective.value,
    priority: numberOr(form.elements.priority.value) ?? 0,
    items: items(),
    schedule: schedule(),
    target,
    rule: rule(),
    branches: selector(),
    benefits: ticked('benefits'),
  };
  for (const key of ['schedule', 'target']) {
    if (Object.keys(body[key]).length === 0) delete body[key];
  }
  if (!body.rule) delete body.rule;
  return body;
}

function targets() {
  const dayStart = (day) => (day ? Date.parse(`${day}T00:00:00Z`) : undefined);
  return rows('targets').map((row) => {
    const to = dayStart(value(row, 'to'));
    return compact({
      branch: value(row, 'branch'),
      step: value(row, 'step'),
      target: numberOr(value(row, 'target')),
      from: dayStart(value(row, 'from')),
      // The whole last day counts.
      to: to === undefined ? undefined : to + 86_400_000 - 1,
    });
  });
}

// Errors beside their fields -----------------------------------------------------------------

/** Names each row's error places by its position now: `items.2.durationMs`. */
function nameRows() {
  const lists = {
    items: 'items',
    dayparts: 'schedule.dayparts',
    conditions: 'rule.conditions',
    catchment: 'branches.catchment',
    targets: 'targets',
  };
  for (const [listId, path] of Object.entries(lists)) {
    rows(listId).forEach((row, index) => {
      for (const place of row.querySelectorAll('[data-error-suffix]')) {
        const suffix = place.dataset.errorSuffix;
        place.dataset.errorFor = suffix ? `${path}.${index}.${suffix}` : `${path}.${index}`;
      }
    });
  }
}

function clearErrors() {
  for (const place of document.querySelectorAll('[data-error-for]')) place.textContent = '';
  for (const marked of document.querySelectorAll('.has-error'))
    marked.classList.remove('has-error');
}

/** The catalogue's words for an error at `path`, from the most to the least precise key. */
function messageFor(error, levels) {
  if (error.code === 'SB_ERR_CONFLICT') return t('campaigns.error.taken');
  for (let length = levels.length; length > 0; length -= 1) {
    const pattern = levels.slice(0, length).map((level) => (/^\d+$/.test(level) ? '*' : level));
    const key = `campaigns.error.${pattern.join('.')}`;
    if (key in strings) return t(key);
  }
  return t('campaigns.error.invalid', { message: error.message ?? '' });
}

function showError(error) {
  nameRows();
  const levels = (error.path ?? '(body)').split('.');
  let place = null;
  for (let length = levels.length; length > 0 && !place; length -= 1) {
    const path = levels.slice(0, length).join('.');
    place = document.querySelector(`[data-error-for="${CSS.escape(path)}"]`);
  }
  place ??= document.querySelector('[data-error-for="(body)"]');
  place.textContent = messageFor(error, levels);
  const holder = place.closest('.field, .cell, .row, .item') ?? place;
  holder.classList.add('has-error');
  holder.querySelector('input, select')?.focus();
  place.scrollIntoView({ block: 'center' });
}

// Preview and saving -------------------------------------------------------------------------

let previewAsked = 0;

async function preview() {
  const box = document.getElementById('selection-preview');
  const asked = ++previewAsked;
  const wanted = selector();
  if (Object.keys(wanted).length === 0) {
    box.dataset.count = '0';
    box.textContent = t('campaigns.preview.none');
    return;
  }
  const answer = await send('POST', '/api/branch-selection', wanted);
  if (asked !== previewAsked) return;
  if (!answer.ok) {
    box.removeAttribute('data-count');
    box.textContent = t('campaigns.preview.invalid');
    return;
  }
  const names = new Map(data.branches.map((branch) => [branch.id, branch.name]));
  const picked = answer.body.branches;
  box.dataset.count = String(picked.length);
  box.replaceChildren(
    element('b', {}, [t('campaigns.preview', { count: picked.length })]),
    element('span', { class: 'note' }, [` ${picked.map((id) => names.get(id) ?? id).join(', ')}`]),
  );
}

async function save(event) {
  event.preventDefault();
  clearErrors();
  const body = campaignBody();
  const path = campaign ? `/api/campaigns/${encodeURIComponent(campaign.id)}` : '/api/campaigns';
  const saved = await send(campaign ? 'PUT' : 'POST', path, body);
  if (!saved.ok) return showError(saved.body.error ?? {});

  const id = encodeURIComponent(body.id);
  const goals = await send('PUT', `/api/campaigns/${id}/targets`, { targets: targets() });
  if (!goals.ok) return showError(goals.body.error ?? {});

  window.location.assign(`/campaigns/${id}?saved=1`);
}

async function act(action) {
  const state = document.getElementById('action-state');
  const id = encodeURIComponent(campaign.id);
  const answer = await send('POST', `/api/campaigns/${id}/${action}`, {});
  if (!answer.ok) {
    state.textContent = messageFor(answer.body.error ?? {}, []);
    return;
  }
  state.textContent = t(`campaigns.done.${action}`, { count: answer.body.branches?.length ?? 0 });
  const now = await fetch(`/api/campaigns/${id}`, { credentials: 'same-origin' });
  const status = (await now.json()).status;
  const shown = document.getElementById('campaign-status');
  shown.dataset.status = status;
  shown.textContent = t(`campaign.status.${status}`);
}

function start() {
  for (const item of campaign?.items ?? []) addItem(item);
  for (const daypart of campaign?.schedule?.dayparts ?? []) addDaypart(daypart);
  for (const condition of campaign?.rule?.conditions ?? []) addCondition(condition);
  for (const condition of campaign?.branches?.catchment ?? []) addCatchment(condition);
  for (const target of data.targets) addTarget(target);

  const adders = {
    dayparts: addDaypart,
    conditions: addCondition,
    catchment: addCatchment,
    targets: addTarget,
  };
  for (const button of document.querySelectorAll('[data-add]')) {
    button.addEventListener('click', () => {
      adders[button.dataset.add]();
      if (button.dataset.add === 'catchment') preview();
    });
  }
  for (const button of document.querySelectorAll('[data-action]')) {
    button.addEventListener('click', () => act(button.dataset.action));
  }
  form.elements.objective.addEventListener('change', () => {
    for (const row of rows('targets')) {
      const select = row.querySelector('[data-name="step"]');
      select.replaceChildren(
        ...stepOptions().map(([step, text]) => element('option', { value: step }, [text])),
      );
    }
  });
  if (!data.canEdit) return;

  document.getElementById('asset-upload').addEventListener('change', (event) => {
    upload([...event.target.files]);
  });
  let timer = null;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(preview, 250);
  };
  document.getElementById('branches').addEventListener('change', later);
  document.getElementById('branches').addEventListener('input', later);
  form.addEventListener('submit', save);
  preview();
}

start();
