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

async function issue(service) {
  const answer = await api('/api/queue/tickets', { method: 'POST', body: { service } });
  set('message', answer.ok ? answer.body.number : problem(answer));
  refresh();
}

async function refresh() {
  const answer = await api('/api/queue');
  if (!answer.ok) return;
  const { setup, state } = answer.body;
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

refresh();
setInterval(refresh, 1000);
