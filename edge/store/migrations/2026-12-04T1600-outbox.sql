-- Records waiting for the cloud's pull: one sequence per stream, never reused.
CREATE TABLE outbox (
  stream TEXT NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  at INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (stream, seq)
) WITHOUT ROWID;

-- How far the cloud has confirmed each stream, and the last sequence handed out.
CREATE TABLE outbox_streams (
  stream TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL DEFAULT 0,
  confirmed_seq INTEGER NOT NULL DEFAULT 0
);
