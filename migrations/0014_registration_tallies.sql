ALTER TABLE "sessions" ADD COLUMN "seated_individual" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "seated_class" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "checked_in_headcount" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "attended_booked_headcount" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "cancelled_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The no-shows of the year's report: registrations never checked in, confirmed or cancelled,
-- read per session from the index alone (the columns the report needs are included).
CREATE INDEX "registrations_unchecked_idx" ON "registrations" USING btree ("session_id") INCLUDE ("status", "status_changed_at", "headcount", "id")
  WHERE "registrations"."checked_in_at" is null and "registrations"."status" in ('confirmed', 'cancelled');--> statement-breakpoint
-- One trigger keeps every per-session tally of registrations (the waiting list of 0013 too)
-- in the change's transaction, as the change of (tally of the new row) − (tally of the old).
-- The year's report then reads sessions instead of every registration. A sign-up already
-- updates its session's row for the seat it takes, under that row's lock, so the tally's
-- update adds a second write to a row the transaction holds, not a new wait.
DROP TRIGGER IF EXISTS registrations_waitlist_insert ON "registrations";
--> statement-breakpoint
DROP TRIGGER IF EXISTS registrations_waitlist_update ON "registrations";
--> statement-breakpoint
DROP TRIGGER IF EXISTS registrations_waitlist_delete ON "registrations";
--> statement-breakpoint
DROP FUNCTION IF EXISTS registrations_move_waitlist();
--> statement-breakpoint
-- Parameters are prefixed: in a SQL function a column of the same name (sessions.status) would win.
CREATE OR REPLACE FUNCTION registrations_session_tally(p_sign integer, p_session uuid, p_status text, p_kind text, p_source text, p_headcount integer, p_checked_in integer)
RETURNS void LANGUAGE sql AS $$
  UPDATE sessions SET
    waitlist_headcount = waitlist_headcount + p_sign * (CASE WHEN p_status = 'waitlisted' THEN p_headcount ELSE 0 END),
    waitlist_peak = greatest(waitlist_peak, waitlist_headcount + p_sign * (CASE WHEN p_status = 'waitlisted' THEN p_headcount ELSE 0 END)),
    seated_individual = seated_individual + p_sign * (CASE WHEN p_status IN ('confirmed', 'attended') AND p_kind = 'individual' THEN 1 ELSE 0 END),
    seated_class = seated_class + p_sign * (CASE WHEN p_status IN ('confirmed', 'attended') AND p_kind = 'class' THEN 1 ELSE 0 END),
    checked_in_headcount = checked_in_headcount + p_sign * (CASE WHEN p_status = 'attended' THEN coalesce(p_checked_in, 0) ELSE 0 END),
    attended_booked_headcount = attended_booked_headcount + p_sign * (CASE WHEN p_status = 'attended' AND p_source <> 'walk_in' THEN p_headcount ELSE 0 END),
    cancelled_count = cancelled_count + p_sign * (CASE WHEN p_status = 'cancelled' THEN 1 ELSE 0 END)
  WHERE id = p_session;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION registrations_move_tallies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM registrations_session_tally(-1, OLD.session_id, OLD.status, OLD.kind, OLD.source, OLD.headcount, OLD.checked_in_headcount);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM registrations_session_tally(1, NEW.session_id, NEW.status, NEW.kind, NEW.source, NEW.headcount, NEW.checked_in_headcount);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER registrations_tallies_insert AFTER INSERT ON "registrations"
  FOR EACH ROW EXECUTE FUNCTION registrations_move_tallies();
--> statement-breakpoint
CREATE TRIGGER registrations_tallies_update AFTER UPDATE OF status, headcount, kind, source, session_id, checked_in_headcount ON "registrations"
  FOR EACH ROW WHEN ((OLD.status, OLD.headcount, OLD.kind, OLD.source, OLD.session_id, OLD.checked_in_headcount)
    IS DISTINCT FROM (NEW.status, NEW.headcount, NEW.kind, NEW.source, NEW.session_id, NEW.checked_in_headcount))
  EXECUTE FUNCTION registrations_move_tallies();
--> statement-breakpoint
CREATE TRIGGER registrations_tallies_delete AFTER DELETE ON "registrations"
  FOR EACH ROW EXECUTE FUNCTION registrations_move_tallies();
--> statement-breakpoint
UPDATE sessions s SET
  seated_individual = t.seated_individual, seated_class = t.seated_class, checked_in_headcount = t.checked_in_headcount,
  attended_booked_headcount = t.attended_booked_headcount, cancelled_count = t.cancelled_count
FROM (
  SELECT session_id,
    count(*) FILTER (WHERE status IN ('confirmed', 'attended') AND kind = 'individual')::int AS seated_individual,
    count(*) FILTER (WHERE status IN ('confirmed', 'attended') AND kind = 'class')::int AS seated_class,
    coalesce(sum(checked_in_headcount) FILTER (WHERE status = 'attended'), 0)::int AS checked_in_headcount,
    coalesce(sum(headcount) FILTER (WHERE status = 'attended' AND source <> 'walk_in'), 0)::int AS attended_booked_headcount,
    count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled_count
  FROM registrations GROUP BY session_id
) t
WHERE t.session_id = s.id;
