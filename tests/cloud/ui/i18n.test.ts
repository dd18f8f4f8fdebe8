import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { funnelSteps } from '../../../cloud/campaigns/index.ts';
import { catalogues } from '../../../cloud/index.ts';
import { campaignFormPage } from '../../../cloud/ui/campaign-form-page.ts';
import { campaignListPage } from '../../../cloud/ui/campaign-pages.ts';
import { gatewayPage } from '../../../cloud/ui/gateway-page.ts';
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
  it('say 1 branch and 2 branches in English, and the same words for both in Chinese', () => {
    const en = translator('en');
    const zh = translator('zh');

    expect(en('campaigns.preview', { count: 1 })).toBe('This selects 1 branch.');
    expect(en('campaigns.preview', { count: 2 })).toBe('This selects 2 branches.');
    expect(en('campaigns.done.publish', { count: 1 })).toBe('Published to 1 branch.');
    expect(zh('campaigns.done.publish', { count: 1 })).toBe('已发布到 1 家网点。');
  });

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

describe('the HQ gateway page and its catalogues', () => {
  const now = 1_800_000_000_000;
  const health = {
    gateway: 'gw-harbour',
    branch: 'b1',
    online: false,
    lastSeenAt: now - 150_000,
    clockSkewMs: 0,
    version: '1.4.2',
    backlog: 12,
    devicesOnline: 2,
    devicesTotal: 3,
    cameraSource: 'camera',
    screensOnline: 1,
    cameras: [{ id: 'door', state: 'degraded' as const, reason: 'no frames for 30 s' }],
    modules: {
      version: 4,
      running: ['sensing' as const, 'queue' as const],
      unavailable: [{ module: 'screens' as const, reason: 'no display output' }],
    },
  };
  const admin = { id: 'u1', username: 'ada', role: 'admin' as const };
  const analyst = { id: 'u2', username: 'ana', role: 'analyst' as const };

  it('show no text that is not a catalogue string or data, for an admin and a reader', () => {
    for (const language of ['en', 'zh'] as const) {
      const t = translator(language);
      const page = (user: typeof admin | typeof analyst) =>
        gatewayPage({
          language,
          user,
          path: '/gateways/gw-harbour',
          health,
          branchName: 'Harbour',
          now,
        });
      const values = new Set(Object.values(catalogues[language]));
      const data = new Set([
        'Harbour',
        '1.4.2',
        '12',
        '1',
        '4',
        'no frames for 30 s',
        `● ${t('status.offline')}`,
        t('gateway.title', { gateway: 'gw-harbour' }),
        t('time.minutesAgo', { count: 3 }),
        t('gateway.devicesOnline', { online: 2, total: 3 }),
        `${t('module.sensing')}, ${t('module.queue')}`,
        `${t('module.screens')}: no display output`,
        'door:',
        t('user.signedInAs', { username: 'ada', role: 'admin' }),
        t('user.signedInAs', { username: 'ana', role: 'analyst' }),
      ]);
      for (const html of [page(admin), page(analyst)]) {
        const strangers = texts(html).filter((text) => !values.has(text) && !data.has(text));
        expect(strangers, language).toEqual([]);
      }
    }
  });

  it('shows a gateway silent past the limit offline, and versions only to an admin', () => {
    const page = (user: typeof admin | typeof analyst) =>
      gatewayPage({
        language: 'en',
        user,
        path: '/gateways/gw-harbour',
        health,
        branchName: 'Harbour',
        now,
      });

    expect(page(admin)).toContain('<div class="offline" data-state="offline">');
    expect(page(admin)).toContain('data-field="gateway.version">Software version</dt><dd>1.4.2<');
    expect(page(admin)).toContain('<li data-camera="door">door: <span class="busy"');
    expect(page(admin)).toContain('data-command="push-profile"');
    expect(page(analyst)).toContain('<div class="offline" data-state="offline">');
    expect(page(analyst)).toContain('data-field="field.backlog">Uplink backlog</dt><dd>12<');
    expect(page(analyst)).not.toContain('1.4.2');
    expect(page(analyst)).not.toContain('data-command=');
  });
});
