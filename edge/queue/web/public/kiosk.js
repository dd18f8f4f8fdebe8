// The kiosk: services with their expected wait, a ticket per tap, appointment check-in.
(() => {
  const page = window.queuePage;
  const view = { services: [], state: null, shown: null, leads: null };
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
      <form class="lead-offer" autocomplete="off" hidden>
        <h3 class="lead-question"></h3>
        <label><span data-text="kiosk.leadName"></span>
          <input class="lead-name" maxlength="120"></label>
        <label><span data-text="kiosk.leadPhone"></span>
          <input class="lead-phone" type="tel" maxlength="40"></label>
        <p class="lead-consent-text"></p>
        <label><input type="checkbox" class="lead-agree">
          <span data-text="kiosk.leadAgree"></span></label>
        <button type="submit" data-text="kiosk.leadSend"></button>
      </form>
      <p class="lead-status" role="status"></p>
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

  // An advisory ticket offers a call back; the fields are sealed to the cloud's key here,
  // so the gateway receives only the box. The inputs have no name: no form post sends them.
  const offer = page.surface.querySelector('.lead-offer');
  const leadStatus = page.surface.querySelector('.lead-status');
  const advisoryOf = (serviceId) =>
    view.leads && view.services.find((service) => service.id === serviceId)?.advisory;

  // The lead records the consent in the words the customer read: the page's language.
  const consentShown = () => view.leads.consentText[page.language()];

  const renderOffer = () => {
    const advisory = view.shown && advisoryOf(view.shown.ticket.service);
    if (!advisory) return;

    const product = view.leads.products[advisory.product]?.[page.language()] ?? advisory.product;
    offer.querySelector('.lead-question').textContent = page.t('kiosk.leadOffer', { product });
    offer.querySelector('.lead-consent-text').textContent = consentShown();
  };

  const showOffer = () => {
    offer.reset();
    leadStatus.textContent = '';
    offer.hidden = !advisoryOf(view.shown.ticket.service);
    renderOffer();
  };

  const sendLead = async () => {
    if (!offer.querySelector('.lead-agree').checked) {
      leadStatus.textContent = page.t('kiosk.leadConsent');
      return;
    }

    const lead = {
      source: 'kiosk',
      branch: view.leads.branch,
      product: advisoryOf(view.shown.ticket.service).product,
      name: offer.querySelector('.lead-name').value.trim(),
      phone: offer.querySelector('.lead-phone').value.trim(),
      consent: true,
      consentVersion: view.leads.consentVersion,
      consentText: consentShown(),
      screen: page.screen,
    };
    const answer = await page.post('/queue/device/leads', {
      sealed: window.sealLead(lead, view.leads.key),
    });
    offer.reset();
    offer.hidden = answer.ok;
    leadStatus.textContent = page.t(answer.ok ? 'kiosk.leadThanks' : 'kiosk.leadFailed');
  };

  offer.addEventListener('submit', (event) => {
    event.preventDefault();
    void sendLead();
  });
  // Someone filling in the form is not sent back to the services while typing.
  offer.addEventListener('input', () => {
    clearTimeout(backTimer);
    backTimer = setTimeout(showServices, 120_000);
  });

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
    showOffer();
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
    if (view.shown) {
      renderTicket();
      renderOffer();
    }
  });
  void page.start({
    hello: (hello) => {
      view.services = hello.services;
      view.leads = hello.leads ?? null;
      buildServices();
    },
    state: (state) => {
      view.state = state;
      renderServices();
    },
  });
})();
