import { escapeHtml, type Language, translator } from '../i18n.ts';
import { page } from './layout.ts';

/**
 * A screen's player: the branch's welcome and the now-serving numbers, kept current by
 * player.js. It never goes blank: with no number called it shows the idle text.
 */
export function playerPage(language: Language, screen: string, branchName: string): string {
  const t = translator(language);
  return page(language, `${branchName} · ${screen}`, `
<main class="player" data-screen="${escapeHtml(screen)}" data-lang="${language}">
  <h1>${t('player.welcome')} · ${escapeHtml(branchName)}</h1>
  <section>
    <h2>${t('player.nowServing')}</h2>
    <ol class="serving" data-figure="nowServing" data-counter-label="${t('player.counter')}"></ol>
    <p class="idle" data-figure="idle">${t('player.idle')}</p>
  </section>
  <p>${t('player.waiting')}: <strong data-figure="waiting">0</strong></p>
</main>`, 'player.js');
}
