ALTER TABLE "tombstones" ADD COLUMN "unit_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
ALTER TABLE "tombstones" ADD COLUMN "was_published" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- The one definition of a session's availability band (0 available, 1 few left, 2 none left),
-- read by the event document and by the trigger below.
CREATE OR REPLACE FUNCTION seat_availability_band(capacity integer, taken integer) RETURNS smallint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (CASE WHEN capacity IS NULL THEN 0
    WHEN capacity - taken <= 0 THEN 2
    WHEN capacity - taken <= greatest(5, capacity / 10) THEN 1
    ELSE 0 END)::smallint
$$;
--> statement-breakpoint
-- Bots that sync with updatedSince mirror the availability word, so a session that fills up,
-- runs low or frees seats marks its event changed. Only at a band's edge, not on every seat,
-- and SKIP LOCKED: whoever holds the event row is changing the event, which marks it anyway,
-- and waiting for them while holding this session's row could deadlock with an event change
-- that is waiting for the session (events_capacity_to_sessions).
CREATE OR REPLACE FUNCTION sessions_availability_touches_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE events SET updated_at = now()
    WHERE id = (SELECT e.id FROM events e WHERE e.id = NEW.event_id FOR NO KEY UPDATE SKIP LOCKED) AND updated_at < now();
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER sessions_availability_touches_event AFTER UPDATE OF seats_taken, effective_capacity ON "sessions"
  FOR EACH ROW WHEN (seat_availability_band(OLD.effective_capacity, OLD.seats_taken) IS DISTINCT FROM seat_availability_band(NEW.effective_capacity, NEW.seats_taken))
  EXECUTE FUNCTION sessions_availability_touches_event();
