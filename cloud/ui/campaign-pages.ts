import type { BranchRollout, Campaign, CampaignStatus } from '../campaigns/index.ts';
import type { User } from '../users/index.ts';
import { escapeHtml, hqHeader, pageFrame } from './html.ts';
import { type Language, type Translate, translator } from './i18n.ts';

const refreshSeconds = 5;

const colours: Record<string, string> = {
  applied: '#0a7a32',
  failed: '#b3261e',
  downloading: '#8a5a00',
  pending: '#5a6673',
  removed: '#5a6673',
};

const pageStyle = `<style>
  table { border-collapse: collapse; width: 100%; background: #fff; }
  td, th { border-bottom: 1px solid #ddd; padding: .3rem; text-align: left; }
  ul.counts { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; padding: 0; }
  .scroll { overflow-x: auto; }
</style>`;

/** One campaign's rollout, branch by branch, in the reader's language; refreshes itself. */
export function campaignRolloutPage(options: {
  language: Language;
  name: string;
  counts: Record<string, number>;
  branches: BranchRollout[];
}): string {
  const t = translator(options.language);
  const state = (name: string) =>
    `<span data-state="${escapeHtml(name)}" style="color:${colours[name] ?? '#000'}">${escapeHtml(
      t(`rollout.state.${name}`),
    )}</span>`;
  const rows = options.branches
    .map(
      (branch) => `<tr data-branch="${escapeHtml(branch.branch)}">
<td>${escapeHtml(branch.branch)}</td><td>${escapeHtml(branch.version)}</td>
<td>${state(branch.state)}</td><td>${escapeHtml(branch.reason ?? '')}</td>
<td>${escapeHtml(branch.gateway ?? '')}</td></tr>`,
    )
    .join('\n');
  const counts = Object.entries(options.counts)
    .map(([name, count]) => `<li>${state(name)}: <b>${escapeHtml(count)}</b></li>`)
    .join('');
  const columns = ['branch', 'version', 'state', 'reason', 'gateway']
    .map((column) => `<th>${escapeHtml(t(`rollout.col.${column}`))}</th>`)
    .join('');
  const title = t('rollout.title', { name: options.name });
  const other = options.language === 'en' ? 'zh' : 'en';
  const body = `${pageStyle}
<header><h1>${escapeHtml(title)}</h1>
<nav><a href="/campaigns">${escapeHtml(t('nav.campaigns'))}</a>
<a href="?lang=${other}" hreflang="${other}">${escapeHtml(t('language.switch'))}</a></nav></header>
<ul class="counts">${counts}</ul>
<div class="scroll"><table><thead><tr>${columns}</tr></thead><tbody>
${rows}
</tbody></table></div>
<p class="note">${escapeHtml(t('page.refreshNote', { seconds: refreshSeconds }))}</p>`;
  return pageFrame({ language: options.language, title, body, refreshSeconds });
}

export interface CampaignPageContext {
  language: Language;
  user: User;
  /** The page's own path, for the language switch. */
  path: string;
  /** Marketers and admins change campaigns; analysts only read them. */
  canEdit: boolean;
}

/** The header every campaign page shares with the other HQ pages. */
export function campaignHeader(context: CampaignPageContext, t: Translate, title: string) {
  return hqHeader({ ...context, title, t });
}

export interface CampaignRow {
  campaign: Campaign;
  status: CampaignStatus;
  counts: Record<string, number>;
}

/** Rollout progress: branches applied of those the campaign went to, failures apart. */
function progress(t: Translate, counts: Record<string, number>) {
  const total = Object.entries(counts)
    .filter(([state]) => state !== 'removed')
    .reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return escapeHtml(t('campaigns.notPublished'));

  const applied = counts.applied ?? 0;
  const failed = counts.failed ?? 0;
  const figures = t('campaigns.progress', { applied, total });
  const failures = failed
    ? ` <span class="bad">${escapeHtml(t('campaigns.failed', { failed }))}</span>`
    : '';
  return `<progress max="${total}" value="${applied}"></progress>
<span data-progress="${applied}/${total}">${escapeHtml(figures)}</span>${failures}`;
}

function dateRange(campaign: Campaign) {
  const { startDate, endDate } = campaign.schedule ?? {};
  if (!startDate && !endDate) return '–';
  return `${startDate ?? '…'} – ${endDate ?? '…'}`;
}

/** Every campaign with its status and how far its rollout has come. */
export function campaignListPage(context: CampaignPageContext & { rows: CampaignRow[] }) {
  const t = translator(context.language);
  const columns = ['name', 'objective', 'status', 'priority', 'dates', 'rollout'];
  const head = columns
    .map((column) => `<th>${escapeHtml(t(`campaigns.col.${column}`))}</th>`)
    .join('');
  const cell = (column: string, value: string) =>
    `<td data-label="${escapeHtml(t(`campaigns.col.${column}`))}">${value}</td>`;
  const rows = context.rows.map(({ campaign, status, counts }) => {
    const id = encodeURIComponent(campaign.id);
    const published = Object.values(counts).some((count) => count > 0);
    const statusText = escapeHtml(t(`campaign.status.${status}`));
    const statusLabel = `<span data-status="${status}">${statusText}</span>`;
    const rolloutLink = published
      ? ` <a href="/campaigns/${id}/rollout">${escapeHtml(t('campaigns.rolloutLink'))}</a>`
      : '';
    return `<tr data-campaign="${escapeHtml(campaign.id)}">
${cell('name', `<a href="/campaigns/${id}">${escapeHtml(campaign.name)}</a>`)}
${cell('objective', escapeHtml(t(`objective.${campaign.objective}`)))}
${cell('status', statusLabel)}
${cell('priority', escapeHtml(campaign.priority))}
${cell('dates', escapeHtml(dateRange(campaign)))}
${cell('rollout', `<div>${progress(t, counts)}${rolloutLink}</div>`)}</tr>`;
  });
  const list = rows.length
    ? `<table class="campaigns"><thead><tr>${head}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`
    : `<p>${escapeHtml(t('campaigns.none'))}</p>`;
  const create = context.canEdit
    ? `<p><a class="button" id="new-campaign" href="/campaigns/new">${escapeHtml(
        t('campaigns.new'),
      )}</a></p>`
    : '';
  const body = `${campaignHeader(context, t, t('campaigns.title'))}
${create}
${list}`;
  return pageFrame({
    language: context.language,
    title: t('campaigns.title'),
    body,
    head: `<link rel="stylesheet" href="/campaigns/assets/campaigns.css">`,
  });
}
