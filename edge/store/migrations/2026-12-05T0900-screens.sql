-- Screens of the branch: from the config file or registered over REST and the bus.
CREATE TABLE screens (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  source TEXT NOT NULL
);

-- Paired players: the token is kept only as its sha256; revoking keeps the row for the record.
CREATE TABLE screen_players (
  id TEXT PRIMARY KEY,
  screen TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  paired_at INTEGER NOT NULL,
  revoked_at INTEGER,
  last_seen_at INTEGER,
  version TEXT,
  screen_size TEXT
);

-- Content, playlists, overrides and added theme packs, each a JSON body checked by its schema
-- on the way in and on the way out.
CREATE TABLE screen_content (id TEXT PRIMARY KEY, body TEXT NOT NULL, source TEXT NOT NULL);
CREATE TABLE screen_playlists (id TEXT PRIMARY KEY, body TEXT NOT NULL, source TEXT NOT NULL);
CREATE TABLE screen_overrides (id TEXT PRIMARY KEY, body TEXT NOT NULL, ends_at INTEGER NOT NULL);
CREATE TABLE screen_themes (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE screen_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- The on-disk asset cache: a row exists only for a file whose sha256 was verified and which
-- was renamed into place.
CREATE TABLE screen_assets (
  sha256 TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mime TEXT,
  added_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL
);

-- Proof of play, one row per play, until it is rolled up per screen, item and local hour.
CREATE TABLE screen_plays (
  player TEXT NOT NULL,
  play_id TEXT NOT NULL,
  screen TEXT NOT NULL,
  item TEXT NOT NULL,
  campaign TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL,
  completed INTEGER NOT NULL,
  viewers INTEGER NOT NULL,
  attention_seconds REAL NOT NULL,
  ages TEXT NOT NULL,
  hour INTEGER NOT NULL,
  rolled_up INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (player, play_id)
) WITHOUT ROWID;

CREATE INDEX screen_plays_pending ON screen_plays (rolled_up, hour);
CREATE INDEX screen_plays_screen_hour ON screen_plays (screen, hour);
