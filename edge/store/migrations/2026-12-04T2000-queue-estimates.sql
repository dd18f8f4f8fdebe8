-- The wait a ticket was promised at issue, so estimates can be checked against what happened.
ALTER TABLE queue_tickets ADD COLUMN estimated_wait_ms INTEGER;
