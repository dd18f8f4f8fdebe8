// Cameras and zones: a still frame on demand, zones and counting lines drawn and dragged on
// it in frame coordinates (0..1), saved for sensing; live counts beside it.
const { t, api, el, fill, set, problem } = window.sb;
const image = document.querySelector('[data-figure="still"]');
const canvas = document.querySelector('.stage canvas');
const select = document.querySelector('[data-list="cameras"]');
const nameInput = document.querySelector('[name="name"]');
const kindInput = document.querySelector('[name="kind"]');
let shapes = { zones: [], lines: [] };
let mode = null;
let draft = [];
let dragging = null;

const camera = () => select.value;
const points = () => [
  ...shapes.zones.flatMap((zone) => zone.polygon),
  ...shapes.lines.flatMap((line) => [line.from, line.to]),
  ...draft,
];

function toFrame(event) {
  const box = canvas.getBoundingClientRect();
  const clamp = (value) => Math.min(1, Math.max(0, Math.round(value * 1000) / 1000));
  return [
    clamp((event.clientX - box.left) / box.width),
    clamp((event.clientY - box.top) / box.height),
  ];
}

function draw() {
  const box = canvas.getBoundingClientRect();
  canvas.width = box.width;
  canvas.height = box.height;
  const context = canvas.getContext('2d');
  const at = ([x, y]) => [x * canvas.width, y * canvas.height];
  const path = (corners, closed, colour) => {
    context.beginPath();
    for (const [index, corner] of corners.entries()) {
      if (index) context.lineTo(...at(corner));
      else context.moveTo(...at(corner));
    }
    if (closed) context.closePath();
    context.strokeStyle = colour;
    context.lineWidth = 3;
    context.stroke();
    for (const corner of corners) context.fillRect(at(corner)[0] - 4, at(corner)[1] - 4, 8, 8);
  };
  context.fillStyle = '#ffd400';
  for (const zone of shapes.zones) path(zone.polygon, true, '#00c2ff');
  for (const line of shapes.lines) path([line.from, line.to], false, '#ff4d6d');
  if (draft.length) path(draft, false, '#ffd400');
}

function listShapes() {
  const item = (label, remove) =>
    el(
      'li',
      {},
      `${label} `,
      el(
        'button',
        {
          type: 'button',
          onclick: () => {
            remove();
            listShapes();
            draw();
          },
        },
        t('cameras.remove'),
      ),
    );
  fill('shapes', [
    ...shapes.zones.map((zone, index) =>
      item(`${zone.name} · ${t(`zone.${zone.kind}`)}`, () => shapes.zones.splice(index, 1)),
    ),
    ...shapes.lines.map((line, index) =>
      item(`${line.name} · ${t('cameras.lines')}`, () => shapes.lines.splice(index, 1)),
    ),
  ]);
}

function finish() {
  const name = nameInput.value.trim() || `${mode}-${shapes.zones.length + shapes.lines.length + 1}`;
  if (mode === 'zone' && draft.length >= 3) {
    shapes.zones.push({ name, kind: kindInput.value, polygon: draft });
  }
  if (mode === 'line' && draft.length === 2)
    shapes.lines.push({ name, from: draft[0], to: draft[1] });
  mode = null;
  draft = [];
  nameInput.value = '';
  listShapes();
  draw();
}

canvas.addEventListener('pointerdown', (event) => {
  const point = toFrame(event);
  const near = points().find(([x, y]) => Math.hypot(x - point[0], y - point[1]) < 0.02);
  if (near) {
    dragging = near;
    canvas.setPointerCapture(event.pointerId);
    return;
  }
  if (!mode) return;
  draft.push(point);
  if (mode === 'line' && draft.length === 2) return finish();
  draw();
});
canvas.addEventListener('pointermove', (event) => {
  if (!dragging) return;
  [dragging[0], dragging[1]] = toFrame(event);
  draw();
});
canvas.addEventListener('pointerup', () => {
  dragging = null;
});

document.querySelector('[data-action="zone"]').addEventListener('click', () => {
  mode = 'zone';
  draft = [];
});
document.querySelector('[data-action="line"]').addEventListener('click', () => {
  mode = 'line';
  draft = [];
});
document.querySelector('[data-action="finish"]').addEventListener('click', finish);
document.querySelector('[data-action="save"]').addEventListener('click', async () => {
  const answer = await api(`/api/cameras/${encodeURIComponent(camera())}/zones`, {
    method: 'PUT',
    body: shapes,
  });
  set(
    'message',
    !answer.ok
      ? problem(answer)
      : answer.body.applied
        ? t('cameras.saved')
        : t('cameras.savedLater'),
  );
});
document.querySelector('[data-action="still"]').addEventListener('click', () => {
  set('message', '');
  image.src = `/api/cameras/${encodeURIComponent(camera())}/still?at=${Date.now()}`;
});
image.addEventListener('load', draw);
image.addEventListener('error', () => set('message', t('cameras.noStill')));
window.addEventListener('resize', draw);

async function loadZones() {
  const answer = await api(`/api/cameras/${encodeURIComponent(camera())}/zones`);
  shapes = answer.ok ? answer.body : { zones: [], lines: [] };
  listShapes();
  draw();
}

async function live() {
  if (!camera()) return;
  const answer = await api(`/api/cameras/${encodeURIComponent(camera())}/live`);
  if (!answer.ok) return;
  set('people', answer.body.people === null ? '–' : String(answer.body.people));
  fill(
    'zoneCounts',
    Object.entries(answer.body.zones).map(([zone, people]) =>
      el('tr', {}, el('td', {}, zone), el('td', { 'data-zone': zone }, String(people))),
    ),
  );
}

select.addEventListener('change', loadZones);
(async () => {
  const answer = await api('/api/cameras');
  fill(
    'cameras',
    (answer.body ?? []).map((entry) => el('option', { value: entry.id }, entry.id)),
  );
  if (select.value) loadZones();
})();
setInterval(live, 1000);
