import type { Campaign } from '../campaigns/index.ts';
import { Objective } from '../campaigns/index.ts';
import { type CampaignPageContext, campaignHeader } from './campaign-pages.ts';
import { escapeHtml, pageFrame } from './html.ts';
import { catalogues, type Translate, translator } from './i18n.ts';

const assets = '/campaigns/assets';
const screenRoles = ['signage', 'queue-board', 'kiosk', 'counter-tablet'] as const;

export interface FormBranch {
  id: string;
  name: string;
  region: string | null;
  tags: string[];
  theme: string | null;
}

export interface FormContext extends CampaignPageContext {
  campaign: Campaign | null;
  branches: FormBranch[];
  benefits: Array<{ id: string; name: string }>;
  funnelSteps: Record<string, readonly string[]>;
  targets: Array<{ branch: string; step: string; target: number; from: number; to: number }>;
  /** The page follows a save: it says so. */
  saved: boolean;
}

const html = escapeHtml;

/** The place an API error about `path` is shown. */
const errorPlace = (path: string) =>
  `<span class="field-error" data-error-for="${html(path)}" role="alert"></span>`;

/**
 * A field labelled by its path's last level, with the place its API error is shown, named by
 * the error's path.
 */
function field(t: Translate, path: string, control: string) {
  const label = t(`campaigns.field.${path.split('.').at(-1)}`);
  return `<div class="field" data-field="${html(path)}">
<label for="${html(path)}">${html(label)}</label>
${control}
${errorPlace(path)}
</div>`;
}

function input(path: string, value: unknown, attributes = '') {
  const shown = value === undefined || value === null ? '' : String(value);
  return `<input id="${html(path)}" name="${html(path)}" value="${html(shown)}" ${attributes}>`;
}

function select(path: string, options: Array<[string, string]>, chosen: string | undefined) {
  const items = options.map(([value, label]) => {
    const picked = value === chosen ? ' selected' : '';
    return `<option value="${html(value)}"${picked}>${html(label)}</option>`;
  });
  return `<select id="${html(path)}" name="${html(path)}">${items.join('')}</select>`;
}

const heading = (t: Translate, key: string, level = 2) => `<h${level}>${html(t(key))}</h${level}>`;
const note = (t: Translate, key: string) => `<p class="note">${html(t(key))}</p>`;

/** A button that adds a row to one of the lists the script fills. */
const adder = (t: Translate, list: string, label: string) =>
  `<button type="button" class="add" data-add="${list}">${html(t(label))}</button>`;

/** Checkboxes of one group; `chosen` are ticked. */
function choices(group: string, options: Array<[string, string]>, chosen: readonly string[]) {
  const boxes = options.map(([value, label]) => {
    const ticked = chosen.includes(value) ? ' checked' : '';
    const box = `<input type="checkbox" name="${html(group)}" value="${html(value)}"${ticked}>`;
    return `<label class="choice">${box} ${html(label)}</label>`;
  });
  return `<div class="choices" data-group="${html(group)}">${boxes.join('')}</div>`;
}

/** A group of choices with its heading and its error place. */
function choiceField(t: Translate, path: string, label: string, group: string) {
  return `<fieldset class="field" data-field="${html(path)}">
<legend>${html(t(label))}</legend>${group}
${errorPlace(path)}</fieldset>`;
}

const distinct = (values: Array<string | null>) =>
  [...new Set(values.filter((value): value is string => Boolean(value)))].sort();

function basics(context: FormContext, t: Translate) {
  const campaign = context.campaign;
  const objectives = Objective.options.map((each): [string, string] => [
    each,
    t(`objective.${each}`),
  ]);
  const idAttributes = campaign ? 'readonly' : 'required maxlength="64"';
  const priority = 'type="number" min="-1000" max="1000" step="1"';
  return `<section class="card" id="basics">${heading(t, 'campaigns.basics')}
${field(t, 'name', input('name', campaign?.name, 'required'))}
${field(t, 'id', input('id', campaign?.id, idAttributes))}
${field(t, 'objective', select('objective', objectives, campaign?.objective))}
${field(t, 'priority', input('priority', campaign?.priority ?? 0, priority))}
</section>`;
}

