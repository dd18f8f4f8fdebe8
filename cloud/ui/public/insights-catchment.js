// The branch dashboard's catchment and place sections, and the loop that runs all sections.

function catchmentSections(parts) {
  const { t, show, api, element, renderTable, drawChart, base, query } = parts;
  let map = null;

  function drawRings(profile) {
    map ??= parts.page.blankMap('catchment-map');
    map.eachLayer((layer) => map.removeLayer(layer));
    const centre = [profile.latitude, profile.longitude];
    for (const ring of [5, 3, 1]) {
      L.circle(centre, {
        radius: ring * 1000,
        color: '#1f5fa8',
        weight: 1,
        fillOpacity: 0.05,
      }).addTo(map);
    }
    L.circleMarker(centre, { radius: 7, color: '#0a7a32', fillOpacity: 1 })
      .bindTooltip(t('map.branch'))
      .addTo(map);
    for (const poi of profile.pois) {
      L.circleMarker([poi.latitude, poi.longitude], { radius: 3, color: '#8a5a00' })
        .bindTooltip(`${t('map.poi')}: ${poi.name}`)
        .addTo(map);
    }
    for (const rival of profile.competitors) {
      L.circleMarker([rival.latitude, rival.longitude], { radius: 4, color: '#b3261e' })
        .bindTooltip(`${t('map.competitor')}: ${rival.name}`)
        .addTo(map);
    }
    map.fitBounds(L.latLng(centre).toBounds(10_500));
  }

  function drawTheme(recommendation, current) {
    const box = document.getElementById('theme-box');
    const picker = element(
      'select',
      { id: 'theme-override' },
      [...new Set(recommendation.reasons.map((reason) => reason.theme))].map((theme) =>
        element('option', { value: theme }, [theme]),
      ),
    );
    const decide = (theme, decision) => async () => {
      const response = await fetch(`/api/insights/${base}/theme`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ theme, decision }),
      });
      if (response.ok)
        document.getElementById('theme-saved').textContent = t('theme.saved', { theme });
    };
    const accept = element('button', { type: 'button', id: 'theme-accept' }, [t('theme.accept')]);
    accept.addEventListener('click', decide(recommendation.theme, 'accepted'));
    const override = element('button', { type: 'button' }, [t('theme.override')]);
    override.addEventListener('click', () => decide(picker.value, 'overridden')());
    box.replaceChildren(
      element('p', { id: 'theme-recommended', 'data-theme': recommendation.theme }, [
        t('theme.recommended', { theme: recommendation.theme }),
      ]),
      ...(recommendation.byDefault
        ? [element('p', { class: 'note' }, [t('theme.byDefault')])]
        : []),
      ...(current ? [element('p', {}, [t('theme.current', { theme: current })])] : []),
      element('div', { class: 'theme-actions' }, [accept, override, picker]),
      element('p', { id: 'theme-saved', role: 'status' }),
      element('div', { id: 'reasons-table', class: 'table' }),
    );
    renderTable(
      'reasons-table',
      [
        { key: 'theme', label: 'col.theme' },
        { key: 'figure', label: 'col.figure' },
        { key: 'ringKm', label: 'col.km' },
        { key: 'value', label: 'col.value' },
        { key: 'atLeast', label: 'col.threshold' },
        {
          key: 'holds',
          label: 'col.holds',
          cell: (row) =>
            element('span', { class: row.holds ? 'holds' : 'fails' }, [
              t(row.holds ? 'yes' : 'no'),
            ]),
        },
      ],
      recommendation.reasons,
    );
  }

  async function catchment() {
    let found;
    try {
      found = await api(`${base}/catchment`, parts.page.period());
    } catch {
      document.getElementById('nearest').textContent = t('catchment.none');
      return;
    }
    drawRings(found);
    renderTable(
      'rings-table',
      [
        { key: 'km', label: 'col.km' },
        { key: 'population', label: 'col.population' },
        { key: 'income', label: 'col.income' },
        { key: 'customers', label: 'col.customers' },
        { key: 'penetration', label: 'col.penetration', kind: 'share' },
        { key: 'competitors', label: 'col.competitors' },
      ],
      found.rings,
      { path: `${base}/catchment`, query: parts.page.period() },
    );
    const nearest = found.nearestCompetitor;
    document.getElementById('nearest').textContent = nearest
      ? t('catchment.nearest', { name: nearest.name, km: show(nearest.distanceKm) })
      : t('catchment.noCompetitor');
    drawTheme(found.theme, null);
    drawChart('chart-mix', {
      legend: {},
      xAxis: { type: 'category', data: found.mix.groups.map((group) => group.group) },
      yAxis: { type: 'value', axisLabel: { formatter: (value) => `${Math.round(value * 100)}%` } },
      series: [
        {
          type: 'bar',
          name: t('chart.branch'),
          data: found.mix.groups.map((group) => group.branchShare),
        },
        {
          type: 'bar',
          name: t('chart.catchment'),
          data: found.mix.groups.map((group) => group.catchmentShare),
        },
      ],
    });
    document.getElementById('unreached').textContent = found.mix.unreached.length
      ? t('catchment.unreached', { groups: found.mix.unreached.join(', ') })
      : '';
    renderTable(
      'segments-table',
      [
        { key: 'id', label: 'col.segment' },
        { key: 'figure', label: 'col.figure' },
        { key: 'ringKm', label: 'col.km' },
        { key: 'value', label: 'col.value' },
      ],
      found.segments,
    );
    renderTable(
      'neighbours-table',
      [
        { key: 'branch', label: 'col.branch' },
        { key: 'distanceKm', label: 'col.distance' },
        { key: 'overlapShare3km', label: 'col.overlap', kind: 'share' },
      ],
      found.neighbours,
    );
  }

  function heatColour(value, highest) {
    const level = highest > 0 ? Math.min(1, value / highest) : 0;
    return `rgba(214, 48, 39, ${0.1 + level * 0.75})`;
  }

  async function place() {
    const found = await api(`${base}/place`, parts.page.period());
    const plan = document.getElementById('plan');
    if (found.zones.length === 0) {
      plan.replaceChildren(element('p', { class: 'note' }, [t('place.none')]));
    } else {
      drawPlan(plan, found.zones);
    }
    const links = found.flows.links;
    drawChart('chart-flows', {
      series: [
        {
          type: 'sankey',
          data: found.flows.nodes,
          links: links.map(({ source, target, value }) => ({ source, target, value })),
          emphasis: { focus: 'adjacency' },
        },
      ],
    });
    const perM2 = found.perSquareMetre;
    renderTable(
      'per-m2-table',
      [
        { key: 'figure', label: 'col.figure', cell: (row) => t(`place.${row.figure}`) },
        { key: 'value', label: 'col.value' },
      ],
      ['visitorsPerM2PerHour', 'dwellSecondsPerM2', 'ticketsServedPerM2'].map((figure) => ({
        figure,
        value: perM2[figure],
      })),
    );
    await beforeAfter();
  }

  function drawPlan(plan, zones) {
    const width = Math.max(...zones.flatMap((zone) => zone.polygon.map(([x]) => x))) * 1.05;
    const height = Math.max(...zones.flatMap((zone) => zone.polygon.map(([, y]) => y))) * 1.05;
    const hour = Number(document.getElementById('heat-hour').value);
    const highest = Math.max(...zones.flatMap((zone) => zone.hours.map((each) => each.occupancy)));
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    for (const zone of zones) {
      const shape = document.createElementNS('http://www.w3.org/2000/svg', 'polygon');
      shape.setAttribute('points', zone.polygon.map((corner) => corner.join(',')).join(' '));
      shape.setAttribute('fill', heatColour(zone.hours[hour].occupancy, highest));
      shape.setAttribute('stroke', '#1d2733');
      shape.setAttribute('stroke-width', String(width / 300));
      shape.dataset.zone = zone.zone;
      const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
      title.textContent = `${zone.zone}: ${show(zone.hours[hour].occupancy)}`;
      shape.append(title);
      svg.append(shape);
    }
    const image = element('img', { src: `/api/insights/${base}/plan`, alt: '' });
    image.addEventListener('error', () => image.remove());
    plan.replaceChildren(image, svg);
    plan.style.aspectRatio = `${width} / ${height}`;
  }

  async function beforeAfter() {
    const { from, to } = parts.page.period();
    const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
    const shift = (day, by) =>
      new Date(Date.parse(day) + by * 86_400_000).toISOString().slice(0, 10);
    const compare = {
      beforeFrom: shift(from, -days),
      beforeTo: shift(from, -1),
      afterFrom: from,
      afterTo: to,
    };
    const { rows } = await api(`${base}/before-after`, compare).then((found) => ({
      rows: Object.entries(found.figures).map(([figure, values]) => ({ figure, ...values })),
    }));
    renderTable(
      'before-after-table',
      [
        { key: 'figure', label: 'col.figure' },
        { key: 'before', label: 'col.before' },
        { key: 'after', label: 'col.after' },
        { key: 'changeShare', label: 'col.change', kind: 'share' },
      ],
      rows,
      { path: `${base}/before-after`, query: compare },
    );
  }

  return [catchment, place];
}

document.addEventListener('DOMContentLoaded', () => {
  const data = JSON.parse(document.getElementById('page-data').textContent);
  if (data.page !== 'branch') return;

  const parts = window.insightsBranch();
  const sections = [...parts.load, ...catchmentSections(parts)];
  const loadAll = () =>
    Promise.all(sections.map((section) => section().catch(parts.page.showError)));
  document.getElementById('period').addEventListener('submit', (event) => {
    event.preventDefault();
    loadAll();
  });
  document
    .getElementById('granularity')
    .addEventListener('change', () => parts.load[1]().catch(parts.page.showError));
  document
    .getElementById('heat-hour')
    .addEventListener('input', () => sections.at(-1)().catch(parts.page.showError));
  loadAll().then(() => document.body.setAttribute('data-loaded', 'true'));
  parts.page.followLive([data.branch], loadAll);
});
