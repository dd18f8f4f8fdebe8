// The per-branch dashboard: figures, funnel, anomalies, catchment, place. See insights.js.

const branchKpis = [
  ['passersBy', 'kpi.passersBy'],
  ['entries', 'kpi.entries'],
  ['occupancyMean', 'kpi.occupancyMean'],
  ['ticketsIssued', 'kpi.ticketsIssued'],
  ['ticketsServed', 'kpi.ticketsServed'],
  ['ticketNoShows', 'kpi.ticketNoShows'],
  ['waitSecondsMean', 'kpi.waitSecondsMean'],
  ['waitSecondsP90', 'kpi.waitSecondsP90'],
  ['serviceSecondsMean', 'kpi.serviceSecondsMean'],
  ['withinTargetShare', 'kpi.withinTargetShare', 'share'],
  ['estimateErrorSecondsMean', 'kpi.estimateErrorSecondsMean'],
  ['couponsIssued', 'kpi.couponsIssued'],
  ['couponsRedeemed', 'kpi.couponsRedeemed'],
];

function branchPage() {
  const page = window.insightsPage;
  const { t, show, api, element, renderTable, drawChart } = page;
  const data = JSON.parse(document.getElementById('page-data').textContent);
  const branch = data.branch;
  const base = `branches/${encodeURIComponent(branch)}`;
  const query = () => ({ branches: branch, ...page.period() });

  function kpis(figures) {
    const values = {
      passersBy: figures.passersBy,
      entries: figures.entries,
      occupancyMean: figures.occupancyMean,
      ticketsIssued: figures.queue.issued,
      ticketsServed: figures.queue.served,
      ticketNoShows: figures.queue.noShows,
      waitSecondsMean: figures.queue.waitSecondsMean,
      waitSecondsP90: figures.queue.waitSecondsP90,
      serviceSecondsMean: figures.queue.serviceSecondsMean,
      withinTargetShare: figures.queue.withinTargetShare,
      estimateErrorSecondsMean: figures.queue.estimateErrorSecondsMean,
      couponsIssued: figures.coupons.issued,
      couponsRedeemed: figures.coupons.redeemed,
    };
    const box = document.getElementById('kpis');
    box.replaceChildren(
      ...branchKpis.map(([key, label, kind]) =>
        element('dl', { class: 'kpi', 'data-kpi': key }, [
          element('dt', {}, [t(label)]),
          element('dd', {}, [show(values[key], kind)]),
        ]),
      ),
    );
    const href = page.apiUrl('figures', { ...query(), table: 'kpis', format: 'csv' });
    box.append(element('a', { class: 'csv', id: 'kpis-csv', href }, [t('insights.csv')]));
  }

  async function figures() {
    const found = await api('figures', query());
    kpis(found);
    const dwell = Object.entries(found.dwellSeconds);
    drawChart('chart-dwell', {
      xAxis: { type: 'category', data: dwell.map(([bucket]) => `${bucket} s`) },
      yAxis: { type: 'value' },
      series: [{ type: 'bar', name: t('chart.visits'), data: dwell.map(([, visits]) => visits) }],
    });
    const points = Object.entries(found.servicePointVisits);
    drawChart('chart-service-points', {
      xAxis: { type: 'category', data: points.map(([zone]) => zone) },
      yAxis: { type: 'value' },
      series: [{ type: 'bar', name: t('chart.visits'), data: points.map(([, visits]) => visits) }],
    });
    drawChart('chart-campaigns', {
      xAxis: { type: 'category', data: found.campaigns.map((row) => row.key) },
      yAxis: { type: 'value' },
      series: [
        {
          type: 'bar',
          name: t('chart.impressions'),
          data: found.campaigns.map((row) => row.impressions),
        },
      ],
    });
    renderTable(
      'campaigns-table',
      [
        { key: 'campaign', label: 'col.campaign' },
        { key: 'plays', label: 'col.plays' },
        { key: 'impressions', label: 'col.impressions' },
        { key: 'attentionSeconds', label: 'col.attentionSeconds' },
        { key: 'couponsIssued', label: 'col.couponsIssued' },
        { key: 'couponsRedeemed', label: 'col.couponsRedeemed' },
      ],
      found.campaigns.map(({ key, ...rest }) => ({ campaign: key, ...rest })),
      { path: 'figures', query: { ...query(), table: 'campaigns' } },
    );
    queueTables(found.queue);
    const ages = Object.entries(found.demographics.ages);
    drawChart('chart-demographics', {
      series: [
        {
          type: 'pie',
          radius: ['35%', '65%'],
          data: ages.map(([name, value]) => ({ name, value })),
        },
      ],
    });
  }

  /** The queue's figures per service and per counter, each with its CSV. */
  function queueTables(queue) {
    const figures = [
      { key: 'served', label: 'col.ticketsServed' },
      { key: 'noShows', label: 'col.noShows' },
      { key: 'waitSecondsMean', label: 'col.waitSecondsMean' },
      { key: 'waitSecondsP90', label: 'col.waitSecondsP90' },
      { key: 'serviceSecondsMean', label: 'col.serviceSecondsMean' },
      { key: 'withinTargetShare', label: 'col.withinTargetShare', kind: 'share' },
      { key: 'estimateErrorSecondsMean', label: 'col.estimateErrorSecondsMean' },
    ];
    renderTable(
      'queue-services-table',
      [
        { key: 'service', label: 'col.service' },
        { key: 'issued', label: 'col.ticketsIssued' },
        ...figures,
      ],
      queue.services,
      { path: 'figures', query: { ...query(), table: 'queue-services' } },
    );
    renderTable(
      'queue-counters-table',
      [{ key: 'counter', label: 'col.counter' }, ...figures],
      queue.counters,
      { path: 'figures', query: { ...query(), table: 'queue-counters' } },
    );
  }

  async function footfall() {
    const granularity = document.getElementById('granularity').value;
    const { rows } = await api('series', {
      ...query(),
      granularity,
      metrics: 'entries,passers-by',
    });
    page.drawSeries('chart-footfall', rows);
  }

  async function funnel() {
    const found = await api('funnel', query());
    const steps = found.branches[0]?.steps ?? [];
    drawChart('chart-funnel', {
      series: [
        {
          type: 'funnel',
          sort: 'none',
          minSize: '8%',
          label: { formatter: '{b}: {c}' },
          data: steps.map((step) => ({ name: t(`funnel.${step.step}`), value: step.count })),
        },
      ],
    });
    renderTable(
      'funnel-table',
      [
        { key: 'step', label: 'col.step', cell: (row) => t(`funnel.${row.step}`) },
        { key: 'count', label: 'col.count' },
        { key: 'rate', label: 'col.rate', kind: 'share' },
      ],
      steps,
      { path: 'funnel', query: query() },
    );
  }

  async function anomalies() {
    const { rows } = await api('anomalies', query());
    renderTable(
      'anomalies-table',
      [
        { key: 'day', label: 'col.day' },
        { key: 'hour', label: 'col.hour' },
        { key: 'value', label: 'col.value' },
        { key: 'baseline', label: 'col.baseline' },
        { key: 'drop', label: 'col.drop', kind: 'share' },
      ],
      rows,
      { path: 'anomalies', query: query() },
    );
  }

  return {
    page,
    t,
    show,
    api,
    element,
    renderTable,
    drawChart,
    base,
    query,
    load: [figures, footfall, funnel, anomalies],
  };
}

window.insightsBranch = branchPage;
