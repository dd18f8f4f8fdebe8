import { ModuleName } from '../../protocol/index.ts';
import type { GatewayHealth } from '../fleet/index.ts';
import type { User } from '../users/index.ts';
import { hqHeader, escapeHtml as html, pageFrame } from './html.ts';
import { catalogues, type Language, type Translate, translator } from './i18n.ts';
import { ago } from './pages.ts';

export const gatewayAssetsPath = '/gateways/assets';

/** The modules HQ can restart on a gateway, as the command's schema lists them. */
const restartable = [...ModuleName.options, 'uplink'] as const;

// The panel's forms stack on a phone; the log keeps its long lines inside its own box.
const style = `<style>
  nav { display: flex; flex-wrap: wrap; gap: .75rem; }
  .panel { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr));
    margin-top: 1rem; }
  .panel form { background: #fff; border-radius: .6rem; padding: 1rem; box-shadow: 0 1px 3px #0002;
    min-width: 0; }
  .panel h3 { margin: 0 0 .5rem; font-size: 1rem; }
  select, textarea { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
  textarea { font-family: ui-monospace, monospace; min-height: 12rem; }
  .wide { grid-column: 1 / -1; }
  ul.cameras, ul.commands { list-style: none; padding: 0; margin: .25rem 0 0; }
  ul.commands li { background: #fff; border-radius: .4rem; padding: .5rem; margin: .4rem 0;
    overflow-wrap: anywhere; }
  .good { color: #0a7a32; } .bad { color: #b3261e; } .busy { color: #8a5a00; }
  pre.logs { max-height: 20rem; overflow: auto; background: #1d2733; color: #e8eef4;
    padding: .5rem; border-radius: .4rem; white-space: pre-wrap; overflow-wrap: anywhere;
    font-size: .8rem; margin: .5rem 0 0; }
  #health dl { grid-template-columns: minmax(6rem, 2fr) 3fr; }
  dd { overflow-wrap: anywhere; }
</style>`;

interface PageContext {
  language: Language;
  user: User;
  path: string;
}

function stateName(t: Translate, state: string) {
  const tone = state === 'online' ? 'good' : state === 'offline' ? 'bad' : 'busy';
  return `<span class="${tone}" data-state="${html(state)}">${html(t(`device.${state}`))}</span>`;
}

function cameraList(t: Translate, cameras: NonNullable<GatewayHealth['cameras']>) {
  if (!cameras.length) return html(t('gateway.noCameras'));

  const items = cameras.map(
    (camera) =>
      `<li data-camera="${html(camera.id)}">${html(camera.id)}: ${stateName(t, camera.state)}${
        camera.reason ? ` <span class="note">${html(camera.reason)}</span>` : ''
      }</li>`,
  );
  return `<ul class="cameras">${items.join('')}</ul>`;
}

/**
 * The health rows; `full` adds what only the admin's `/api/fleet/gateways` gives (versions,
 * device and camera states), the rest is what every HQ reader sees of the branch on `/`.
 */
function healthList(health: GatewayHealth, now: number, t: Translate, full: boolean) {
  const figure = (value: number | string | null) => html(value ?? '–');
  const modules = health.modules;
  const running = modules?.running.map((module) => t(`module.${module}`)).join(', ');
  const unavailable = modules?.unavailable
    .map((item) => `${t(`module.${item.module}`)}: ${item.reason}`)
    .join('; ');
  const devices =
    health.devicesTotal === null
      ? '–'
      : t('gateway.devicesOnline', {
          online: health.devicesOnline ?? 0,
          total: health.devicesTotal,
        });
  const source = html(t(`source.${health.cameraSource ?? 'none'}`));
  const rows: Array<[string, string, boolean]> = [
    ['field.lastSeen', html(ago(health.lastSeenAt, now, t)), true],
    ['gateway.version', figure(health.version), full],
    ['gateway.settingsVersion', figure(modules?.version ?? null), full],
    ['field.backlog', figure(health.backlog), true],
    ['gateway.devices', html(devices), full],
    ['field.screensOnline', figure(health.screensOnline), true],
    ['field.cameraSource', source, true],
    ['gateway.cameras', health.cameras ? cameraList(t, health.cameras) : '–', full],
    ['gateway.modulesRunning', html(running || '–'), true],
    ['gateway.modulesUnavailable', html(unavailable || '–'), full && Boolean(unavailable)],
  ];
  return rows
    .filter(([, , shown]) => shown)
    .map(([key, value]) => `<dt data-field="${key}">${html(t(key))}</dt><dd>${value}</dd>`)
    .join('');
}

