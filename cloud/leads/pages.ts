import { escapeHtml, pageFrame } from '../ui/html.ts';
import { type Language, type Translate, translator } from '../ui/i18n.ts';
import { inLanguage, type LeadsConfig } from './config.ts';
import { type LeadState, nextStates } from './schema.ts';
import type { QrClaims } from './tokens.ts';
import type { PersonalView } from './views.ts';

/**
 * A phone page in one language, with a link to the same page in the other one. The link sits
 * last so a page's own first link stays its main action.
 */
function frame(language: Language, path: string, title: string, body: string): string {
  const t = translator(language);
  const other = language === 'en' ? 'zh' : 'en';
  const switchTo = `${path}${path.includes('?') ? '&' : '?'}lang=${other}`;
  const footer = `<p class="note"><a class="language" href="${escapeHtml(switchTo)}"
 hreflang="${other}" lang="${other}">${escapeHtml(t('language.switch'))}</a></p>`;
  return pageFrame({ language, title, body: `${body}\n${footer}` });
}

/** The short form a phone opens from a QR code: name, phone, product, explicit consent. */
export function leadFormPage(
  config: LeadsConfig,
  language: Language,
  token: string,
  claims: QrClaims,
  error?: string,
): string {
  const t = translator(language);
  const products = Object.entries(config.products)
    .map(
      ([id, label]) =>
        `<option value="${escapeHtml(id)}">${escapeHtml(inLanguage(label, language))}</option>`,
    )
    .join('');
  const problem = error ? `<p class="error" role="alert">${escapeHtml(t(error))}</p>` : '';
  const path = `/l/${token}`;
  // The post carries the language, so a refusal and the thanks come back in the same one.
  return frame(
    language,
    path,
    t('leads.form.title'),
    `<h1>${escapeHtml(t('leads.form.title'))}</h1>
<p class="note">${escapeHtml(t('leads.form.branch', { branch: claims.branch }))}</p>
${problem}
<form class="login" method="post" action="${escapeHtml(`${path}?lang=${language}`)}">
<label for="name">${escapeHtml(t('leads.form.name'))}</label>
<input id="name" name="name" autocomplete="name" required maxlength="120">
<label for="phone">${escapeHtml(t('leads.form.phone'))}</label>
<input id="phone" name="phone" type="tel" autocomplete="tel" required maxlength="40">
<label for="product">${escapeHtml(t('leads.form.product'))}</label>
<select id="product" name="product">${products}</select>
<p class="consent-text">${escapeHtml(consentText(config, language))}</p>
<label><input type="checkbox" name="consent" value="yes" style="width:auto">
 ${escapeHtml(t('leads.form.agree'))}</label>
<input type="hidden" name="consentVersion" value="${escapeHtml(config.consent.version)}">
<button type="submit">${escapeHtml(t('leads.form.send'))}</button>
</form>`,
  );
}

/** The consent text as the form shows it in this language: what the lead records. */
export function consentText(config: LeadsConfig, language: Language): string {
  return inLanguage(config.consent.text, language);
}

export function thanksPage(language: Language, path: string): string {
  const t = translator(language);
  return frame(
    language,
    path,
    t('leads.thanks.title'),
    `<h1>${escapeHtml(t('leads.thanks.title'))}</h1><p>${escapeHtml(t('leads.thanks.text'))}</p>`,
  );
}

const refusals: Record<string, string> = {
  expired: 'leads.refused.expired',
  tampered: 'leads.refused.invalid',
  malformed: 'leads.refused.invalid',
  limited: 'leads.refused.limited',
};

export function refusedPage(language: Language, path: string, reason: string): string {
  const t = translator(language);
  const text = t(refusals[reason] ?? 'leads.refused.invalid');
  return frame(
    language,
    path,
    t('leads.refused.title'),
    `<h1>${escapeHtml(t('leads.refused.heading'))}</h1>
<p class="error" role="alert">${escapeHtml(text)}</p>`,
  );
}

