-- The per-session tally of 0014 runs on every registration's insert and change. As a SQL
-- function it was parsed and planned again at each call (PostgreSQL 15 keeps no plan for a
-- SQL function across statements); in PL/pgSQL each connection plans its UPDATE once. Same
-- arithmetic, same name and signature, so the trigger function is unchanged.
CREATE OR REPLACE FUNCTION registrations_session_tally(p_sign integer, p_session uuid, p_status text, p_kind text, p_source text, p_headcount integer, p_checked_in integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE sessions SET
    waitlist_headcount = waitlist_headcount + p_sign * (CASE WHEN p_status = 'waitlisted' THEN p_headcount ELSE 0 END),
    waitlist_peak = greatest(waitlist_peak, waitlist_headcount + p_sign * (CASE WHEN p_status = 'waitlisted' THEN p_headcount ELSE 0 END)),
    seated_individual = seated_individual + p_sign * (CASE WHEN p_status IN ('confirmed', 'attended') AND p_kind = 'individual' THEN 1 ELSE 0 END),
    seated_class = seated_class + p_sign * (CASE WHEN p_status IN ('confirmed', 'attended') AND p_kind = 'class' THEN 1 ELSE 0 END),
    checked_in_headcount = checked_in_headcount + p_sign * (CASE WHEN p_status = 'attended' THEN coalesce(p_checked_in, 0) ELSE 0 END),
    attended_booked_headcount = attended_booked_headcount + p_sign * (CASE WHEN p_status = 'attended' AND p_source <> 'walk_in' THEN p_headcount ELSE 0 END),
    cancelled_count = cancelled_count + p_sign * (CASE WHEN p_status = 'cancelled' THEN 1 ELSE 0 END)
  WHERE id = p_session;
END;
$$;
