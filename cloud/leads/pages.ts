import { escapeHtml, pageFrame } from '../ui/html.ts';
import type { LeadsConfig } from './config.ts';
import { type LeadState, nextStates } from './schema.ts';
import type { QrClaims } from './tokens.ts';
import type { PersonalView } from './views.ts';

const frame = (title: string, body: string) => pageFrame({ language: 'en', title, body });

/** The short form a phone opens from a QR code: name, phone, product, explicit consent. */
export function leadFormPage(
  config: LeadsConfig,
  token: string,
  claims: QrClaims,
  error?: string,
): string {
  const products = Object.entries(config.products)
    .map(([id, label]) => `<option value="${escapeHtml(id)}">${escapeHtml(label)}</option>`)
    .join('');
  const problem = error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '';
  return frame(
    'Tell us how to reach you',
    `<h1>Tell us how to reach you</h1>
<p class="note">Branch ${escapeHtml(claims.branch)}</p>
${problem}
<form class="login" method="post" action="/l/${escapeHtml(token)}">
<label for="name">Your name</label>
<input id="name" name="name" autocomplete="name" required maxlength="120">
<label for="phone">Mobile number</label>
<input id="phone" name="phone" type="tel" autocomplete="tel" required maxlength="40">
<label for="product">I am interested in</label>
<select id="product" name="product">${products}</select>
<p>${escapeHtml(config.consent.text)}</p>
<label><input type="checkbox" name="consent" value="yes" style="width:auto"> I agree</label>
<input type="hidden" name="consentVersion" value="${escapeHtml(config.consent.version)}">
<button type="submit">Send</button>
</form>`,
  );
}

export function thanksPage(): string {
  return frame('Thank you', '<h1>Thank you</h1><p>A relationship manager will call you soon.</p>');
}

const refusals: Record<string, string> = {
  expired: 'This link has expired. Please scan the code in the branch again.',
  tampered: 'This link is not valid. Please scan the code in the branch again.',
  malformed: 'This link is not valid. Please scan the code in the branch again.',
  limited: 'Too many attempts from here. Please try again in a few minutes.',
};

export function refusedPage(reason: keyof typeof refusals | string): string {
  const text = refusals[reason] ?? refusals.malformed;
  return frame(
    'Link refused',
    `<h1>Sorry</h1><p class="error" role="alert">${escapeHtml(text)}</p>`,
  );
}

/** A relationship manager's digital business card: their name and their tracking QR. */
export function cardPage(name: string, branch: string, qrDataUrl: string, url: string): string {
  return frame(
    name,
    `<div class="card"><h1>${escapeHtml(name)}</h1>
<p>Relationship manager, branch ${escapeHtml(branch)}</p>
<img src="${escapeHtml(qrDataUrl)}" alt="QR code to leave your details" width="240" height="240">
<p class="note"><a href="${escapeHtml(url)}">Leave your details</a></p></div>`,
  );
}

/**
 * A manager's phone page: leads, due follow-ups first, a call link on each and a form to log
 * the call's outcome (the next step, a reason for a loss, a note, a follow-up date).
 * `dueOnly` keeps the leads due by the end of today.
 */
export function myLeadsPage(leads: PersonalView[], now: number, dueOnly = false): string {
  const dueAt = (lead: PersonalView) => lead.followUpAt ?? lead.slaDueAt;
  const endOfDay = Math.ceil((now + 1) / 86_400_000) * 86_400_000;
  const rows = leads
    .filter((lead) => !dueOnly || (dueAt(lead) < endOfDay && stepsAfter(lead).length > 0))
    .sort((left, right) => dueAt(left) - dueAt(right))
    .map((lead) => {
      const due = dueAt(lead) <= now ? ' <strong>due</strong>' : '';
      const phone = lead.phone
        ? `<a href="tel:${escapeHtml(lead.phone)}">${escapeHtml(lead.phone)}</a>`
        : '';
      const name = escapeHtml(lead.name ?? '(erased)');
      const facts = [lead.product, lead.state, `score ${lead.score}`].map(escapeHtml).join(' · ');
      return `<li class="card" data-lead="${escapeHtml(lead.id)}"><h2>${name}</h2>
${phone} · ${facts}${due}${outcomeForm(lead)}</li>`;
    })
    .join('\n');
  const filter = dueOnly
    ? '<a href="/leads/mine">All my leads</a>'
    : '<a href="/leads/mine?due=today">Due today</a>';
  const title = dueOnly ? 'Due today' : 'My leads';
  return frame(
    title,
    `<h1>${title}</h1><p class="note">${filter}</p><ul class="grid" id="leads">${rows}</ul>`,
  );
}

const stepsAfter = (lead: PersonalView) => nextStates[lead.state as LeadState] ?? [];

/** The outcome of a call: the steps that may follow this lead's state. */
function outcomeForm(lead: PersonalView): string {
  const steps = stepsAfter(lead);
  if (steps.length === 0) return '';

  const options = steps.map((step) => `<option value="${step}">${step}</option>`).join('');
  return `<form method="post" action="/leads/mine/${escapeHtml(lead.id)}" class="outcome">
<label>Outcome <select name="to">${options}</select></label>
<label>Reason (if lost) <input name="reason" maxlength="300"></label>
<label>Note <input name="note" maxlength="2000"></label>
<label>Follow up on <input name="followUp" type="date"></label>
<button type="submit">Log the call</button></form>`;
}
