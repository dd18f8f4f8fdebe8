import { type Language, translator } from '../i18n.ts';
import { type PageView, page, technicianPage } from './layout.ts';

const other = (language: Language) => (language === 'en' ? 'zh' : 'en');

export function loginPage(language: Language, failed: boolean, next = '/'): string {
  const t = translator(language);
  const error = failed ? `<p class="error" role="alert">${t('login.failed')}</p>` : '';
  const target = encodeURIComponent(next);
  return page(
    language,
    t('login.heading'),
    `
<header><strong>${t('title')}</strong><a href="?lang=${other(language)}">${t('language')}</a></header>
<form class="login" method="post" action="/login?lang=${language}&amp;next=${target}">
  <h1>${t('login.heading')}</h1>
  ${error}
  <label>${t('login.username')}<input name="username" autocomplete="username" required></label>
  <label>${t('login.password')}
    <input name="password" type="password" autocomplete="current-password" required></label>
  <button class="primary" type="submit">${t('login.submit')}</button>
</form>`,
  );
}

const figures = [
  'branch',
  'uplink',
  'backlog',
  'people',
  'source',
  'fps',
  'backend',
  'waiting',
  'served',
  'busClients',
  'devices',
  'screensOnline',
  'uptime',
];
const health = ['cpu', 'memory', 'disk', 'version', 'nodeRed'];

const cards = (t: (key: string) => string, keys: string[]) =>
  keys
    .map(
      (key) => `<div class="card"><div class="label">${t(`overview.${key}`)}</div>
    <div class="value" data-figure="${key}">–</div></div>`,
    )
    .join('\n');

/** The overview's figures are filled in by overview.js from /api/status and /api/health. */
export function overviewPage(view: PageView): string {
  const { language } = view;
  const t = translator(language);
  return technicianPage(
    view,
    'overview',
    `
  <h1>${t('overview.heading')}</h1>
  <div class="cards">${cards(t, figures)}</div>
  <section><h2>${t('overview.alerts')}</h2><ul data-figure="alerts"></ul></section>
  <section><h2>${t('overview.health')}</h2><div class="cards">${cards(t, health)}</div></section>
  <section><h2>${t('overview.cameras')}</h2><div class="scroll"><table>
    <thead><tr><th>${t('overview.camera')}</th><th>${t('overview.source')}</th>
    <th>${t('overview.fps')}</th><th>${t('overview.backend')}</th><th>${t('overview.people')}</th>
    </tr></thead><tbody data-list="cameras"></tbody></table></div></section>
  <section><h2>${t('overview.deviceStates')}</h2><div class="scroll"><table>
    <thead><tr><th>${t('overview.device')}</th><th>${t('overview.state')}</th></tr></thead>
    <tbody data-figure="deviceStates"></tbody></table></div></section>
  <section><h2>${t('overview.nowServing')}</h2>
    <table><tbody data-figure="nowServing"></tbody></table></section>`,
  );
}
