import type { ScreenRegistration } from '../../protocol/index.ts';
import { escapeHtml } from './templates.ts';

/**
 * A screen's player page: a shell that pairs once, then plays what the gateway sends over
 * socket.io, from its own cache when the gateway is away. Scripts are files, never inline,
 * so the page runs under a strict content security policy.
 */
export function playerShell(screen: ScreenRegistration, branchName: string): string {
  const [width, height] = screen.resolution.split('x');
  return `<!doctype html>
<html lang="zh-Hans">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(branchName)} · ${escapeHtml(screen.name)}</title>
<link rel="stylesheet" href="/screens/static/player.css">
</head>
<body>
<main class="screen-player" data-screen="${escapeHtml(screen.id)}" data-role="${screen.role}"
  data-orientation="${screen.orientation}" data-width="${width}" data-height="${height}">
  <section class="pairing" hidden>
    <h1>${escapeHtml(branchName)} · ${escapeHtml(screen.name)}</h1>
    <form>
      <label>配对码 Pairing code <input name="code" inputmode="numeric" autocomplete="off"
        pattern="[0-9]{6}" maxlength="6" required></label>
      <button type="submit">Pair</button>
    </form>
    <p class="pairing-error" role="alert"></p>
  </section>
  <section class="board" hidden>
    <h2>正在办理 Now serving</h2>
    <ol class="serving"></ol>
    <p>等候 Waiting: <strong class="waiting">0</strong></p>
  </section>
  <section class="stage"></section>
</main>
<script src="/screens/static/socket.io.min.js"></script>
<script src="/screens/static/player.js"></script>
</body>
</html>`;
}

/** The player page's policy: its own scripts only; frames for web-page content. */
export const playerPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self' ws: wss:",
  'frame-src * data: blob:',
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
].join('; ');
