// Pairing codes for kiosks, boards and players, and the paired pages with their revoke button.
const { t, api, el, row, fill, time } = window.sb;

async function revoke(player) {
  await api(`/screens/api/players/${encodeURIComponent(player)}`, { method: 'DELETE' });
  refresh();
}

async function refresh() {
  const [codes, players] = await Promise.all([
    api('/screens/api/pairing-codes'),
    api('/screens/api/players'),
  ]);
  if (codes.ok) {
    fill(
      'codes',
      codes.body.map((entry) =>
        row(
          entry.screen,
          el('strong', { 'data-code': entry.screen }, entry.code),
          time(entry.expiresAt),
        ),
      ),
    );
  }
  if (players.ok) {
    fill(
      'players',
      players.body.map((player) =>
        row(
          player.id,
          player.screen,
          time(player.pairedAt),
          time(player.lastSeenAt),
          player.revokedAt
            ? t('pairing.revoked')
            : el(
                'button',
                { type: 'button', 'data-revoke': player.id, onclick: () => revoke(player.id) },
                t('pairing.revoke'),
              ),
        ),
      ),
    );
  }
}

refresh();
setInterval(refresh, 5000);
