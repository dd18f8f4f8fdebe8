import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { funnelSteps } from '../../../cloud/campaigns/index.ts';
import { catalogues } from '../../../cloud/index.ts';
import { campaignFormPage } from '../../../cloud/ui/campaign-form-page.ts';
import { campaignListPage } from '../../../cloud/ui/campaign-pages.ts';
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

describe('the HQ campaign pages and their catalogues', () => {
  const marketer = { id: 'u2', username: 'mia', role: 'marketer' as const };
  const campaign = {
    id: 'spring',
    name: 'Spring cards',
    objective: 'card-application' as const,
    priority: 5,
    items: [],
    branches: { regions: ['east'] },
    benefits: [],
    schedule: { startDate: '2026-05-01', endDate: '2026-05-31' },
    status: 'live' as const,
    createdAt: 0,
    updatedAt: 0,
  };
  const branch = { id: 'b1', name: 'Harbour', region: 'east', tags: ['mall'], theme: 'community' };

  it('show no text that is not a catalogue string or data, in both languages', () => {
    for (const language of ['en', 'zh'] as const) {
      const t = translator(language);
      const context = { language, user: marketer, path: '/campaigns', canEdit: true };
      const counts = { pending: 1, downloading: 0, applied: 2, failed: 1, removed: 0 };
      const pages = [
        campaignListPage({ ...context, rows: [{ campaign, status: 'live', counts }] }),
        campaignFormPage({
          ...context,
          campaign,
          branches: [branch],
          benefits: [{ id: 'coffee', name: 'Free coffee' }],
          funnelSteps,
          targets: [],
          saved: true,
        }),
      ];
      const values = new Set(Object.values(catalogues[language]));
      const data = new Set([
        'Spring cards',
        'Harbour',
        'east',
        'mall',
        'community',
        'Free coffee',
        '5',
        '2026-05-01 – 2026-05-31',
        t('user.signedInAs', { username: 'mia', role: 'marketer' }),
        t('campaigns.editTitle', { name: 'Spring cards' }),
        t('campaigns.progress', { applied: 2, total: 4 }),
        t('campaigns.failed', { failed: 1 }),
      ]);
      for (const html of pages) {
        const strangers = texts(html).filter((text) => !values.has(text) && !data.has(text));
        expect(strangers, language).toEqual([]);
      }
    }
  });
});