function content(context: FormContext, t: Translate) {
  const upload = context.canEdit
    ? `<label class="upload">${html(t('campaigns.upload'))}
<input type="file" id="asset-upload" accept="image/*,video/*" multiple></label>
<p id="upload-state" role="status"></p>`
    : '';
  return `<section class="card" id="content">${heading(t, 'campaigns.content')}
${upload}
<ol id="items"></ol>
${errorPlace('items')}
</section>`;
}

function schedule(context: FormContext, t: Translate) {
  const window = context.campaign?.schedule;
  const date = (path: string, value: string | undefined) => input(path, value, 'type="date"');
  return `<section class="card" id="schedule">${heading(t, 'campaigns.schedule')}
<div class="pair">
${field(t, 'schedule.startDate', date('schedule.startDate', window?.startDate))}
${field(t, 'schedule.endDate', date('schedule.endDate', window?.endDate))}
</div>
${heading(t, 'campaigns.dayparts', 3)}
${note(t, 'campaigns.daypartsNote')}
<div id="dayparts" class="rows"></div>
${adder(t, 'dayparts', 'campaigns.addDaypart')}
${errorPlace('schedule')}
</section>`;
}

function screens(context: FormContext, t: Translate) {
  const target = context.campaign?.target;
  const rule = context.campaign?.rule;
  const roleNames = screenRoles.map((role): [string, string] => [role, t(`screenRole.${role}`)]);
  const roles = choices('target.roles', roleNames, target?.roles ?? []);
  const match = ['all', 'any'].map((each): [string, string] => [
    each,
    t(`campaigns.match.${each}`),
  ]);
  const onFor = input('rule.minOnSeconds', rule?.minOnSeconds ?? 10, 'type="number" min="0"');
  return `<section class="card" id="screens">${heading(t, 'campaigns.screens')}
${choiceField(t, 'target.roles', 'campaigns.field.roles', roles)}
${field(t, 'target.zones', input('target.zones', target?.zones?.join(', ')))}
${field(t, 'target.screens', input('target.screens', target?.screens?.join(', '), ''))}
${heading(t, 'campaigns.rule', 3)}
${note(t, 'campaigns.ruleNote')}
<div class="pair">
${field(t, 'rule.match', select('rule.match', match, rule?.match))}
${field(t, 'rule.minOnSeconds', onFor)}
</div>
<div id="conditions" class="rows"></div>
${adder(t, 'conditions', 'campaigns.addCondition')}
${errorPlace('rule')}
</section>`;
}

function branchSection(context: FormContext, t: Translate) {
  const selector = context.campaign?.branches ?? {};
  const group = (criterion: 'regions' | 'tags' | 'themes', values: string[]) => {
    const path = `branches.${criterion}`;
    const options = values.map((value): [string, string] => [value, value]);
    const boxes = choices(path, options, selector[criterion] ?? []);
    return choiceField(t, path, `campaigns.field.${criterion}`, boxes);
  };
  const names = context.branches.map((branch): [string, string] => [branch.id, branch.name]);
  const list = choices('branches.branches', names, selector.branches ?? []);
  const all = context.branches;
  return `<section class="card" id="branches">${heading(t, 'campaigns.branches')}
${note(t, 'campaigns.branchesNote')}
${group('regions', distinct(all.map((branch) => branch.region)))}
${group('tags', distinct(all.flatMap((branch) => branch.tags)))}
${group('themes', distinct(all.map((branch) => branch.theme)))}
<details${selector.branches ? ' open' : ''}><summary>${html(t('campaigns.field.list'))}</summary>
${choiceField(t, 'branches.branches', 'campaigns.field.list', list)}</details>
${heading(t, 'campaigns.catchment', 3)}
<div id="catchment" class="rows"></div>
${adder(t, 'catchment', 'campaigns.addCatchment')}
${errorPlace('branches')}
<p id="selection-preview" class="preview" role="status" aria-live="polite"></p>
</section>`;
}

