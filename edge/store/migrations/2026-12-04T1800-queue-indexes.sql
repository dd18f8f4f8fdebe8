-- Tickets are kept for good, so the state's daily totals and each service's recent service
-- times must not scan the whole history.
CREATE INDEX queue_tickets_day ON queue_tickets (day, state);
CREATE INDEX queue_tickets_recent ON queue_tickets (service, state, ended_at);
