CREATE TABLE "webhook_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"endpoint_id" uuid NOT NULL,
	"outbox_message_id" bigint,
	"kind" text NOT NULL,
	"event_id" uuid,
	"session_id" uuid,
	"registration_id" uuid,
	"event_snapshot" jsonb,
	"body" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_status" integer,
	"last_latency_ms" integer,
	"last_error" text,
	"response_prefix" text,
	"last_attempt_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"unit_id" uuid,
	"created_by" uuid,
	"url" text NOT NULL,
	"description" text,
	"kinds" text[] NOT NULL,
	"observance_ids" uuid[],
	"unit_ids" uuid[],
	"town_ids" uuid[],
	"allow_private_network" boolean DEFAULT false NOT NULL,
	"secret_sealed" text NOT NULL,
	"previous_secret_sealed" text,
	"previous_secret_expires_at" timestamp with time zone,
	"failing_since" timestamp with time zone,
	"last_error" text,
	"disabled_at" timestamp with time zone,
	"disabled_cause" text,
	"disabled_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_endpoints_kinds_check" CHECK (cardinality("webhook_endpoints"."kinds") > 0)
);
--> statement-breakpoint
ALTER TABLE "registrations" ADD COLUMN "transfer_consent_version" text;--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD COLUMN "ordering_key" text;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."webhook_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_outbox_message_id_outbox_messages_id_fk" FOREIGN KEY ("outbox_message_id") REFERENCES "public"."outbox_messages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_created_by_accounts_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_endpoint_idx" ON "webhook_deliveries" USING btree ("endpoint_id","created_at");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_outbox_idx" ON "webhook_deliveries" USING btree ("outbox_message_id");--> statement-breakpoint
CREATE INDEX "webhook_endpoints_unit_idx" ON "webhook_endpoints" USING btree ("unit_id");--> statement-breakpoint
CREATE INDEX "outbox_messages_ordering_idx" ON "outbox_messages" USING btree ("ordering_key","id") WHERE "outbox_messages"."ordering_key" is not null and "outbox_messages"."state" in ('planned', 'sending');--> statement-breakpoint
-- The one place that decides which endpoints hear of a change to an event: enabled, asking
-- for the kind, and the event public (published once, not back in draft) and passing the
-- endpoint's unit and filters. Plans one delivery per endpoint, with its outbox message, in
-- the caller's transaction; the same kind for the same object in one transaction is planned
-- once (a bulk edit of sessions is one event.changed), carrying the latest `p_event` snapshot.
-- Registration kinds carry a person's data: only a unit's own endpoints get them (never a
-- district-wide one), and the triggers below call this only for people who agreed.
-- Called by the API (webhooks/fan-out.ts, with the snapshot) and by the triggers below (none:
-- the channel renders at the attempt).
CREATE OR REPLACE FUNCTION webhook_fan_out(p_kind text, p_event_id uuid, p_session_id uuid, p_registration_id uuid, p_due timestamptz, p_event jsonb) RETURNS integer
  LANGUAGE sql VOLATILE AS $$
  WITH targets AS (
    SELECT gen_random_uuid() AS delivery_id, w.id AS endpoint_id,
      'webhook:' || w.id || ':' || p_kind || ':' || coalesce(p_registration_id, p_session_id, p_event_id) || ':' || txid_current() AS dedupe_key
    FROM webhook_endpoints w
    JOIN events e ON e.id = p_event_id
    LEFT JOIN venues v ON v.id = e.venue_id
    WHERE w.disabled_at IS NULL AND p_kind = ANY (w.kinds)
      AND (p_kind NOT LIKE 'registration.%' OR w.unit_id IS NOT NULL)
      AND e.published_at IS NOT NULL AND e.status IN ('published', 'cancelled')
      AND (w.unit_id IS NULL OR w.unit_id = e.owner_unit_id
        OR EXISTS (SELECT 1 FROM event_units eu WHERE eu.event_id = e.id AND eu.unit_id = w.unit_id))
      AND (w.observance_ids IS NULL OR e.observance_id = ANY (w.observance_ids))
      AND (w.unit_ids IS NULL OR e.owner_unit_id = ANY (w.unit_ids)
        OR EXISTS (SELECT 1 FROM event_units eu WHERE eu.event_id = e.id AND eu.unit_id = ANY (w.unit_ids)))
      AND (w.town_ids IS NULL OR v.town_id = ANY (w.town_ids))
  ), planned AS (
    INSERT INTO outbox_messages (kind, channel, payload, dedupe_key, due_at, event_id, ordering_key)
    SELECT p_kind, 'webhook', jsonb_build_object('deliveryId', t.delivery_id), t.dedupe_key,
      p_due, p_event_id, 'webhook:' || t.endpoint_id || ':' || p_event_id
    FROM targets t
    ON CONFLICT (dedupe_key) WHERE state <> 'cancelled' DO NOTHING
    RETURNING id, (payload ->> 'deliveryId')::uuid AS delivery_id
  ), delivered AS (
    INSERT INTO webhook_deliveries (id, endpoint_id, outbox_message_id, kind, event_id, session_id, registration_id, event_snapshot)
    SELECT p.delivery_id, t.endpoint_id, p.id, p_kind, p_event_id, p_session_id, p_registration_id, p_event
    FROM planned p JOIN targets t ON t.delivery_id = p.delivery_id
    RETURNING 1
  ), refreshed AS (
    -- Planned earlier in this transaction: it tells the event as it is now.
    UPDATE webhook_deliveries d SET event_snapshot = p_event
    FROM outbox_messages m JOIN targets t ON t.dedupe_key = m.dedupe_key
    WHERE p_event IS NOT NULL AND m.id = d.outbox_message_id AND m.state = 'planned'
      AND NOT EXISTS (SELECT 1 FROM planned p WHERE p.id = m.id)
    RETURNING 1
  )
  -- `refreshed` runs though unread: PostgreSQL runs every data-modifying WITH to completion.
  SELECT count(*)::int FROM delivered
