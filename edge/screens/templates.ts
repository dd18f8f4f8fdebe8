/**
 * HTML templates with `{{path}}` fields (`{{branch.name}}`, `{{queue.nowServing}}`,
 * `{{fields.rate}}`). Every value is HTML-escaped where it lands; the template text itself
 * comes from a signed manifest or a logged-in technician, and the player shows the result in
 * a frame sandboxed without scripts, so even a hostile template cannot run code.
 */
export type TemplateData = { [key: string]: string | number | TemplateData | readonly string[] };

const fieldPattern = /\{\{\s*([A-Za-z0-9_.-]{1,120})\s*\}\}/g;

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (character) => entities[character] ?? character);
}

function lookup(data: TemplateData, path: string): string {
  let value: TemplateData[string] | undefined = data;
  for (const key of path.split('.')) {
    if (value === undefined || typeof value !== 'object' || Array.isArray(value)) return '';
    value = Object.hasOwn(value, key) ? (value as TemplateData)[key] : undefined;
  }
  if (Array.isArray(value)) return value.join(' · ');
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

export function renderFields(template: string, data: TemplateData): string {
  return template.replace(fieldPattern, (_match, path: string) => escapeHtml(lookup(data, path)));
}

export interface Colours {
  background: string;
  text: string;
  accent: string;
}

/** Only plain colour values reach the style sheet, so a theme pack cannot inject CSS. */
const colourPattern = /^(#[0-9a-fA-F]{3,8}|[a-z]{3,20})$/;

export function safeColour(value: string, fallback: string): string {
  return colourPattern.test(value) ? value : fallback;
}

/** A whole document for a sandboxed frame: the rendered body on the theme's colours. */
export function templateDocument(body: string, colours: Colours, lang = 'en'): string {
  const background = safeColour(colours.background, '#ffffff');
  const text = safeColour(colours.text, '#111111');
  const accent = safeColour(colours.accent, '#0055aa');
  return `<!doctype html><html lang="${escapeHtml(lang)}"><head><meta charset="utf-8">
<style>html,body{margin:0;height:100%;font-family:"Noto Sans","Noto Sans CJK SC",sans-serif}
body{background:${background};color:${text};display:flex;flex-direction:column;
align-items:center;justify-content:center;text-align:center;font-size:4vmin}
h1,h2,strong{color:${accent}}</style></head><body>${body}</body></html>`;
}
