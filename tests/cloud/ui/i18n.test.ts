import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogues } from '../../../cloud/index.ts';
import { translator } from '../../../cloud/ui/i18n.ts';
import { branchPage, networkPage } from '../../../cloud/ui/insights-pages.ts';

const user = { id: 'u1', username: 'ana', role: 'analyst' as const };
const context = { user, from: '2026-05-01', to: '2026-05-07' };

/** The text between tags, without the page-data JSON. */
function texts(html: string): string[] {
  const visible = html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<style[\s\S]*?<\/style>/g, '');
  return [...visible.matchAll(/>([^<]+)</g)]
    .map((match) => (match[1] ?? '').trim())
    .filter(Boolean);
}

describe('the HQ insights pages and their catalogues', () => {
  it('hold the same keys in English and Chinese', () => {
    expect(Object.keys(catalogues.zh).sort()).toEqual(Object.keys(catalogues.en).sort());
  });

  it('show no text in a page that is not a catalogue string or data', () => {
    for (const language of ['en', 'zh'] as const) {
      const values = new Set(Object.values(catalogues[language]));
      const pages = [
        networkPage({ ...context, language }),
        branchPage({ ...context, language, branch: 'b1', name: 'Harbour' }),
      ];
      for (const html of pages) {
        const signedIn = translator(language)('user.signedInAs', {
          username: 'ana',
          role: 'analyst',
        });
        const data = new Set(['Harbour', signedIn]);
        const strangers = texts(html).filter((text) => !values.has(text) && !data.has(text));
        expect(strangers, language).toEqual([]);
      }
    }
  });

  it('keep the scripts free of words: every string they show goes through t()', () => {
    const folder = new URL('../../../cloud/ui/public/', import.meta.url);
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.js'))) {
      const source = readFileSync(new URL(file, folder), 'utf8');
      // Text handed to the page: element children and textContent assignments.
      const literals = [...source.matchAll(/(?:textContent = |\[)'([A-Za-z][a-z]+ [a-z ]+)'/g)];
      expect(
        literals.map((match) => match[1]),
        file,
      ).toEqual([]);
    }
  });
});