function benefitsSection(context: FormContext, t: Translate) {
  const pool = context.benefits.map((benefit): [string, string] => [benefit.id, benefit.name]);
  const group = pool.length
    ? choices('benefits', pool, context.campaign?.benefits ?? [])
    : note(t, 'campaigns.noBenefits');
  return `<section class="card" id="benefits-section">${heading(t, 'campaigns.benefits')}
${choiceField(t, 'benefits', 'campaigns.field.benefits', group)}
</section>
<section class="card" id="targets-section">${heading(t, 'campaigns.targets')}
${note(t, 'campaigns.targetsNote')}
<div id="targets" class="rows"></div>
${adder(t, 'targets', 'campaigns.addTarget')}
${errorPlace('targets')}
</section>`;
}

function actions(context: FormContext, t: Translate) {
  const campaign = context.campaign;
  if (!campaign) return '';

  const id = encodeURIComponent(campaign.id);
  const button = (action: string) => {
    const label = html(t(`campaigns.action.${action}`));
    return `<button type="button" data-action="${action}">${label}</button>`;
  };
  const buttons = context.canEdit ? ['publish', 'pause', 'end'].map(button).join('') : '';
  const status = `<b id="campaign-status" data-status="${campaign.status}">${html(
    t(`campaign.status.${campaign.status}`),
  )}</b>`;
  const rollout = `<a id="rollout-link" href="/campaigns/${id}/rollout">${html(
    t('campaigns.rolloutLink'),
  )}</a>`;
  return `<section class="card" id="actions">
<p><span>${html(t('campaigns.col.status'))}</span> ${status}</p>
<p>${rollout}</p>
<div class="buttons">${buttons}</div>
<p id="action-state" role="status"></p>
</section>`;
}

/** The page's data for its script: the campaign, the choices and the catalogue. */
function pageData(context: FormContext) {
  const data = {
    language: context.language,
    strings: catalogues[context.language],
    campaign: context.campaign,
    branches: context.branches,
    funnelSteps: context.funnelSteps,
    targets: context.targets,
    canEdit: context.canEdit,
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<script type="application/json" id="page-data">${json}</script>`;
}

/** A campaign's editor (read-only for analysts); the script fills the rows and sends it. */
export function campaignFormPage(context: FormContext): string {
  const t = translator(context.language);
  const title = context.campaign
    ? t('campaigns.editTitle', { name: context.campaign.name })
    : t('campaigns.newTitle');
  const saved = context.saved
    ? `<p class="good" id="saved" role="status">${escapeHtml(t('campaigns.saved'))}</p>`
    : '';
  const submit = context.canEdit
    ? `<button type="submit" id="save">${escapeHtml(t('campaigns.save'))}</button>`
    : `<p class="note" id="read-only">${escapeHtml(t('campaigns.readOnly'))}</p>`;
  const body = `${campaignHeader(context, t, t('campaigns.title'))}
<p><a href="/campaigns">${escapeHtml(t('campaigns.back'))}</a></p>
<h2 id="form-title">${escapeHtml(title)}</h2>
${saved}
${actions(context, t)}
<form id="campaign-form" novalidate>
<fieldset class="whole"${context.canEdit ? '' : ' disabled'}>
<p class="field-error" data-error-for="(body)" role="alert"></p>
${basics(context, t)}
${content(context, t)}
${schedule(context, t)}
${screens(context, t)}
${branchSection(context, t)}
${benefitsSection(context, t)}
${submit}
</fieldset>
</form>
${pageData(context)}`;
  const head = `<link rel="stylesheet" href="${assets}/campaigns.css">
<script src="${assets}/campaign-form.js" defer></script>`;
  return pageFrame({ language: context.language, title, body, head });
}
