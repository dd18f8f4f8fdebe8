const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => escapes[char] ?? char);

export type PageKind = 'kiosk' | 'board';

/** Scripts are files, never inline, so the pages run under a strict content policy. */
export const pagePolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The shell of a kiosk or board page: a pairing form, shown until the page holds a token,
 * and the surface the page's script fills from the gateway in the chosen language.
 */
export function pageShell(
  kind: PageKind,
  screen: string,
  branchName: string,
  scripts: readonly string[] = [],
): string {
  const extra = scripts.map((script) => `<script src="${escapeHtml(script)}"></script>\n`);
  return `<!doctype html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(branchName)}</title>
<link rel="stylesheet" href="/queue/static/queue.css">
</head>
<body class="${kind}">
<main data-screen="${escapeHtml(screen)}" data-kind="${kind}">
  <header>
    <h1><span class="branch">${escapeHtml(branchName)}</span>
      <span data-text="${kind}.title"></span></h1>
    <button type="button" class="language" data-text="language.switch"></button>
  </header>
  <p class="offline" role="status" data-text="${kind}.offline" hidden></p>
  <section class="pairing" hidden>
    <h2 data-text="pair.title"></h2>
    <p data-text="pair.hint"></p>
    <form class="pair-form">
      <label><span data-text="pair.code"></span>
        <input name="code" inputmode="numeric" autocomplete="off" pattern="[0-9]{6}"
          maxlength="6" required></label>
      <button type="submit" data-text="pair.submit"></button>
    </form>
    <p class="pairing-error" role="alert"></p>
  </section>
  <section class="surface" hidden></section>
</main>
<script src="/queue/static/socket.io.min.js"></script>
${extra.join('')}<script src="/queue/static/common.js"></script>
<script src="/queue/static/${kind}.js"></script>
</body>
</html>`;
}
