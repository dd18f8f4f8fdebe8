import { z } from 'zod';

export const KioskLeadOptions = z.strictObject({
  branch: z.string().min(1).max(64),
  /** The cloud's X25519 public key, base64 (GET /api/leads/seal-key on the cloud). */
  sealPublicKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/),
  consent: z.strictObject({
    version: z.string().min(1).max(40),
    text: z.string().min(1).max(4000),
  }),
  products: z.record(z.string(), z.string()),
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
 * The kiosk's lead page. The inputs have no `name`, so the form can never post its fields:
 * only the script, which seals them first, sends anything, and only ciphertext.
 */
export function kioskLeadPage(options: KioskLeadOptions): string {
  const products = Object.entries(options.products)
    .map(([id, label]) => `<option value="${escapeHtml(id)}">${escapeHtml(label)}</option>`)
    .join('');
  const settings = {
    branch: options.branch,
    key: options.sealPublicKey,
    consentVersion: options.consent.version,
    consentText: options.consent.text,
    ...(options.campaign ? { campaign: options.campaign } : {}),
    ...(options.screen ? { screen: options.screen } : {}),
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Leave your details</title>
<script src="/kiosk/lead/nacl.js" defer></script>
<script src="/kiosk/lead/sealedbox.js" defer></script>
<script src="/kiosk/lead/seal.js" defer></script>
<script src="/kiosk/lead/app.js" defer></script>
</head><body data-settings="${escapeHtml(JSON.stringify(settings))}">
<h1>Leave your details</h1>
<form id="lead" autocomplete="off">
<label for="name">Your name</label><input id="name" required maxlength="120">
<label for="phone">Mobile number</label><input id="phone" type="tel" required maxlength="40">
<label for="product">I am interested in</label><select id="product">${products}</select>
<p>${escapeHtml(options.consent.text)}</p>
<label><input type="checkbox" id="consent"> I agree</label>
<button type="submit">Send</button>
</form>
<p id="status" role="status"></p>
</body></html>`;
}

/** Seals the fields to the cloud's key in the page and posts the box alone. */
export const kioskLeadScript = `'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const settings = JSON.parse(document.body.dataset.settings);
  const form = document.getElementById('lead');
  const status = document.getElementById('status');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!document.getElementById('consent').checked) {
      status.textContent = 'Please tick the consent box: no consent, no call.';
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
    status.textContent = response.ok ? 'Thank you: a relationship manager will call you soon.'
      : 'Sorry, that did not work. Please ask a member of staff.';
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
