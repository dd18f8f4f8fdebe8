import { catalogues, escapeHtml, type Language, translator } from '../i18n.ts';

export const styles = `
  :root { font-family: system-ui, "PingFang SC", "Noto Sans CJK SC", sans-serif; color: #1b2a3a; }
  body { margin: 0; background: #f3f6f9; }
  form.panel[hidden] { display: none; }
  header { background: #0b4f8a; color: white; padding: .6rem 1rem; display: flex;
    justify-content: space-between; align-items: center; gap: .6rem; flex-wrap: wrap; }
  header a, header button { color: white; background: none; border: 1px solid #fff6;
    border-radius: .3rem; padding: .3rem .6rem; font: inherit; text-decoration: none; }
  nav { display: flex; flex-wrap: wrap; gap: .3rem; }
  nav a[aria-current] { background: #fff3; }
  main { padding: 1rem; max-width: 64rem; margin: 0 auto; }
  section { margin-top: 1.2rem; }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: .8rem; }
  /* A grid cell may shrink below its input's natural width, so a phone never scrolls sideways. */
  .cards > * { min-width: 0; }
  .cards input, .cards select { width: 100%; }
  .card { background: white; border-radius: .5rem; padding: .8rem; box-shadow: 0 1px 3px #0002; }
  .card .label { font-size: .85rem; color: #556; }
  .card .value { font-size: 1.4rem; font-weight: 600; margin-top: .2rem; overflow-wrap: anywhere; }
  .scroll { overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; background: white; margin-top: .6rem; }
  th, td { padding: .4rem .6rem; border-bottom: 1px solid #e3e8ee; text-align: left; vertical-align: top; }
  form.login { max-width: 22rem; margin: 3rem auto; background: white; padding: 1.5rem;
    border-radius: .5rem; display: grid; gap: .8rem; }
  form.panel, div.panel { background: white; padding: 1rem; border-radius: .5rem; display: grid;
    gap: .6rem; margin-top: .6rem; }
  label { display: grid; gap: .2rem; font-size: .9rem; }
  input, select, textarea, button { font: inherit; padding: .45rem; border-radius: .3rem;
    border: 1px solid #bcc; max-width: 100%; box-sizing: border-box; }
  button { background: #eef3f8; cursor: pointer; }
  button.primary { background: #0b4f8a; color: white; border: none; }
  .row { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; }
  .error, .problem { color: #a11; }
  .ok { color: #176b2c; }
  .synthetic { background: #fff3cd; color: #7a5b00; padding: .1rem .4rem; border-radius: .3rem; }
  .stage { position: relative; width: 100%; max-width: 48rem; }
  .stage img, .stage canvas { width: 100%; display: block; }
  .stage canvas { position: absolute; inset: 0; height: 100%; touch-action: none; }
  .camera-grid { display: grid; grid-template-columns: minmax(0, 3fr) minmax(12rem, 1fr); gap: 1rem; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .8rem; margin: 0; }
  @media (max-width: 40rem) {
    .camera-grid { grid-template-columns: 1fr; }
    th, td { padding: .3rem; font-size: .9rem; }
  }
`;

export function page(language: Language, title: string, body: string, script?: string): string {
  const scriptTag = script ? `<script src="/assets/${script}" defer></script>` : '';
  // The page's strings travel as data for its script: no text is written twice.
  const strings = JSON.stringify(catalogues[language]).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="${language === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/assets/style.css">
<script type="application/json" id="sb-strings">${strings}</script>
<script src="/assets/common.js" defer></script>
${scriptTag}
</head>
<body>
${body}
</body>
</html>`;
}

export const sections = ['overview', 'devices', 'cameras', 'queue', 'signage', 'logs', 'pairing'];

export const sectionPath = (section: string) => (section === 'overview' ? '/' : `/${section}`);

const other = (language: Language) => (language === 'en' ? 'zh' : 'en');

/** What a technician page is rendered for: its language, and whether Node-RED runs here. */
export interface PageView {
  language: Language;
  flows: boolean;
  /** False where the gateway runs no device on simulated hardware. Default true. */
  simulatedDevices?: boolean;
}

/** A technician page: the header with the sections, the language switch and log-out. */
export function technicianPage(view: PageView, section: string, main: string): string {
  const { language } = view;
  const t = translator(language);
  const links = sections
    .map((name) => {
      const current = name === section ? ' aria-current="page"' : '';
      return `<a href="${sectionPath(name)}?lang=${language}"${current}>${t(`nav.${name}`)}</a>`;
    })
    .join('');
  return page(
    language,
    t(`nav.${section}`),
    `
<header><strong>${t('title')}</strong>
  <nav>${links}${view.flows ? `<a href="/flows/">${t('nav.flows')}</a>` : ''}</nav>
  <span class="row"><a href="?lang=${other(language)}">${t('language')}</a>
  <form method="post" action="/logout" style="display:inline">
    <button type="submit">${t('logout')}</button></form></span></header>
<main>
${main}
</main>`,
    `${section}.js`,
  );
}
