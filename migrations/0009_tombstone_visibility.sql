ALTER TABLE "sessions" ADD COLUMN "availability_changed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tombstones" ADD COLUMN "unit_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL;--> statement-breakpoint
ALTER TABLE "tombstones" ADD COLUMN "was_published" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "sessions_availability_changed_idx" ON "sessions" USING btree ("availability_changed_at");--> statement-breakpoint
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
-- Bots that sync with updatedSince mirror the availability word: a session whose band moves
-- (filling up, running low, freeing seats) stamps itself, on its own row, which the sign-up
-- that moves it holds already. Only at a band's edge, not on every seat. Named to fire after
-- sessions_effective_capacity (triggers fire in name order), so it sees the new capacity.
CREATE OR REPLACE FUNCTION sessions_stamp_availability() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.availability_changed_at := now();
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER sessions_stamp_availability BEFORE UPDATE OF seats_taken, effective_capacity, capacity ON "sessions"
  FOR EACH ROW WHEN (seat_availability_band(OLD.effective_capacity, OLD.seats_taken) IS DISTINCT FROM seat_availability_band(NEW.effective_capacity, NEW.seats_taken))
  EXECUTE FUNCTION sessions_stamp_availability();
