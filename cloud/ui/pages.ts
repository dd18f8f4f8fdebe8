import { ModuleName } from '../../protocol/index.ts';
import type { BranchFigures } from '../fleet/index.ts';
import type { User } from '../users/index.ts';
import { escapeHtml, hqHeader, pageFrame } from './html.ts';
import { type Language, type Translate, translator } from './i18n.ts';

const refreshSeconds = 10;

function languageLink(language: Language, t: Translate) {
  const other = language === 'en' ? 'zh' : 'en';
  return `<a href="/?lang=${other}" hreflang="${other}">${escapeHtml(t('language.switch'))}</a>`;
}

export function loginPage(language: Language, failed: boolean): string {
  const t = translator(language);
  const error = failed ? `<p class="error" role="alert">${escapeHtml(t('login.failed'))}</p>` : '';
  const body = `
<header><h1>${escapeHtml(t('title'))}</h1>${languageLink(language, t)}</header>
<form class="login" method="post" action="/api/login">
  <h2>${escapeHtml(t('login.heading'))}</h2>
  ${error}
  <label for="username">${escapeHtml(t('login.username'))}</label>
  <input id="username" name="username" autocomplete="username" required maxlength="64">
  <label for="password">${escapeHtml(t('login.password'))}</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">${escapeHtml(t('login.submit'))}</button>
</form>`;
  return pageFrame({ language, title: t('title'), body });
}

export function ago(lastSeenAt: number | null, now: number, t: Translate): string {
  if (lastSeenAt === null) return t('time.never');

  const seconds = Math.max(0, Math.round((now - lastSeenAt) / 1000));
  if (seconds < 120) return t('time.secondsAgo', { count: seconds });
  if (seconds < 7200) return t('time.minutesAgo', { count: Math.round(seconds / 60) });
  return t('time.hoursAgo', { count: Math.round(seconds / 3600) });
}

function cameraCell(branch: BranchFigures, t: Translate): string {
  if (branch.cameraSource === 'synthetic') {
    const note = escapeHtml(t('source.syntheticNote'));
    return `<span class="synthetic" title="${note}">${escapeHtml(t('source.synthetic'))}</span>`;
  }
  return escapeHtml(t(`source.${branch.cameraSource ?? 'none'}`));
}

/** Each gateway of a branch, linked to its own page of health and commands. */
function gatewayLinks(gateways: string[]): string {
  if (!gateways.length) return '–';

  return gateways
    .map((id) => `<a href="/gateways/${encodeURIComponent(id)}">${escapeHtml(id)}</a>`)
    .join(', ');
}

function branchCard(branch: BranchFigures, now: number, t: Translate): string {
  const state = branch.online ? 'online' : 'offline';
  const figure = (value: number | null) => escapeHtml(value ?? '–');
  const runs = branch.modules;
  const running = ModuleName.options.filter((module) => runs[module]);
  // A module the branch does not run has no figures worth a row: it is left out, not zeroed.
  const rows: Array<[string, string, boolean]> = [
    ['field.people', figure(branch.people), runs.sensing],
    ['field.ticketsWaiting', figure(branch.ticketsWaiting), runs.queue],
    ['field.servedToday', figure(branch.servedToday), runs.queue],
    ['field.screensOnline', figure(branch.screensOnline), runs.screens],
    ['field.backlog', figure(branch.backlog), true],
    ['field.recordsStored', figure(branch.recordsStored), true],
    ['field.cameraSource', cameraCell(branch, t), runs.sensing],
    ['field.lastSeen', escapeHtml(ago(branch.lastSeenAt, now, t)), true],
    ['field.gateways', gatewayLinks(branch.gateways), true],
    ['field.modules', escapeHtml(running.map((module) => t(`module.${module}`)).join(', ')), true],
  ];
  const list = rows
    .filter(([, , shown]) => shown)
    .map(([key, value]) => `<dt data-field="${key}">${escapeHtml(t(key))}</dt><dd>${value}</dd>`)
    .join('');
  return `<section class="card" data-branch="${escapeHtml(branch.id)}">
  <h2>${escapeHtml(branch.name)}</h2>
  <div class="${state}" data-state="${state}">● ${escapeHtml(t(`status.${state}`))}</div>
  <dl>${list}</dl>
</section>`;
}

export function branchesPage(options: {
  language: Language;
  user: User;
  branches: BranchFigures[];
  now: number;
}) {
  const { language, user, branches, now } = options;
  const t = translator(language);
  const online = branches.filter((branch) => branch.online).length;
  const cards = branches.length
    ? branches.map((branch) => branchCard(branch, now, t)).join('\n')
    : `<p>${escapeHtml(t('branches.none'))}</p>`;
  const body = `
${hqHeader({ language, user, path: '/', title: t('title'), t })}
<h2>${escapeHtml(t('branches.heading'))}</h2>
<p>${escapeHtml(t('branches.summary', { online, total: branches.length }))}</p>
<div class="grid">
${cards}
</div>
<p class="note">${escapeHtml(t('page.refreshNote', { seconds: refreshSeconds }))}</p>`;
  return pageFrame({ language, title: t('title'), body, refreshSeconds });
}
