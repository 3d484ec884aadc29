ALTER TABLE "sessions" ADD COLUMN "waitlist_headcount" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "waitlist_peak" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The waiting list's headcount per session and its peak, moved by every change that puts a
-- registration on the list or takes it off, in that change's transaction. Sign-ups that go on
-- the list, and promotions, already hold the session's row lock (registrations/seats.ts), so
-- this adds no waiting of its own; confirmed sign-ups, the hot path, do not fire it at all.
CREATE OR REPLACE FUNCTION registrations_move_waitlist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'waitlisted' THEN
    UPDATE sessions SET waitlist_headcount = waitlist_headcount - OLD.headcount WHERE id = OLD.session_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'waitlisted' THEN
    UPDATE sessions SET waitlist_headcount = waitlist_headcount + NEW.headcount,
      waitlist_peak = greatest(waitlist_peak, waitlist_headcount + NEW.headcount) WHERE id = NEW.session_id;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER registrations_waitlist_insert AFTER INSERT ON "registrations"
  FOR EACH ROW WHEN (NEW.status = 'waitlisted') EXECUTE FUNCTION registrations_move_waitlist();
--> statement-breakpoint
CREATE TRIGGER registrations_waitlist_update AFTER UPDATE OF status, headcount, session_id ON "registrations"
  FOR EACH ROW WHEN (OLD.status = 'waitlisted' OR NEW.status = 'waitlisted') EXECUTE FUNCTION registrations_move_waitlist();
--> statement-breakpoint
CREATE TRIGGER registrations_waitlist_delete AFTER DELETE ON "registrations"
  FOR EACH ROW WHEN (OLD.status = 'waitlisted') EXECUTE FUNCTION registrations_move_waitlist();
--> statement-breakpoint
-- What is waiting now, and the peak replayed from the status history of the data already here.
WITH steps AS (
  SELECT h.session_id, h.changed_at, h.id,
    (CASE WHEN h.status = 'waitlisted' THEN h.headcount ELSE 0 END)
    - coalesce(lag(CASE WHEN h.status = 'waitlisted' THEN h.headcount ELSE 0 END) OVER (PARTITION BY h.registration_id ORDER BY h.id), 0) AS delta
  FROM registration_history h
), levels AS (
  SELECT session_id, sum(delta) OVER (PARTITION BY session_id ORDER BY changed_at, id) AS level FROM steps
), peaks AS (
  SELECT session_id, max(level)::int AS peak FROM levels GROUP BY session_id
)
UPDATE sessions s SET waitlist_peak = greatest(p.peak, 0) FROM peaks p WHERE p.session_id = s.id;
--> statement-breakpoint
UPDATE sessions s SET waitlist_headcount = w.headcount
FROM (SELECT session_id, sum(headcount)::int AS headcount FROM registrations WHERE status = 'waitlisted' GROUP BY session_id) w
WHERE w.session_id = s.id;
