import type { ModuleName } from '../../protocol/index.ts';
import type { User } from '../users/index.ts';
import { escapeHtml, hqHeader, pageFrame } from './html.ts';
import { catalogues, type Language, type Translate, translator } from './i18n.ts';

export const assetsPath = '/insights/assets';

const head = [
  `<link rel="stylesheet" href="${assetsPath}/leaflet.css">`,
  `<link rel="stylesheet" href="${assetsPath}/insights.css">`,
  `<script src="${assetsPath}/echarts.min.js" defer></script>`,
  `<script src="${assetsPath}/leaflet.js" defer></script>`,
  `<script src="${assetsPath}/insights.js" defer></script>`,
  `<script src="${assetsPath}/insights-branch.js" defer></script>`,
  `<script src="${assetsPath}/insights-catchment.js" defer></script>`,
].join('\n');

export interface PageContext {
  language: Language;
  user: User;
  from: string;
  to: string;
}

/** The page's strings and settings as data the script reads; JSON inside a non-script type. */
function pageData(context: PageContext, extra: Record<string, unknown>) {
  const data = { language: context.language, strings: catalogues[context.language], ...extra };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<script type="application/json" id="page-data">${json}</script>`;
}

function header(context: PageContext, t: Translate, path: string) {
  return hqHeader({ ...context, path, title: t('insights.title'), t });
}

function periodForm(context: PageContext, t: Translate) {
  return `<form class="period" id="period">
  <label>${escapeHtml(t('insights.from'))} <input type="date" name="from" value="${escapeHtml(context.from)}"></label>
  <label>${escapeHtml(t('insights.to'))} <input type="date" name="to" value="${escapeHtml(context.to)}"></label>
  <button type="submit">${escapeHtml(t('insights.apply'))}</button>
  <span class="note" id="live" data-live="off">${escapeHtml(t('insights.live'))}</span>
</form>`;
}

function sectionOf(id: string, title: string, inner = '', hidden = false) {
  const attribute = hidden ? ' hidden' : '';
  const heading = `<h2>${escapeHtml(title)}</h2>`;
  return `<section class="card" id="${id}"${attribute}>${heading}${inner}</section>`;
}

/**
 * The module whose records fill each section: a branch that does not run it gets the section
 * hidden (kept in the page, so the scripts that fill the others find every element).
 */
const sectionModule: Record<string, ModuleName> = {
  footfall: 'sensing',
  dwell: 'sensing',
  'service-points': 'sensing',
  demographics: 'sensing',
  place: 'sensing',
  flows: 'sensing',
  'per-m2': 'sensing',
  queue: 'queue',
  campaigns: 'screens',
};

const chart = (id: string) => `<div class="chart" id="${id}" data-chart="${id}"></div>`;
const table = (id: string) => `<div class="table" id="${id}"></div>`;

export function networkPage(context: PageContext): string {
  const t = translator(context.language);
  const body = `${header(context, t, '/insights')}
${periodForm(context, t)}
<div class="layout">
${sectionOf('network-map', t('insights.map'), '<div class="map" id="map"></div>')}
${sectionOf('network-table', t('insights.table'), table('branches-table'))}
${sectionOf('network-footfall', t('section.footfall'), chart('chart-network-footfall'))}
</div>
${pageData(context, { page: 'network', from: context.from, to: context.to })}`;
  return pageFrame({ language: context.language, title: t('insights.title'), body, head });
}

export function branchPage(
  context: PageContext & {
    branch: string;
    name: string;
    /** What the branch runs; absent: every section shows. */
    modules?: Record<ModuleName, boolean>;
  },
): string {
  const t = translator(context.language);
  const off = (id: string) => {
    const module = sectionModule[id];
    return module !== undefined && context.modules?.[module] === false;
  };
  const section = (id: string, title: string, inner = '') => sectionOf(id, title, inner, off(id));
  const path = `/insights/branches/${encodeURIComponent(context.branch)}`;
  const granularity = ['hour', 'day', 'week']
    .map((each) => `<option value="${each}">${escapeHtml(t(`granularity.${each}`))}</option>`)
    .join('');
  const body = `${header(context, t, path)}
<p><a href="/insights">${escapeHtml(t('insights.back'))}</a></p>
<h2 class="branch-name">${escapeHtml(context.name)}</h2>
${periodForm(context, t)}
<div class="kpis" id="kpis"></div>
<div class="layout">
${section('footfall', t('section.footfall'), `<select id="granularity">${granularity}</select>${chart('chart-footfall')}`)}
${section('funnel', t('section.funnel'), `${chart('chart-funnel')}${table('funnel-table')}`)}
${section('queue', t('section.queue'), `${table('queue-services-table')}${table('queue-counters-table')}`)}
${section('dwell', t('section.dwell'), chart('chart-dwell'))}
${section('service-points', t('section.servicePoints'), chart('chart-service-points'))}
${section('campaigns', t('section.campaigns'), `${chart('chart-campaigns')}${table('campaigns-table')}`)}
${section('demographics', t('section.demographics'), chart('chart-demographics'))}
${section('anomalies', t('section.anomalies'), table('anomalies-table'))}
${section('catchment', t('section.catchment'), `<div class="map" id="catchment-map"></div>${table('rings-table')}<p id="nearest"></p>`)}
${section('theme', t('section.theme'), '<div id="theme-box"></div>')}
${section('mix', t('section.mix'), `${chart('chart-mix')}<p id="unreached"></p>`)}
${section('segments', t('section.segments'), table('segments-table'))}
${section('neighbours', t('section.neighbours'), table('neighbours-table'))}
${section('place', t('section.place'), `<label>${escapeHtml(t('place.hour'))} <input type="range" id="heat-hour" min="0" max="23" value="10"></label><div class="plan" id="plan"></div>`)}
${section('flows', t('section.flows'), chart('chart-flows'))}
${section('per-m2', t('section.perM2'), table('per-m2-table'))}
${section('before-after', t('section.beforeAfter'), table('before-after-table'))}
</div>
${pageData(context, { page: 'branch', branch: context.branch, from: context.from, to: context.to })}`;
  return pageFrame({
    language: context.language,
    title: context.name,
    body,
    head,
  });
}
