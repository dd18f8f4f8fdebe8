-- Every announcement made, as shown and spoken: what a branch can show it said, and when.
CREATE TABLE queue_announcements (
  ticket_id TEXT NOT NULL REFERENCES queue_tickets (id),
  at INTEGER NOT NULL,
  lang TEXT NOT NULL,
  text TEXT NOT NULL
);

CREATE INDEX queue_announcements_ticket ON queue_announcements (ticket_id, at);
