// The HQ insights pages: figures from /api/insights, charts by ECharts (SVG), maps by Leaflet
// with no tile layer, so they draw on a blank background where no tile server is reachable.
// Every visible word comes from the page's catalogue (page-data), never from this file.

const data = JSON.parse(document.getElementById('page-data').textContent);
const strings = data.strings;

function t(key, values = {}) {
  const text = strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (slot, name) => (name in values ? String(values[name]) : slot));
}

const number = new Intl.NumberFormat(data.language === 'zh' ? 'zh-CN' : 'en', {
  maximumFractionDigits: 2,
});
const share = new Intl.NumberFormat(data.language === 'zh' ? 'zh-CN' : 'en', {
  style: 'percent',
  maximumFractionDigits: 1,
});

function show(value, kind) {
  if (value === null || value === undefined) return '–';
  if (typeof value !== 'number') return String(value);
  return kind === 'share' ? share.format(value) : number.format(value);
}

function period() {
  const form = document.getElementById('period');
  return { from: form.elements.from.value, to: form.elements.to.value };
}

function apiUrl(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  return `/api/insights/${path}?${params}`;
}

async function api(path, query) {
  const response = await fetch(apiUrl(path, query), { credentials: 'same-origin' });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.error?.message ?? String(response.status));
  }
  return response.json();
}

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

/** A table with its CSV link: the link asks the API for the same rows as CSV. */
function renderTable(containerId, columns, rows, csv) {
  const container = document.getElementById(containerId);
  container.replaceChildren();
  if (rows.length === 0) {
    container.append(element('p', { class: 'note' }, [t('insights.noData')]));
  }
  const head = element(
    'tr',
    {},
    columns.map((column) => element('th', {}, [t(column.label)])),
  );
  const body = rows.map((row) =>
    element(
      'tr',
      {},
      columns.map((column) => {
        const cell = column.cell ? column.cell(row) : show(row[column.key], column.kind);
        return element('td', { 'data-column': column.key }, [cell]);
      }),
    ),
  );
  if (rows.length > 0)
    container.append(
      element('table', {}, [element('thead', {}, [head]), element('tbody', {}, body)]),
    );
  if (csv) {
    container.append(
      element(
        'a',
        { class: 'csv', href: apiUrl(csv.path, { ...csv.query, format: 'csv' }), download: '' },
        [t('insights.csv')],
      ),
    );
  }
}

const charts = new Map();

function chartOf(id) {
  let chart = charts.get(id);
  if (!chart) {
    chart = echarts.init(document.getElementById(id), null, { renderer: 'svg' });
    charts.set(id, chart);
    window.addEventListener('resize', () => chart.resize());
  }
  return chart;
}

function drawChart(id, option) {
  chartOf(id).setOption({ animation: false, tooltip: {}, ...option }, true);
}

/** A map on a blank background: no tile layer, the branches and rings are the drawing. */
function blankMap(id) {
  const map = L.map(id, { attributionControl: false, zoomSnap: 0.25 });
  return map;
}

function showError(err) {
  const note = element('p', { class: 'error', role: 'alert' }, [
    t('error.load', { message: err.message }),
  ]);
  document.querySelector('.layout')?.before(note);
}

/** Reloads when the server says new aggregates arrived for the branches on the page. */
function followLive(branches, reload) {
  const live = document.getElementById('live');
  const source = new EventSource('/api/insights/events');
  source.addEventListener('open', () => {
    live.dataset.live = 'on';
    live.classList.add('live-on');
  });
  source.addEventListener('aggregates', (event) => {
    const changed = JSON.parse(event.data).branches;
    if (!branches || changed.some((branch) => branches.includes(branch))) reload();
  });
}

async function networkPage() {
  const map = blankMap('map');
  const markers = L.featureGroup().addTo(map);
  const load = async () => {
    const { rows } = await api('network', period());
    markers.clearLayers();
    for (const row of rows.filter((each) => each.latitude !== null && each.longitude !== null)) {
      const marker = L.circleMarker([row.latitude, row.longitude], {
        radius: 6 + Math.sqrt(row.entries) / 4,
        color: '#1f5fa8',
      });
      marker.bindTooltip(`${row.name}: ${show(row.entries)}`, { permanent: false });
      marker.on('click', () => {
        location.href = `/insights/branches/${encodeURIComponent(row.branch)}`;
      });
      marker.addTo(markers);
    }
    if (markers.getLayers().length > 0) map.fitBounds(markers.getBounds().pad(0.2));
    else map.setView([0, 0], 1);
    renderTable(
      'branches-table',
      [
        {
          key: 'branch',
          label: 'col.branch',
          cell: (row) =>
            element('a', { href: `/insights/branches/${encodeURIComponent(row.branch)}` }, [
              row.name,
            ]),
        },
        { key: 'region', label: 'col.region' },
        { key: 'entries', label: 'col.entries' },
        { key: 'passersBy', label: 'col.passersBy' },
        { key: 'ticketsServed', label: 'col.ticketsServed' },
        { key: 'waitSecondsMean', label: 'col.waitSecondsMean' },
        { key: 'waitSecondsP90', label: 'col.waitSecondsP90' },
        { key: 'impressions', label: 'col.impressions' },
        { key: 'anomalies', label: 'col.anomalies' },
      ],
      rows,
      { path: 'network', query: period() },
    );
    const points = await api('series', {
      ...period(),
      granularity: 'day',
      metrics: 'entries,passers-by',
    });
    drawSeries('chart-network-footfall', points.rows);
  };
  document.getElementById('period').addEventListener('submit', (event) => {
    event.preventDefault();
    load().catch(showError);
  });
  await load();
  document.body.setAttribute('data-loaded', 'true');
  followLive(null, () => load().catch(showError));
}

function drawSeries(id, points) {
  const buckets = [...new Set(points.map((point) => point.bucket))];
  const line = (metric, label) => ({
    name: t(label),
    type: 'line',
    data: buckets.map(
      (bucket) =>
        points.find((point) => point.bucket === bucket && point.metric === metric)?.value ?? 0,
    ),
  });
  drawChart(id, {
    legend: {},
    grid: { left: 40, right: 10, bottom: 30, containLabel: true },
    xAxis: { type: 'category', data: buckets },
    yAxis: { type: 'value' },
    series: [line('entries', 'chart.entries'), line('passers-by', 'chart.passersBy')],
  });
}

window.insightsPage = {
  t,
  show,
  api,
  apiUrl,
  period,
  element,
  renderTable,
  drawChart,
  drawSeries,
  blankMap,
  showError,
  followLive,
};

document.addEventListener('DOMContentLoaded', () => {
  if (data.page === 'network') networkPage().catch(showError);
});
