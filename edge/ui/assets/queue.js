// The queue console: counters with their commands, services with their queues, live.
const { t, api, el, row, fill, set, stateText, problem } = window.sb;
const actions = [
  ['open', 'queue.open'],
  ['pause', 'queue.pause'],
  ['close', 'queue.close'],
  ['call-next', 'queue.callNext'],
  ['end', 'queue.end'],
  ['recall', 'queue.recall'],
  ['no-show', 'queue.noShow'],
];

async function command(counter, action) {
  const answer = await api(`/api/queue/counters/${encodeURIComponent(counter)}`, {
    method: 'POST',
    body: { action },
  });
  set('message', answer.ok ? '' : problem(answer));
  refresh();
}

// After an advisory ticket the desk can take a lead for the customer. The fields are sealed
// to HQ's key in this page (the scripts come with the lead settings): the gateway gets a box.
const desk = { services: [], leads: null, product: null, sealing: null };
const leadForm = document.querySelector('[data-form="lead"]');
const field = (name) => leadForm.querySelector(`[data-field="${name}"]`);

// Resolves once the sealing scripts ran; inserted scripts keep their order (async false).
function loadSealing(scripts) {
  const loads = scripts.map((source) => {
    const script = el('script', { src: source });
    script.async = false;
    const loaded = new Promise((resolve, reject) => {
      script.addEventListener('load', resolve);
      script.addEventListener('error', reject);
    });
    document.head.append(script);
    return loaded;
  });
  return Promise.all(loads);
}

// The page's language (zh or en); the lead records the consent in the words shown.
const language = () => (document.documentElement.lang.startsWith('zh') ? 'zh' : 'en');
const consentShown = () => desk.leads.consentText[language()];

function offerLead(service) {
  const advisory = desk.services.find((entry) => entry.id === service)?.advisory;
  leadForm.reset();
  leadForm.hidden = !(advisory && desk.leads);
  if (leadForm.hidden) return;

  desk.product = advisory.product;
  set('leadProduct', desk.leads.products[advisory.product]?.[language()] ?? advisory.product);
  set('leadConsent', consentShown());
  set('leadStatus', '');
}

async function sendLead() {
  if (!field('leadAgree').checked) return set('leadStatus', t('queue.leadConsent'));

  const lead = {
    source: 'technician',
    branch: desk.leads.branch,
    product: desk.product,
    name: field('leadName').value.trim(),
    phone: field('leadPhone').value.trim(),
    consent: true,
    consentVersion: desk.leads.consentVersion,
    consentText: consentShown(),
  };
  await desk.sealing;
  const sealed = window.sealLead(lead, desk.leads.key);
  const answer = await api('/api/queue/leads', { method: 'POST', body: { sealed } });
  leadForm.reset();
  leadForm.hidden = answer.ok;
  set(
    'leadStatus',
    answer.ok ? t('queue.leadQueued') : `${t('queue.leadFailed')} ${problem(answer)}`,
  );
}

leadForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void sendLead();
});
leadForm.querySelector('[data-action="leadSkip"]').addEventListener('click', () => {
  leadForm.reset();
  leadForm.hidden = true;
});

async function issue(service) {
  const answer = await api('/api/queue/tickets', { method: 'POST', body: { service } });
  set('message', answer.ok ? answer.body.number : problem(answer));
  if (answer.ok) offerLead(service);
  refresh();
}

async function refresh() {
  const answer = await api('/api/queue');
  if (!answer.ok) return;
  const { setup, state, leads, kpis } = answer.body;
  if (kpis) fillKpis(kpis, setup);
  desk.services = setup.services;
  if (leads && !desk.sealing) desk.sealing = loadSealing(leads.scripts);
  desk.leads = leads;
  set('issued', String(state.issuedToday));
  set('served', String(state.servedToday));
  const stateOf = new Map((state.counters ?? []).map((entry) => [entry.counter, entry.state]));
  const serving = new Map(state.nowServing.map((entry) => [entry.counter, entry.number]));
  fill(
    'counters',
    setup.counters.map((counter) => {
      const buttons = actions.map(([action, key]) =>
        el(
          'button',
          {
            type: 'button',
            'data-counter': counter.id,
            'data-action': action,
            onclick: () => command(counter.id, action),
          },
          t(key),
        ),
      );
      return row(
        `${counter.name} (${counter.id})`,
        stateText(stateOf.get(counter.id) ?? 'closed'),
        el('strong', { 'data-serving': counter.id }, serving.get(counter.id) ?? '–'),
        el('span', { class: 'row' }, ...buttons),
      );
    }),
  );
  const waiting = new Map(state.waiting.map((entry) => [entry.service, entry.count]));
  fill(
    'services',
    setup.services.map((service) =>
      row(
        `${service.prefix} ${service.name}`,
        el('span', { 'data-waiting': service.id }, String(waiting.get(service.id) ?? 0)),
        el(
          'button',
          { type: 'button', 'data-issue': service.id, onclick: () => issue(service.id) },
          t('queue.issue'),
        ),
      ),
    ),
  );
}

const seconds = (value) => (value === null ? '–' : `${Math.round(value)} s`);
const percent = (value) => (value === null ? '–' : `${Math.round(value * 100)} %`);

// Today's figures per service and per counter: the sums of the minutes HQ pulls.
function fillKpis(kpis, setup) {
  const names = new Map(setup.services.map((service) => [service.id, service.name]));
  const line = (label, key, figures) => {
    const tr = row(
      label,
      String(figures.served),
      String(figures.noShows),
      seconds(figures.waitSecondsMean),
      seconds(figures.waitSecondsP90),
      seconds(figures.serviceSecondsMean),
      percent(figures.withinTargetShare),
      seconds(figures.estimateErrorSecondsMean),
    );
    tr.setAttribute('data-kpi', key);
    return tr;
  };
  fill('kpis', [
    ...kpis.services.map((entry) =>
      line(names.get(entry.service) ?? entry.service, `service:${entry.service}`, entry),
    ),
    ...kpis.counters.map((entry) =>
      line(`${t('queue.counter')} ${entry.counter}`, `counter:${entry.counter}`, entry),
    ),
  ]);
}

refresh();
setInterval(refresh, 1000);
