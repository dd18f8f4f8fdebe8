import { z } from 'zod';
import { BankText, bothLanguages, type LeadLanguage, pageStrings } from './text.ts';

export const KioskLeadOptions = z.strictObject({
  branch: z.string().min(1).max(64),
  /** The cloud's X25519 public key, base64 (GET /api/leads/seal-key on the cloud). */
  sealPublicKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/),
  consent: z.strictObject({
    version: z.string().min(1).max(40),
    /** The words the customer agrees to: one text, or `{ zh, en }` as the page shows them. */
    text: BankText(4000),
  }),
  /** Products by id, each label one text or `{ zh, en }`. */
  products: z.record(z.string(), BankText(120)),
  /** The campaign or screen the kiosk attributes leads to, when it shows one. */
  campaign: z.string().min(1).max(64).optional(),
  screen: z.string().min(1).max(64).optional(),
});
export type KioskLeadOptions = z.output<typeof KioskLeadOptions>;

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (value: unknown) =>
  String(value).replace(/[&<>"']/g, (character) => entities[character] ?? character);

/**
 * The kiosk's lead page in one language, with a link to the other. The inputs have no
 * `name`, so the form can never post its fields: only the script, which seals them first,
 * sends anything, and only ciphertext. The lead records the consent in the words shown.
 */
export function kioskLeadPage(options: KioskLeadOptions, language: LeadLanguage): string {
  const words = pageStrings[language];
  const other = language === 'zh' ? 'en' : 'zh';
  const consentText = bothLanguages(options.consent.text)[language];
  const products = Object.entries(options.products)
    .map(([id, label]) => {
      const text = bothLanguages(label)[language];
      return `<option value="${escapeHtml(id)}">${escapeHtml(text)}</option>`;
    })
    .join('');
  const settings = {
    branch: options.branch,
    key: options.sealPublicKey,
    consentVersion: options.consent.version,
    consentText,
    messages: { consent: words.consent, thanks: words.thanks, failed: words.failed },
    ...(options.campaign ? { campaign: options.campaign } : {}),
    ...(options.screen ? { screen: options.screen } : {}),
  };
  return `<!doctype html>
<html lang="${language === 'zh' ? 'zh-Hans' : 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(words.title)}</title>
<link rel="stylesheet" href="/kiosk/lead/lead.css">
<script src="/kiosk/lead/nacl.js" defer></script>
<script src="/kiosk/lead/sealedbox.js" defer></script>
<script src="/kiosk/lead/seal.js" defer></script>
<script src="/kiosk/lead/app.js" defer></script>
</head><body data-settings="${escapeHtml(JSON.stringify(settings))}">
<h1>${escapeHtml(words.title)}</h1>
<form id="lead" autocomplete="off">
<label for="name">${escapeHtml(words.name)}</label><input id="name" required maxlength="120">
<label for="phone">${escapeHtml(words.phone)}</label>
<input id="phone" type="tel" required maxlength="40">
<label for="product">${escapeHtml(words.product)}</label><select id="product">${products}</select>
<p class="consent-text">${escapeHtml(consentText)}</p>
<label class="agree"><input type="checkbox" id="consent"> ${escapeHtml(words.agree)}</label>
<button type="submit">${escapeHtml(words.send)}</button>
</form>
<p id="status" role="status"></p>
<p><a class="language" href="/kiosk/lead?lang=${other}" hreflang="${other}">${escapeHtml(
    words.other,
  )}</a></p>
</body></html>`;
}

/** A phone-sized page first: one column, fields the width of the screen, large targets. */
export const kioskLeadStyle = `body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:0;
padding:16px;max-width:560px;box-sizing:border-box}
form{display:flex;flex-direction:column;gap:8px}
input,select,button{font-size:18px;padding:10px;width:100%;box-sizing:border-box}
label.agree{display:flex;gap:8px;align-items:center}
label.agree input{width:auto}
.consent-text{font-size:14px}
`;

/** Seals the fields to the cloud's key in the page and posts the box alone. */
export const kioskLeadScript = `'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const settings = JSON.parse(document.body.dataset.settings);
  const form = document.getElementById('lead');
  const status = document.getElementById('status');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!document.getElementById('consent').checked) {
      status.textContent = settings.messages.consent;
      return;
    }
    const lead = {
      branch: settings.branch,
      product: document.getElementById('product').value,
      name: document.getElementById('name').value.trim(),
      phone: document.getElementById('phone').value.trim(),
      consent: true,
      consentVersion: settings.consentVersion,
      consentText: settings.consentText,
      source: 'kiosk',
    };
    if (settings.campaign) lead.campaign = settings.campaign;
    if (settings.screen) lead.screen = settings.screen;
    const response = await fetch('/kiosk/lead', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sealed: window.sealLead(lead, settings.key) }),
    });
    form.reset();
    status.textContent = response.ok ? settings.messages.thanks : settings.messages.failed;
  });
});
`;

/**
 * `window.sealLead(lead, key)`: the lead as JSON in a sealed box to the cloud's X25519 key
 * (base64), in base64. Every page that takes a lead seals with this one function.
 */
export const sealScript = `'use strict';
window.sealLead = (lead, keyBase64) => {
  const key = Uint8Array.from(atob(keyBase64), (c) => c.charCodeAt(0));
  const sealed = window.sealedBox.seal(new TextEncoder().encode(JSON.stringify(lead)), key);
  let binary = '';
  for (const byte of sealed) binary += String.fromCharCode(byte);
  return btoa(binary);
};
`;
