import type { RolloutStatus, RolloutSummary } from '../releases/index.ts';
import type { User } from '../users/index.ts';
import { escapeHtml, hqHeader, pageFrame } from './html.ts';
import type { Language, Translate } from './i18n.ts';
import { translator } from './i18n.ts';

/** Seconds between refreshes of a rollout page: a wave moves in minutes, not seconds. */
export const rolloutRefreshSeconds = 10;

/** The campaign rollout page's colours: applied green, failed red, on the way amber. */
const stateClasses: Record<string, string> = {
  applied: 'good',
  completed: 'good',
  'rolled-back': 'bad',
  refused: 'bad',
  failed: 'bad',
  stopped: 'bad',
  offered: 'busy',
  downloading: 'busy',
  installed: 'busy',
  switching: 'busy',
  running: 'busy',
};

// Rows turn into labelled blocks on a phone, so a wide table never scrolls sideways.
const style = `<style>
  .counts { display: flex; flex-wrap: wrap; gap: .5rem 1rem; list-style: none; padding: 0; }
  table.rollout { border-collapse: collapse; width: 100%; background: #fff; }
  table.rollout td, table.rollout th { border-bottom: 1px solid #ddd; padding: .35rem;
    text-align: left; overflow-wrap: anywhere; }
  .good { color: #0a7a32; } .bad { color: #b3261e; } .busy { color: #8a5a00; }
  .state { font-weight: 600; } nav { display: flex; flex-wrap: wrap; gap: .75rem; }
  @media (max-width: 40rem) {
    table.rollout thead { display: none; }
    table.rollout tr { display: block; border-bottom: 2px solid #ccd; padding: .35rem 0; }
    table.rollout td { display: grid; grid-template-columns: 8rem 1fr; border: 0; }
    table.rollout td::before { content: attr(data-label); color: #5a6673; }
  }
</style>`;

interface PageContext {
  language: Language;
  user: User;
  /** The page's own path, for the language switch. */
  path: string;
}

const stateCell = (t: Translate, key: string, state: string) =>
  `<span class="state ${stateClasses[state] ?? ''}" data-state="${escapeHtml(state)}">${escapeHtml(
    t(`${key}.${state}`),
  )}</span>`;

const timeOf = (epochMs: number) =>
  `${new Date(epochMs).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function header(context: PageContext, t: Translate) {
  return hqHeader({ ...context, title: t('releases.title'), t });
}

/** A table whose cells carry their column's label, for the phone layout. */
function table(t: Translate, columns: string[], rows: string[][], attributes: string[]) {
  const head = columns.map((column) => `<th>${escapeHtml(t(column))}</th>`).join('');
  const body = rows
    .map((cells, index) => {
      const tds = cells.map(
        (cell, column) =>
          `<td data-label="${escapeHtml(t(columns[column] as string))}">${cell}</td>`,
      );
      return `<tr ${attributes[index] ?? ''}>${tds.join('')}</tr>`;
    })
    .join('\n');
  return `<table class="rollout"><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>`;
}

function counts(t: Translate, found: Record<string, number>) {
  const items = Object.entries(found)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([state, count]) =>
        `<li data-count="${escapeHtml(state)}">${stateCell(t, 'releases.state', state)}: <b>${escapeHtml(count)}</b></li>`,
    );
  return `<ul class="counts">${items.join('')}</ul>`;
}

/** Every recent rollout with its state and its branches counted by state. */
export function rolloutsPage(context: PageContext & { rollouts: RolloutSummary[] }) {
  const t = translator(context.language);
  const rows = context.rollouts.map((rollout) => [
    `<a href="/releases/rollouts/${encodeURIComponent(rollout.id)}">${escapeHtml(rollout.version)}</a>`,
    stateCell(t, 'releases.rollout', rollout.state),
    escapeHtml(t('releases.waveOf', { current: rollout.currentWave + 1, total: rollout.waves })),
    counts(t, rollout.counts),
    escapeHtml(timeOf(rollout.createdAt)),
    escapeHtml(rollout.createdBy),
  ]);
  const attributes = context.rollouts.map((rollout) => `data-rollout="${escapeHtml(rollout.id)}"`);
  const columns = [
    'releases.col.version',
    'releases.col.state',
    'releases.col.wave',
    'releases.col.branches',
    'releases.col.started',
    'releases.col.by',
  ];
  const list = rows.length
    ? table(t, columns, rows, attributes)
    : `<p>${escapeHtml(t('releases.none'))}</p>`;
  const body = `${style}${header(context, t)}
<h2>${escapeHtml(t('releases.rollouts'))}</h2>
${list}
<p class="note">${escapeHtml(t('page.refreshNote', { seconds: rolloutRefreshSeconds }))}</p>`;
  return pageFrame({
    language: context.language,
    title: t('releases.title'),
    body,
    refreshSeconds: rolloutRefreshSeconds,
  });
}

/** One rollout branch by branch, as the campaign rollout page shows a campaign's. */
export function rolloutPage(
  context: PageContext & { rollout: RolloutStatus; branchNames: Map<string, string> },
) {
  const t = translator(context.language);
  const { rollout } = context;
  const wave = (number: number) =>
    number === 0 ? t('releases.canary') : t('releases.wave', { number });
  const rows = rollout.branches.map((target) => [
    escapeHtml(context.branchNames.get(target.branch) ?? target.branch),
    escapeHtml(target.gateway),
    escapeHtml(wave(target.wave)),
    stateCell(t, 'releases.state', target.state),
    escapeHtml(target.reason ?? ''),
    escapeHtml(target.running ?? '–'),
    escapeHtml(timeOf(target.updatedAt)),
  ]);
  const attributes = rollout.branches.map(
    (target) =>
      `data-branch="${escapeHtml(target.branch)}" data-gateway="${escapeHtml(target.gateway)}"`,
  );
  const columns = [
    'releases.col.branch',
    'releases.col.gateway',
    'releases.col.wave',
    'releases.col.state',
    'releases.col.reason',
    'releases.col.running',
    'releases.col.updated',
  ];
  const reason = rollout.reason
    ? `<p class="bad" id="rollout-reason">${escapeHtml(t('releases.stopped', { reason: rollout.reason }))}</p>`
    : '';
  const title = t('releases.rolloutOf', { version: rollout.version });
  const body = `${style}${header(context, t)}
<p><a href="/releases">${escapeHtml(t('releases.back'))}</a></p>
<h2>${escapeHtml(title)}</h2>
<p id="rollout-state">${stateCell(t, 'releases.rollout', rollout.state)} · ${escapeHtml(
    t('releases.waveOf', { current: rollout.currentWave + 1, total: rollout.waves }),
  )}</p>
${reason}
${counts(t, rollout.counts)}
${table(t, columns, rows, attributes)}
<p class="note">${escapeHtml(t('page.refreshNote', { seconds: rolloutRefreshSeconds }))}</p>`;
  return pageFrame({
    language: context.language,
    title,
    body,
    refreshSeconds: rolloutRefreshSeconds,
  });
}