/** A relationship manager's digital business card: their name and their tracking QR. */
export function cardPage(
  language: Language,
  path: string,
  card: { name: string; branch: string; qrDataUrl: string; url: string },
): string {
  const t = translator(language);
  const link = `${card.url}?lang=${language}`;
  return frame(
    language,
    path,
    card.name,
    `<div class="card"><h1>${escapeHtml(card.name)}</h1>
<p>${escapeHtml(t('leads.card.role', { branch: card.branch }))}</p>
<img src="${escapeHtml(card.qrDataUrl)}" alt="${escapeHtml(t('leads.card.qr'))}" width="240"
 height="240">
<p class="note"><a href="${escapeHtml(link)}">${escapeHtml(t('leads.card.link'))}</a></p></div>`,
  );
}

/**
 * A manager's phone page: leads, due follow-ups first, a call link on each and a form to log
 * the call's outcome (the next step, a reason for a loss, a note, a follow-up date).
 * `dueOnly` keeps the leads due by the end of today.
 */
export function myLeadsPage(options: {
  leads: PersonalView[];
  now: number;
  dueOnly?: boolean;
  language: Language;
  config: LeadsConfig;
}): string {
  const { leads, now, dueOnly = false, language, config } = options;
  const t = translator(language);
  const dueAt = (lead: PersonalView) => lead.followUpAt ?? lead.slaDueAt;
  const endOfDay = Math.ceil((now + 1) / 86_400_000) * 86_400_000;
  const productLabel = (product: string) => {
    const label = config.products[product];
    return label ? inLanguage(label, language) : product;
  };
  const rows = leads
    .filter((lead) => !dueOnly || (dueAt(lead) < endOfDay && stepsAfter(lead).length > 0))
    .sort((left, right) => dueAt(left) - dueAt(right))
    .map((lead) => {
      const due = dueAt(lead) <= now ? ` <strong>${escapeHtml(t('leads.mine.due'))}</strong>` : '';
      const phone = lead.phone
        ? `<a href="tel:${escapeHtml(lead.phone)}">${escapeHtml(lead.phone)}</a>`
        : '';
      const name = escapeHtml(lead.name ?? t('leads.mine.erased'));
      const facts = [
        productLabel(lead.product),
        t(`leads.state.${lead.state}`),
        t('leads.mine.score', { score: lead.score }),
      ]
        .map(escapeHtml)
        .join(' · ');
      return `<li class="card" data-lead="${escapeHtml(lead.id)}"><h2>${name}</h2>
${phone} · ${facts}${due}${outcomeForm(lead, t)}</li>`;
    })
    .join('\n');
  const filter = dueOnly
    ? `<a href="/leads/mine">${escapeHtml(t('leads.mine.all'))}</a>`
    : `<a href="/leads/mine?due=today">${escapeHtml(t('leads.mine.dueToday'))}</a>`;
  const title = t(dueOnly ? 'leads.mine.dueToday' : 'leads.mine.title');
  return frame(
    language,
    dueOnly ? '/leads/mine?due=today' : '/leads/mine',
    title,
    `<h1>${escapeHtml(title)}</h1><p class="note">${filter}</p>
<ul class="grid" id="leads">${rows}</ul>`,
  );
}

const stepsAfter = (lead: PersonalView) => nextStates[lead.state as LeadState] ?? [];

/** The outcome of a call: the steps that may follow this lead's state. */
function outcomeForm(lead: PersonalView, t: Translate): string {
  const steps = stepsAfter(lead);
  if (steps.length === 0) return '';

  const options = steps
    .map((step) => `<option value="${step}">${escapeHtml(t(`leads.state.${step}`))}</option>`)
    .join('');
  return `<form method="post" action="/leads/mine/${escapeHtml(lead.id)}" class="outcome">
<label>${escapeHtml(t('leads.mine.outcome'))} <select name="to">${options}</select></label>
<label>${escapeHtml(t('leads.mine.reason'))} <input name="reason" maxlength="300"></label>
<label>${escapeHtml(t('leads.mine.note'))} <input name="note" maxlength="2000"></label>
<label>${escapeHtml(t('leads.mine.followUp'))} <input name="followUp" type="date"></label>
<button type="submit">${escapeHtml(t('leads.mine.log'))}</button></form>`;
}
