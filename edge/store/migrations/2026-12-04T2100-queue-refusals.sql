-- A refused request is remembered too, so its repeat gets the same refusal: a call-next that
-- found the queue empty must not call a ticket when a redelivery of it arrives later.
ALTER TABLE queue_requests ADD COLUMN error TEXT;
