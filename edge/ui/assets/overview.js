// Fills the technician overview from /api/status, /api/health, /api/alerts and /api/devices.
const { t, api, el, row, fill, set, stateText } = window.sb;

const duration = (seconds) => {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return `${hours}h ${minutes}m`;
};
const megabytes = (bytes) => `${Math.round(bytes / 1048576)} MB`;
const sum = (values) => values.reduce((a, b) => a + b, 0);

function showStatus(status) {
  const camera = status.cameras[0];
  set('branch', status.branchName);
  set('uplink', stateText(status.uplink.state));
  set('backlog', String(sum(Object.values(status.backlog))));
  set('people', String(status.people));
  set('source', camera ? t(`source.${camera.source}`) : '–');
  set('fps', camera ? camera.fps.toFixed(1) : '–');
  set('backend', camera ? camera.backend : '–');
  // A module HQ switched off reports null: its figures show as a dash.
  set('waiting', status.queue ? String(status.queue.waiting) : '–');
  set('served', status.queue ? String(status.queue.served) : '–');
  set('busClients', String(status.bus.clients));
  set('devices', `${status.devices.online} / ${status.devices.total}`);
  set(
    'screensOnline',
    status.screens ? `${status.screens.screensOnline} / ${status.screens.screens}` : '–',
  );
  set('uptime', duration(status.uptimeSeconds));
  fill(
    'cameras',
    status.cameras.map((entry) =>
      row(
        entry.id,
        t(`source.${entry.source}`),
        entry.fps.toFixed(1),
        entry.backend,
        String(entry.people),
      ),
    ),
  );
  document
    .querySelector('[data-figure="nowServing"]')
    .replaceChildren(
      ...status.nowServing.map((entry) => row(entry.counter, entry.number, entry.service)),
    );
}

function showHealth(health) {
  set('cpu', `${health.cpu.load1.toFixed(2)} / ${health.cpu.cores}`);
  set('memory', megabytes(health.memory.freeBytes));
  set('disk', health.disk ? megabytes(health.disk.freeBytes) : '–');
  set('version', health.versions.smartbranch);
  set('nodeRed', health.versions['node-red']);
}

async function refresh() {
  const [status, health, alerts, devices] = await Promise.all(
    ['/api/status', '/api/health', '/api/alerts', '/api/devices'].map((path) => api(path)),
  );
  if (status.ok) showStatus(status.body);
  if (health.ok) showHealth(health.body);
  if (alerts.ok) {
    const items = alerts.body.map((alert) =>
      el(
        'li',
        { class: alert.severity === 'info' ? '' : 'problem' },
        `${new Date(alert.at).toLocaleTimeString()} ${alert.title}: ${alert.message}`,
      ),
    );
    document
      .querySelector('[data-figure="alerts"]')
      .replaceChildren(...(items.length ? items : [el('li', {}, t('overview.noAlerts'))]));
  }
  if (devices.ok) {
    document
      .querySelector('[data-figure="deviceStates"]')
      .replaceChildren(
        ...devices.body.map((device) => row(device.device, stateText(device.state))),
      );
  }
}

refresh();
setInterval(refresh, 2000);
