import { readFileSync } from 'node:fs';

const load = (language: string) =>
  JSON.parse(readFileSync(new URL(`./i18n/${language}.json`, import.meta.url), 'utf8')) as Record<
    string,
    string
  >;

export const catalogues = { en: load('en'), zh: load('zh') } as const;

export type Language = keyof typeof catalogues;

/** The page language: `?lang=` first, then the browser's preference, English by default. */
export function pickLanguage(query: unknown, acceptLanguage: string | undefined): Language {
  if (query === 'zh' || query === 'en') return query;
  return /^zh\b/i.test(acceptLanguage ?? '') ? 'zh' : 'en';
}

export function translator(language: Language) {
  const catalogue = catalogues[language];
  return (key: string) => escapeHtml(catalogue[key] ?? key);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
