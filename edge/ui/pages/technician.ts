import { type Language, translator } from '../i18n.ts';
import { page } from './layout.ts';

const other = (language: Language) => (language === 'en' ? 'zh' : 'en');

export function loginPage(language: Language, failed: boolean): string {
  const t = translator(language);
  const error = failed ? `<p class="error" role="alert">${t('login.failed')}</p>` : '';
  return page(language, t('login.heading'), `
<header><strong>${t('title')}</strong><a href="?lang=${other(language)}">${t('language')}</a></header>
<form class="login" method="post" action="/login?lang=${language}">
  <h1>${t('login.heading')}</h1>
  ${error}
  <label>${t('login.username')}<br><input name="username" autocomplete="username" required></label>
  <label>${t('login.password')}<br>
    <input name="password" type="password" autocomplete="current-password" required></label>
  <button class="primary" type="submit">${t('login.submit')}</button>
</form>`);
}

const figures = [
  'branch', 'uplink', 'backlog', 'people', 'source', 'fps', 'backend', 'waiting', 'served',
  'busClients', 'devices', 'uptime',
];

/** The overview's figures are filled in by overview.js from /api/status every two seconds. */
export function overviewPage(language: Language): string {
  const t = translator(language);
  const cards = figures
    .map((key) => `<div class="card"><div class="label">${t(`overview.${key}`)}</div>
      <div class="value" data-figure="${key}">–</div></div>`)
    .join('\n');
  return page(language, t('overview.heading'), `
<header><strong>${t('title')}</strong>
  <span><a href="?lang=${other(language)}">${t('language')}</a>
  <form method="post" action="/logout" style="display:inline">
    <button type="submit">${t('logout')}</button></form></span></header>
<main>
  <h1>${t('overview.heading')}</h1>
  <div class="cards">${cards}</div>
  <h2>${t('overview.nowServing')}</h2>
  <table><tbody data-figure="nowServing"></tbody></table>
</main>`, 'overview.js');
}
