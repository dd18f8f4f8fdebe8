import { translator } from '../i18n.ts';
import { type PageView, technicianPage } from './layout.ts';

type T = (key: string) => string;

const head = (t: T, keys: string[]) =>
  `<thead><tr>${keys.map((key) => `<th>${t(key)}</th>`).join('')}</tr></thead>`;

const table = (t: T, keys: string[], body: string) =>
  `<div class="scroll"><table>${head(t, keys)}<tbody data-list="${body}"></tbody></table></div>`;

export function devicesPage(view: PageView): string {
  const { language } = view;
  const t = translator(language);
  // Without it, a profile that allows simulation still stays offline where hardware is absent.
  const simulation =
    view.simulatedDevices === false
      ? `<p class="note" data-figure="simulation">${t('devices.noSimulation')}</p>`
      : '';
  return technicianPage(
    view,
    'devices',
    `
  <h1>${t('devices.heading')}</h1>
  ${simulation}
  <section><h2>${t('devices.list')}</h2>
    ${table(
      t,
      ['devices.device', 'devices.kind', 'devices.state', 'devices.last', 'devices.actions'],
      'devices',
    )}</section>
  <section><h2>${t('devices.messages')}</h2><pre data-list="messages"></pre></section>
  <section><h2>${t('devices.add')}</h2>
  <form class="panel" data-form="profile">
    <label>${t('devices.template')}<select name="template" data-list="templates"></select></label>
    <div data-list="fields" class="cards"></div>
    <p data-figure="verdict" role="status"></p>
    <div class="row"><button type="button" data-action="validate">${t('devices.validate')}</button>
      <button type="submit" class="primary">${t('devices.submit')}</button></div>
  </form></section>`,
  );
}

export function camerasPage(view: PageView): string {
  const { language } = view;
  const t = translator(language);
  const kinds = ['service-point', 'waiting', 'passing']
    .map((kind) => `<option value="${kind}">${t(`zone.${kind}`)}</option>`)
    .join('');
  return technicianPage(
    view,
    'cameras',
    `
  <h1>${t('cameras.heading')}</h1>
  <div class="row"><label>${t('cameras.camera')}<select data-list="cameras"></select></label>
    <button type="button" class="primary" data-action="still">${t('cameras.fetch')}</button></div>
  <p>${t('cameras.privacy')}</p>
  <div class="camera-grid">
    <div><div class="stage"><img alt="" data-figure="still"><canvas></canvas></div>
      <p data-figure="message" role="status"></p>
      <p>${t('cameras.help')}</p>
      <div class="row">
        <label>${t('cameras.name')}<input name="name" maxlength="64"></label>
        <label>${t('cameras.kind')}<select name="kind">${kinds}</select></label></div>
      <div class="row">
        <button type="button" data-action="zone">${t('cameras.drawZone')}</button>
        <button type="button" data-action="line">${t('cameras.drawLine')}</button>
        <button type="button" data-action="finish">${t('cameras.finish')}</button>
        <button type="button" class="primary" data-action="save">${t('cameras.save')}</button></div>
      <h2>${t('cameras.zones')}</h2><ul data-list="shapes"></ul></div>
    <div class="panel"><h2>${t('cameras.live')}</h2>
      <div class="card"><div class="label">${t('cameras.people')}</div>
        <div class="value" data-figure="people">–</div></div>
      <table><tbody data-list="zoneCounts"></tbody></table></div>
  </div>`,
  );
}

const kpiColumns = [
  'queue.kpiOf',
  'queue.kpiServed',
  'queue.kpiNoShows',
  'queue.kpiWaitMean',
  'queue.kpiWaitP90',
  'queue.kpiServiceMean',
  'queue.kpiWithinTarget',
  'queue.kpiEstimateError',
];

