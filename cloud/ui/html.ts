const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Every value that goes into a page passes through here; the templates hold no raw input. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (character) => entities[character] ?? character);
}

const style = `
  :root { font-family: system-ui, sans-serif; color: #1d2733; background: #f4f6f8; }
  body { margin: 0; padding: 1rem; max-width: 72rem; margin-inline: auto; }
  header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center;
    justify-content: space-between; margin-bottom: 1rem; }
  h1 { font-size: 1.4rem; margin: 0; }
  .grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); }
  .card { background: #fff; border-radius: .6rem; padding: 1rem; box-shadow: 0 1px 3px #0002; }
  .card h2 { font-size: 1.1rem; margin: 0 0 .25rem; }
  dl { display: grid; grid-template-columns: 1fr auto; gap: .25rem .75rem; margin: .5rem 0 0; }
  dt { color: #5a6673; } dd { margin: 0; font-weight: 600; text-align: right; }
  .online { color: #0a7a32; } .offline { color: #b3261e; }
  .synthetic { background: #ffe08a; color: #5c4500; padding: 0 .35rem; border-radius: .25rem; }
  form.login { background: #fff; padding: 1.5rem; border-radius: .6rem; max-width: 22rem; }
  label { display: block; margin: .5rem 0 .25rem; }
  input { width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem; }
  button { margin-top: 1rem; padding: .6rem 1.2rem; font-size: 1rem; }
  .error { color: #b3261e; } .note { color: #5a6673; font-size: .85rem; }
`;

/** The frame of every HQ page: phone-sized viewport, one stylesheet, scripts only by link. */
export function pageFrame(options: {
  language: string;
  title: string;
  body: string;
  refreshSeconds?: number;
  /** Stylesheet and script links, already escaped. */
  head?: string;
}) {
  const refresh = options.refreshSeconds
    ? `<meta http-equiv="refresh" content="${options.refreshSeconds}">`
    : '';
  return `<!doctype html>
<html lang="${escapeHtml(options.language === 'zh' ? 'zh-CN' : 'en')}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${refresh}
<title>${escapeHtml(options.title)}</title>
<style>${style}</style>
${options.head ?? ''}
</head>
<body>
${options.body}
</body>
</html>`;
}

/**
 * The header of every signed-in HQ page: its title, the sections, the language switch back to
 * this page, who is signed in and the sign-out button. `t` is the page's translator.
 */
export function hqHeader(options: {
  language: string;
  user: { username: string; role: string };
  /** The page's own path, which the language switch links to. */
  path: string;
  title: string;
  t: (key: string, values?: Record<string, string | number>) => string;
}): string {
  const { t, user } = options;
  const other = options.language === 'en' ? 'zh' : 'en';
  const sections = [
    ['/', 'nav.branches'],
    ['/insights', 'nav.insights'],
    ['/campaigns', 'nav.campaigns'],
    ['/releases', 'nav.releases'],
  ]
    .map(([href, key]) => `<a href="${href}">${escapeHtml(t(key as string))}</a>`)
    .join('\n  ');
  const switchTo = escapeHtml(`${options.path}?lang=${other}`);
  return `<header>
  <h1>${escapeHtml(options.title)}</h1>
  <nav>${sections}
  <a href="${switchTo}" hreflang="${other}">${escapeHtml(t('language.switch'))}</a></nav>
  <span>${escapeHtml(t('user.signedInAs', { username: user.username, role: user.role }))}</span>
  ${signOutForm(t('user.logout'))}
</header>`;
}

/** The sign-out button every signed-in page carries in its header; a plain form, no script. */
export function signOutForm(label: string): string {
  return `<form method="post" action="/api/logout">
    <button type="submit">${escapeHtml(label)}</button>
  </form>`;
}
