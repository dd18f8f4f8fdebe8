import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogues } from '../../../edge/ui/index.ts';
import { sectionPages } from '../../../edge/ui/pages/sections.ts';
import { loginPage, overviewPage } from '../../../edge/ui/pages/technician.ts';
import { profileTemplates } from '../../../edge/ui/profile-templates.ts';
import { CameraSource, DeviceStateName, UplinkState } from '../../../protocol/index.ts';

const languages = ['en', 'zh'] as const;
const pages = {
  login: ({ language }: { language: 'en' | 'zh' }) => loginPage(language, true),
  overview: overviewPage,
  ...sectionPages,
};
const assets = new URL('../../../edge/ui/assets/', import.meta.url);

/** The text a person reads on a page: text between tags and the readable attributes. */
function visibleTexts(html: string): string[] {
  const body = html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<style[\s\S]*?<\/style>/g, '');
  const attributes = [...body.matchAll(/\s(?:placeholder|title|alt|aria-label)="([^"]*)"/g)].map(
    (match) => match[1] ?? '',
  );
  const texts = body.replace(/<[^>]+>/g, '\n').split('\n');
  const decode = (text: string) =>
    text
      .replace(/&#(\d+);/g, (_m, code) => String.fromCharCode(Number(code)))
      .replace(/&amp;/g, '&');
  return [...texts, ...attributes].map((text) => decode(text).trim()).filter(Boolean);
}

describe('the technician UI catalogues', () => {
  it('hold the same keys in English and Chinese, none of them empty', () => {
    expect(Object.keys(catalogues.zh).sort()).toEqual(Object.keys(catalogues.en).sort());
    for (const language of languages) {
      const empty = Object.entries(catalogues[language]).filter(([, text]) => !text.trim());
      expect(empty, language).toEqual([]);
    }
  });

  it('link to the Node-RED editor only on a gateway that runs it', () => {
    for (const [name, render] of Object.entries(pages).filter(([name]) => name !== 'login')) {
      const link = (flows: boolean) => render({ language: 'en', flows }).includes('"/flows/"');
      expect([name, link(true), link(false)]).toEqual([name, true, false]);
    }
  });

  it('leave no page with a word that is not a catalogue string of its language', () => {
    for (const language of languages) {
      const known = new Set(Object.values(catalogues[language]));
      for (const [name, render] of Object.entries(pages)) {
        const html = render({ language, flows: true, simulatedDevices: false });
        const strays = visibleTexts(html).filter((text) => !known.has(text) && /\p{L}/u.test(text));
        expect(strays, `${name} in ${language}`).toEqual([]);
      }
    }
  });

  it('say on the devices page why a simulated device will not run, only where it will not', () => {
    for (const language of languages) {
      const line = catalogues[language]['devices.noSimulation'];
      expect(line).toContain('allowSimulatedDevices');
      const page = (simulatedDevices: boolean) =>
        visibleTexts(sectionPages.devices({ language, flows: false, simulatedDevices }));
      expect(page(false)).toContain(line);
      expect(page(true)).not.toContain(line);
    }
  });

  it('show the Chinese page in Chinese: no English catalogue text on it', () => {
    const english = new Set(
      Object.values(catalogues.en).filter((text) => !Object.values(catalogues.zh).includes(text)),
    );
    for (const [name, render] of Object.entries(pages)) {
      const view = { language: 'zh' as const, flows: true, simulatedDevices: false };
      const leaks = visibleTexts(render(view)).filter((text) => english.has(text));
      expect(leaks, name).toEqual([]);
    }
  });

  it('hold a word for each value the scripts show: states, camera sources, profile fields', () => {
    const paths = (value: unknown, path: string[] = []): string[] =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value).flatMap(([key, inner]) => paths(inner, [...path, key]))
        : [path.join('.')];
    const shown = [
      ...[...UplinkState.options, ...DeviceStateName.options, 'unknown'].map((s) => `state.${s}`),
      ...CameraSource.options.map((source) => `source.${source}`),
      ...Object.values(profileTemplates).flatMap((template) =>
        paths(template).map((path) => `field.${path}`),
      ),
    ];
    for (const language of languages) {
      const missing = shown.filter((key) => !(key in catalogues[language]));
      expect(missing, language).toEqual([]);
    }

    // The scripts look those words up rather than showing the raw value.
    const script = (file: string) => readFileSync(new URL(file, assets), 'utf8');
    expect(script('overview.js')).toMatch(/set\('uplink', stateText\(status\.uplink\.state\)\)/);
    expect(script('overview.js')).toMatch(
      /set\('source', camera \? t\(`source\.\$\{camera\.source\}`\)/,
    );
    expect(script('devices.js')).toMatch(/t\(`field\.\$\{path\}`\)/);
  });

  it('leave page scripts writing words only through the catalogue', () => {
    const keys = new Set(Object.keys(catalogues.en));
    for (const file of readdirSync(assets).filter((name) => name.endsWith('.js'))) {
      const source = readFileSync(new URL(file, assets), 'utf8');
      const used = [...source.matchAll(/\bt\('([^'$]+)'\)/g)].map((match) => match[1]);
      expect(
        used.filter((key) => !keys.has(key as string)),
        file,
      ).toEqual([]);
      const literalText = source.match(
        /\.(textContent|innerText|placeholder|title)\s*=\s*['"`][^'"`]*\p{L}/u,
      );
      expect(literalText, file).toBeNull();
      expect(source.includes('innerHTML'), file).toBe(false);
    }
  });
});