export function queuePage(view: PageView): string {
  const { language } = view;
  const t = translator(language);
  return technicianPage(
    view,
    'queue',
    `
  <h1>${t('queue.heading')}</h1>
  <div class="cards">
    <div class="card"><div class="label">${t('queue.issuedToday')}</div>
      <div class="value" data-figure="issued">–</div></div>
    <div class="card"><div class="label">${t('queue.servedToday')}</div>
      <div class="value" data-figure="served">–</div></div></div>
  <section><h2>${t('queue.counters')}</h2>
    ${table(t, ['queue.counter', 'queue.state', 'queue.serving', 'queue.services'], 'counters')}
  </section>
  <section><h2>${t('queue.services')}</h2>
    ${table(t, ['queue.service', 'queue.waiting', 'queue.issue'], 'services')}</section>
  <section><h2>${t('queue.kpis')}</h2>
    ${table(t, kpiColumns, 'kpis')}</section>
  <p data-figure="message" role="status"></p>
  <form class="panel" data-form="lead" autocomplete="off" hidden>
    <h2>${t('queue.leadHeading')} <span data-figure="leadProduct"></span></h2>
    <p>${t('queue.leadHint')}</p>
    <label>${t('queue.leadName')}<input data-field="leadName" maxlength="120"></label>
    <label>${t('queue.leadPhone')}<input data-field="leadPhone" type="tel" maxlength="40"></label>
    <p data-figure="leadConsent"></p>
    <label class="row"><input type="checkbox" data-field="leadAgree">${t('queue.leadAgree')}</label>
    <span class="row"><button type="submit" class="primary">${t('queue.leadSend')}</button>
      <button type="button" data-action="leadSkip">${t('queue.leadSkip')}</button></span>
  </form>
  <p data-figure="leadStatus" role="status"></p>`,
  );
}

export function signagePage(view: PageView): string {
  const { language } = view;
  const t = translator(language);
  return technicianPage(
    view,
    'signage',
    `
  <h1>${t('signage.heading')}</h1>
  <section>${table(
    t,
    ['signage.screen', 'signage.role', 'signage.online', 'signage.players', 'signage.playing'],
    'screens',
  )}</section>
  <section><h2>${t('signage.override')}</h2><form class="panel" data-form="override">
    <label>${t('signage.title')}<input name="title" required maxlength="200"></label>
    <label>${t('signage.text')}<input name="text" maxlength="2000"></label>
    <label>${t('signage.minutes')}<input name="minutes" type="number" min="0.1" step="0.1"
      value="5" required></label>
    <label>${t('signage.targets')}<input name="screens"></label>
    <button type="submit" class="primary">${t('signage.send')}</button></form></section>
  <section><h2>${t('signage.theme')}</h2><form class="panel" data-form="theme">
    <select name="theme" data-list="themes"></select>
    <button type="submit" class="primary">${t('signage.apply')}</button></form></section>
  <p data-figure="message" role="status"></p>`,
  );
}

export function logsPage(view: PageView): string {
  const { language } = view;
  const t = translator(language);
  const levels = ['debug', 'info', 'warn', 'error']
    .map(
      (level) =>
        `<option value="${level}"${level === 'info' ? ' selected' : ''}>${t(`level.${level}`)}</option>`,
    )
    .join('');
  return technicianPage(
    view,
    'logs',
    `
  <h1>${t('logs.heading')}</h1>
  <form class="panel row" data-form="logs">
    <label>${t('logs.module')}<select name="module" data-list="modules">
      <option value="">${t('logs.all')}</option></select></label>
    <label>${t('logs.level')}<select name="level">${levels}</select></label>
    <label>${t('logs.hours')}<input name="hours" type="number" min="1" max="48" value="6"></label>
    <button type="submit" class="primary">${t('logs.refresh')}</button>
    <a href="/api/diagnostics" download>${t('logs.bundle')}</a></form>
  ${table(t, ['logs.time', 'logs.level', 'logs.module', 'logs.message', 'logs.fields'], 'lines')}`,
  );
}

export function pairingPage(view: PageView): string {
  const { language } = view;
  const t = translator(language);
  return technicianPage(
    view,
    'pairing',
    `
  <h1>${t('pairing.heading')}</h1>
  <p>${t('pairing.help')}</p>
  <section><h2>${t('pairing.codes')}</h2>
    ${table(t, ['pairing.screen', 'pairing.code', 'pairing.expires'], 'codes')}</section>
  <section><h2>${t('pairing.paired')}</h2>
    ${table(
      t,
      [
        'pairing.player',
        'pairing.screen',
        'pairing.pairedAt',
        'pairing.lastSeen',
        'pairing.revoke',
      ],
      'players',
    )}</section>`,
  );
}

export const sectionPages = {
  devices: devicesPage,
  cameras: camerasPage,
  queue: queuePage,
  signage: signagePage,
  logs: logsPage,
  pairing: pairingPage,
} as const;
