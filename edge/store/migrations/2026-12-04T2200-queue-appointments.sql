-- Appointments booked through the API or imported from the bank's booking system. The
-- customer reference stays on the gateway: it is in no event, state or uplink record.
CREATE TABLE queue_appointments (
  id TEXT PRIMARY KEY,
  code TEXT NOT NULL,
  customer_ref TEXT NOT NULL,
  service TEXT NOT NULL,
  day TEXT NOT NULL,
  slot_start INTEGER NOT NULL,
  slot_end INTEGER NOT NULL,
  state TEXT NOT NULL,
  ticket_id TEXT REFERENCES queue_tickets (id),
  booked_at INTEGER NOT NULL,
  UNIQUE (day, code)
);

CREATE INDEX queue_appointments_slot ON queue_appointments (slot_start);

-- 1 for a ticket from an appointment checked in within its slot.
ALTER TABLE queue_tickets ADD COLUMN appointment INTEGER NOT NULL DEFAULT 0;
