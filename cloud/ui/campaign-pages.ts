import type { BranchRollout } from '../campaigns/index.ts';
import { escapeHtml, pageFrame } from './html.ts';
import { type Language, translator } from './i18n.ts';

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
<a href="?lang=${other}" hreflang="${other}">${escapeHtml(t('language.switch'))}</a></header>
<ul class="counts">${counts}</ul>
<div class="scroll"><table><thead><tr>${columns}</tr></thead><tbody>
${rows}
</tbody></table></div>
<p class="note">${escapeHtml(t('page.refreshNote', { seconds: refreshSeconds }))}</p>`;
  return pageFrame({ language: options.language, title, body, refreshSeconds });
}
