// Screens: which are online and what they play, an override, the theme.
const { t, api, el, row, fill, set, problem } = window.sb;

async function refresh() {
  const [screens, plays] = await Promise.all([
    api('/screens/api/screens'),
    api('/screens/api/plays'),
  ]);
  if (!screens.ok) return;
  // The latest reported play of each screen: what it shows now, or showed last.
  const playing = {};
  for (const play of plays.ok ? plays.body : []) {
    if (!playing[play.screen] || playing[play.screen].startedAt < play.startedAt)
      playing[play.screen] = play;
  }
  fill(
    'screens',
    screens.body.map((screen) =>
      row(
        `${screen.name} (${screen.id})`,
        screen.role,
        t(screen.online ? 'signage.yes' : 'signage.no'),
        String(screen.players),
        playing[screen.id]?.item ?? '–',
      ),
    ),
  );
}

async function themes() {
  const answer = await api('/screens/api/themes');
  if (!answer.ok) return;
  fill(
    'themes',
    answer.body.map((theme) => {
      const option = el('option', { value: theme.id }, theme.name);
      option.selected = theme.current;
      return option;
    }),
  );
}

document.querySelector('[data-form="override"]').addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(event.target);
  const screens = String(data.get('screens'))
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const body = {
    id: `ui-${Date.now()}`,
    title: data.get('title'),
    minutes: Number(data.get('minutes')),
    ...(data.get('text') ? { text: data.get('text') } : {}),
    ...(screens.length ? { screens } : {}),
  };
  const answer = await api('/screens/api/overrides', { method: 'POST', body });
  set('message', answer.ok ? t('signage.sent') : problem(answer));
});
document.querySelector('[data-form="theme"]').addEventListener('submit', async (event) => {
  event.preventDefault();
  const theme = new FormData(event.target).get('theme');
  const answer = await api('/screens/api/theme', { method: 'PUT', body: { theme } });
  set('message', answer.ok ? t('signage.themeSet') : problem(answer));
});

refresh();
themes();
setInterval(refresh, 3000);
