// The "now serving" board: every counter's number, the latest call and its announcement,
// spoken with the Web Speech API once someone has allowed it on this browser; and per service
// the people waiting with the wait a new ticket can expect.
(() => {
  const page = window.queuePage;
  const view = { counters: [], services: [], state: null, call: null };
  const voices = { zh: 'zh-CN', en: 'en-GB' };
  let speaking = false;

  page.surface.innerHTML = `
    <div class="latest">
      <p class="latest-number"></p>
      <p class="announcement" aria-live="assertive"></p>
    </div>
    <table class="serving">
      <thead><tr><th data-text="board.number"></th><th data-text="board.counter"></th></tr></thead>
      <tbody></tbody>
    </table>
    <p class="waiting-line"><span data-text="board.waiting"></span>: <strong class="waiting"></strong></p>
    <ul class="estimates"></ul>
    <button type="button" class="speech" data-text="board.speech"></button>`;
  const rows = page.surface.querySelector('.serving tbody');
  const speech = page.surface.querySelector('.speech');
  const estimates = page.surface.querySelector('.estimates');

  const counterName = (id) => view.counters.find((counter) => counter.id === id)?.name ?? id;

  const textOf = (call) =>
    (call.announcement?.find((entry) => entry.lang === page.language()) ?? call.announcement?.[0])
      ?.text ?? `${call.ticket.number} → ${counterName(call.ticket.counter)}`;

  const renderState = () => {
    const serving = view.state?.nowServing ?? [];
    if (serving.length === 0) {
      const row = document.createElement('tr');
      row.innerHTML = '<td colspan="2" class="none"></td>';
      row.firstChild.textContent = page.t('board.none');
      rows.replaceChildren(row);
    } else {
      rows.replaceChildren(...serving.map(servingRow));
    }
    const waiting = (view.state?.waiting ?? []).reduce((sum, entry) => sum + entry.count, 0);
    page.surface.querySelector('.waiting').textContent = String(waiting);
    estimates.replaceChildren(...view.services.map(estimateItem));
  };

  const estimateItem = (service) => {
    const item = document.createElement('li');
    item.dataset.service = service.id;
    item.innerHTML = '<strong></strong><span class="count"></span><span class="wait"></span>';
    const waiting = view.state?.waiting?.find((entry) => entry.service === service.id);
    const estimate = view.state?.estimates?.find((entry) => entry.service === service.id);
    item.querySelector('strong').textContent = service.name;
    item.querySelector('.count').textContent = page.t('board.serviceWaiting', {
      count: waiting?.count ?? 0,
    });
    item.querySelector('.wait').textContent = estimate
      ? page.t('board.expected', { minutes: Math.ceil(estimate.waitSeconds / 60) })
      : page.t('board.noCounter');
    return item;
  };

  const servingRow = (entry) => {
    const row = document.createElement('tr');
    row.dataset.number = entry.number;
    row.dataset.counter = entry.counter;
    row.innerHTML = '<td class="number"></td><td class="counter"></td>';
    row.querySelector('.number').textContent = entry.number;
    row.querySelector('.counter').textContent = counterName(entry.counter);
    return row;
  };

  const renderCall = () => {
    if (!view.call) return;

    const announcement = page.surface.querySelector('.announcement');
    page.surface.querySelector('.latest-number').textContent = view.call.ticket.number;
    announcement.textContent = textOf(view.call);
    announcement.dataset.lang = page.language();
  };

  const speak = (call) => {
    if (!speaking || !('speechSynthesis' in window)) return;

    for (const entry of call.announcement ?? []) {
      const utterance = new SpeechSynthesisUtterance(entry.text);
      utterance.lang = voices[entry.lang] ?? entry.lang;
      window.speechSynthesis.speak(utterance);
    }
  };

  speech.hidden = !('speechSynthesis' in window);
  speech.addEventListener('click', () => {
    // Browsers let a page speak only after a gesture on it: this click is that gesture.
    speaking = true;
    speech.dataset.text = 'board.speechOn';
    speech.textContent = page.t('board.speechOn');
    speech.disabled = true;
  });
  page.onLanguage(() => {
    renderState();
    renderCall();
  });
  void page.start({
    hello: (hello) => {
      view.counters = hello.counters;
      view.services = hello.services ?? [];
      renderState();
    },
    state: (state) => {
      view.state = state;
      renderState();
    },
    call: (call) => {
      view.call = call;
      renderCall();
      // A call replayed after a reconnect was announced already.
      if (!call.replay) speak(call);
    },
  });
})();