$$;
--> statement-breakpoint
-- A session filling up or freeing seats again, whatever moved it (a sign-up, a cancellation,
-- a capacity change): only at that edge, so a seat taken elsewhere costs nothing here.
CREATE OR REPLACE FUNCTION sessions_webhook_availability() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM events e WHERE e.id = NEW.event_id AND e.registration_mode <> 'none') THEN
    PERFORM webhook_fan_out(CASE WHEN seat_availability_band(NEW.effective_capacity, NEW.seats_taken) = 2 THEN 'session.full' ELSE 'session.available' END,
      NEW.event_id, NEW.id, NULL, now(), NULL);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER sessions_webhook_availability AFTER UPDATE OF seats_taken, effective_capacity, capacity ON "sessions"
  FOR EACH ROW WHEN ((seat_availability_band(OLD.effective_capacity, OLD.seats_taken) = 2) IS DISTINCT FROM (seat_availability_band(NEW.effective_capacity, NEW.seats_taken) = 2)
    AND NEW.status = 'scheduled')
  EXECUTE FUNCTION sessions_webhook_availability();
--> statement-breakpoint
-- A person who agreed to the transfer signing up, or cancelling: told to the organizer's own
-- systems. The WHEN keeps everyone else's sign-up free of it.
CREATE OR REPLACE FUNCTION registrations_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM webhook_fan_out(CASE WHEN TG_OP = 'INSERT' THEN 'registration.created' ELSE 'registration.cancelled' END,
    NEW.event_id, NEW.session_id, NEW.id, now(), NULL);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER registrations_webhook_created AFTER INSERT ON "registrations"
  FOR EACH ROW WHEN (NEW.transfer_consent_version IS NOT NULL)
  EXECUTE FUNCTION registrations_webhook();
--> statement-breakpoint
CREATE TRIGGER registrations_webhook_cancelled AFTER UPDATE OF status ON "registrations"
  FOR EACH ROW WHEN (NEW.transfer_consent_version IS NOT NULL AND NEW.status = 'cancelled' AND OLD.status <> 'cancelled')
  EXECUTE FUNCTION registrations_webhook();
