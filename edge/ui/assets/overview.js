// Fills the technician overview from /api/status; values go in as text, never as HTML.
const set = (key, value) => {
  for (const element of document.querySelectorAll(`[data-figure="${key}"]`)) {
    element.textContent = value;
  }
};

const duration = (seconds) => {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return `${hours}h ${minutes}m`;
};

async function refresh() {
  const response = await fetch('/api/status', { credentials: 'same-origin' });
  if (response.status === 401) return location.assign('/login');
  if (!response.ok) return;

  const status = await response.json();
  const camera = status.cameras[0];
  set('branch', status.branchName);
  set('uplink', status.uplink.state);
  set('backlog', String(Object.values(status.backlog).reduce((a, b) => a + b, 0)));
  set('people', String(status.people));
  set('source', camera ? camera.source : '–');
  set('fps', camera ? camera.fps.toFixed(1) : '–');
  set('backend', camera ? camera.backend : '–');
  set('waiting', String(status.queue.waiting));
  set('served', String(status.queue.served));
  set('busClients', String(status.bus.clients));
  set('devices', `${status.devices.online} / ${status.devices.total}`);
  set('uptime', duration(status.uptimeSeconds));

  const rows = document.querySelector('[data-figure="nowServing"]');
  rows.replaceChildren(...status.nowServing.map((entry) => {
    const row = document.createElement('tr');
    for (const text of [entry.counter, entry.number, entry.service]) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    return row;
  }));
}

refresh();
setInterval(refresh, 2000);
