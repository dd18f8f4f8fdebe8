import { readFileSync } from 'node:fs';

export const languages = ['en', 'zh'] as const;
export type Language = (typeof languages)[number];

function readCatalogue(language: Language): Record<string, string> {
  const file = new URL(`./i18n/${language}.json`, import.meta.url);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
}

/** Every string of the HQ UI, one catalogue per language with the same keys. */
export const catalogues: Record<Language, Record<string, string>> = {
  en: readCatalogue('en'),
  zh: readCatalogue('zh'),
};

export type Translate = (key: string, values?: Record<string, string | number>) => string;

/**
 * Looks a string up and fills its `{name}` slots; a missing key shows itself, never blank.
 * A `count` of 1 takes the key's `.one` form where the language has one ("1 branch").
 */
export function translator(language: Language): Translate {
  const catalogue = catalogues[language];
  return (key, values = {}) => {
    const text = (values.count === 1 ? catalogue[`${key}.one`] : undefined) ?? catalogue[key];
    return (text ?? key).replace(/\{(\w+)\}/g, (slot, name: string) =>
      String(values[name] ?? slot),
    );
  };
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}