function commandsPanel(t: Translate, health: GatewayHealth) {
  const running = new Set<string>(health.modules?.running ?? []);
  const modules = restartable
    .filter((module) => module === 'uplink' || running.has(module) || !health.modules)
    .map((module) => `<option value="${module}">${html(t(`module.${module}`))}</option>`)
    .join('');
  const error = (field: string) => `<p class="error" data-error-for="${field}" role="alert"></p>`;
  const button = (label: string) => `<button type="submit">${html(t(label))}</button>`;
  return `<h2>${html(t('gateway.commands'))}</h2>
<div class="panel">
<form data-command="restart-module">
  <h3>${html(t('command.restart-module'))}</h3>
  <label for="module">${html(t('gateway.module'))}</label>
  <select id="module" name="module">${modules}</select>
  ${error('module')}${button('gateway.restart')}
</form>
<form data-command="reload-config">
  <h3>${html(t('command.reload-config'))}</h3>
  <p class="note">${html(t('gateway.reloadNote'))}</p>
  ${error('(body)')}${button('gateway.reload')}
</form>
<form data-command="set-theme">
  <h3>${html(t('command.set-theme'))}</h3>
  <label for="theme">${html(t('gateway.theme'))}</label>
  <input id="theme" name="theme" required maxlength="64">
  ${error('theme')}${button('gateway.setTheme')}
</form>
<form data-command="fetch-logs">
  <h3>${html(t('command.fetch-logs'))}</h3>
  <label for="minutes">${html(t('gateway.minutes'))}</label>
  <input id="minutes" name="minutes" type="number" min="1" max="1440" value="10" required>
  ${error('minutes')}${button('gateway.fetchLogs')}
  <pre class="logs" id="logs" tabindex="0" hidden></pre>
</form>
<form data-command="push-profile" class="wide">
  <h3>${html(t('command.push-profile'))}</h3>
  <label for="profile">${html(t('gateway.profile'))}</label>
  <textarea id="profile" name="profile" spellcheck="false" required></textarea>
  <p class="note">${html(t('gateway.profileNote'))}</p>
  ${error('profile')}${button('gateway.pushProfile')}
</form>
</div>
<h2>${html(t('gateway.sent'))}</h2>
<ul class="commands" id="commands" aria-live="polite"></ul>`;
}

/** The strings the page's script shows, so every word stays in the catalogue. */
function scriptData(language: Language, gateway: string) {
  const strings = Object.fromEntries(
    Object.entries(catalogues[language]).filter(([key]) =>
      /^(command\.|gateway\.|module\.)/.test(key),
    ),
  );
  const json = JSON.stringify({ gateway, strings }).replace(/</g, '\\u003c');
  return `<script type="application/json" id="page-data">${json}</script>`;
}

/**
 * One gateway's page: its health for every HQ reader, and for an admin the remote commands
 * with each one's state and answer as the API follows it.
 */
export function gatewayPage(
  options: PageContext & { health: GatewayHealth; branchName: string; now: number },
) {
  const { language, health, now } = options;
  const t = translator(language);
  const isAdmin = options.user.role === 'admin';
  const state = health.online ? 'online' : 'offline';
  const title = t('gateway.title', { gateway: health.gateway });
  const body = `
${hqHeader({ ...options, title: t('title'), t })}
<h2>${html(title)}</h2>
<p><a href="/">${html(options.branchName)}</a></p>
<section class="card" id="health" data-gateway="${html(health.gateway)}">
  <div class="${state}" data-state="${state}">● ${html(t(`status.${state}`))}</div>
  <p class="note">${html(t('gateway.offlineRule'))}</p>
  <dl>${healthList(health, now, t, isAdmin)}</dl>
</section>
${isAdmin ? commandsPanel(t, health) : `<p class="note" id="read-only">${html(t('gateway.readOnly'))}</p>`}
${scriptData(language, health.gateway)}
<script type="module" src="${gatewayAssetsPath}/gateway.js"></script>`;
  return pageFrame({ language, title, body, head: style });
}
