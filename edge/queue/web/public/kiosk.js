// The kiosk: services with their expected wait, a ticket per tap, appointment check-in.
(() => {
  const page = window.queuePage;
  const view = { services: [], state: null, shown: null };
  let backTimer = null;

  page.surface.innerHTML = `
    <div class="services-view">
      <h2 data-text="kiosk.choose"></h2>
      <ul class="services"></ul>
      <form class="check-in">
        <h3 data-text="kiosk.checkIn"></h3>
        <label><span data-text="kiosk.checkInCode"></span>
          <input name="code" autocomplete="off" maxlength="32" required></label>
        <button type="submit" data-text="kiosk.checkInSubmit"></button>
      </form>
      <p class="kiosk-error" role="alert"></p>
    </div>
    <div class="ticket-view" hidden>
      <p data-text="kiosk.ticket"></p>
      <p class="ticket-number"></p>
      <p class="ticket-service"></p>
      <p class="ticket-estimate"></p>
      <p class="ticket-ahead"></p>
      <button type="button" class="done" data-text="kiosk.done"></button>
    </div>`;
  const list = page.surface.querySelector('.services');
  const error = page.surface.querySelector('.kiosk-error');

  const waitText = (service) => {
    const estimate = view.state?.estimates?.find((entry) => entry.service === service);
    return estimate
      ? page.t('kiosk.wait', { minutes: Math.ceil(estimate.waitSeconds / 60) })
      : page.t('kiosk.waitUnknown');
  };

  const buildServices = () => {
    list.replaceChildren(
      ...view.services.map((service) => {
        const item = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.dataset.service = service.id;
        button.innerHTML = '<strong></strong><span class="wait"></span><span class="count"></span>';
        button.querySelector('strong').textContent = service.name;
        button.addEventListener('click', () => void take({ service: service.id }, '/tickets'));
        item.append(button);
        return item;
      }),
    );
    renderServices();
  };

  // Texts change in place, so a tap never lands on a button that was just replaced.
  const renderServices = () => {
    for (const button of list.querySelectorAll('button')) {
      const service = button.dataset.service;
      const waiting = view.state?.waiting.find((entry) => entry.service === service);
      button.querySelector('.wait').textContent = waitText(service);
      button.querySelector('.count').textContent = page.t('kiosk.waiting', {
        count: waiting?.count ?? 0,
      });
    }
  };

  const renderTicket = () => {
    const shown = view.shown;
    const minutes = shown.ticket.estimatedWaitSeconds;
    page.surface.querySelector('.ticket-number').textContent = shown.ticket.number;
    page.surface.querySelector('.ticket-service').textContent = shown.serviceName;
    page.surface.querySelector('.ticket-estimate').textContent =
      minutes === undefined ? '' : page.t('kiosk.estimate', { minutes: Math.ceil(minutes / 60) });
    page.surface.querySelector('.ticket-ahead').textContent = page.t('kiosk.ahead', {
      count: shown.ahead,
    });
  };

  const showServices = () => {
    clearTimeout(backTimer);
    view.shown = null;
    page.surface.querySelector('.ticket-view').hidden = true;
    page.surface.querySelector('.services-view').hidden = false;
  };

  const take = async (body, path) => {
    error.textContent = '';
    const answer = await page.post(`/queue/device${path}`, {
      ...body,
      requestId: page.requestId(),
    });
    if (!answer.ok) {
      const notFound = answer.body.error?.path === 'appointment';
      error.textContent = notFound
        ? page.t('kiosk.noAppointment')
        : page.t('kiosk.refused', { reason: answer.body.error?.message ?? answer.status });
      return;
    }

    view.shown = answer.body;
    renderTicket();
    page.surface.querySelector('.services-view').hidden = true;
    page.surface.querySelector('.ticket-view').hidden = false;
    backTimer = setTimeout(showServices, 20_000);
  };

  page.surface.querySelector('.done').addEventListener('click', showServices);
  page.surface.querySelector('.check-in').addEventListener('submit', (event) => {
    event.preventDefault();
    const code = new FormData(event.target).get('code').trim();
    event.target.reset();
    void take({ code }, '/check-in');
  });
  page.onLanguage(() => {
    renderServices();
    if (view.shown) renderTicket();
  });
  void page.start({
    hello: (hello) => {
      view.services = hello.services;
      buildServices();
    },
    state: (state) => {
      view.state = state;
      renderServices();
    },
  });
})();
