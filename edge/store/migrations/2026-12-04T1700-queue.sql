-- Every ticket ever issued; tickets are never deleted, so a number is never handed out twice.
CREATE TABLE queue_tickets (
  id TEXT PRIMARY KEY,
  service TEXT NOT NULL,
  day TEXT NOT NULL,
  seq INTEGER NOT NULL,
  number TEXT NOT NULL,
  segment TEXT,
  source TEXT NOT NULL,
  -- Class at issue (service priority plus segment boost) and the ageing step that raises it.
  priority INTEGER NOT NULL,
  ageing_step_ms INTEGER NOT NULL,
  state TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  called_at INTEGER,
  ended_at INTEGER,
  counter TEXT,
  recalls INTEGER NOT NULL DEFAULT 0,
  transferred_from TEXT,
  target_wait_ms INTEGER NOT NULL
);

CREATE INDEX queue_tickets_waiting ON queue_tickets (state, service);
CREATE INDEX queue_tickets_issued ON queue_tickets (issued_at);
CREATE INDEX queue_tickets_ended ON queue_tickets (ended_at);

-- The last number handed out per service and day: numbering continues after a restart.
CREATE TABLE queue_numbering (
  service TEXT NOT NULL,
  day TEXT NOT NULL,
  last_seq INTEGER NOT NULL,
  PRIMARY KEY (service, day)
) WITHOUT ROWID;

-- Each counter's state and the ticket it holds.
CREATE TABLE queue_counters (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  ticket_id TEXT REFERENCES queue_tickets (id)
);

-- Answers already given, so a repeated request (a double click, a QoS 1 redelivery) gets the
-- same answer and changes nothing. `scope` is 'issue' or the counter's id.
CREATE TABLE queue_requests (
  scope TEXT NOT NULL,
  request_id TEXT NOT NULL,
  ticket_id TEXT REFERENCES queue_tickets (id),
  at INTEGER NOT NULL,
  PRIMARY KEY (scope, request_id)
) WITHOUT ROWID;

-- Where the minute KPIs stop: every activity before `until` has been handed to the uplink.
CREATE TABLE queue_kpi_cursor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  until INTEGER NOT NULL
);
