import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { chromiumArgs } from '../../../support/browser.ts';

export const chromiumPath = '/usr/bin/chromium';

/** Debian's chromium, headless and offline, on a fresh profile folder that `close` removes. */
export async function launchBrowser(): Promise<{
  context: BrowserContext;
  close(): Promise<void>;
}> {
  const profile = mkdtempSync(join(tmpdir(), 'sb-queue-chromium-'));
  // playwright hands this folder to chromium as --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    // A portrait tablet with a touch screen, the kiosk's usual hardware.
    viewport: { width: 800, height: 1280 },
    hasTouch: true,
    args: chromiumArgs,
  });
  // The board's speech goes to a recorder: what it was handed is what a voice would say.
  await context.addInitScript(() => {
    const spoken: { text: string; lang: string }[] = [];
    Object.defineProperty(window, 'spoken', { value: spoken });
    Object.defineProperty(window, 'speechSynthesis', {
      configurable: true,
      value: {
        speak: (utterance: SpeechSynthesisUtterance) =>
          spoken.push({ text: utterance.text, lang: utterance.lang }),
        cancel() {},
      },
    });
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
