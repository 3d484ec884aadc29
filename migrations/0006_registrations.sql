CREATE TABLE "event_questions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"kind" text NOT NULL,
	"label_zh" text NOT NULL,
	"label_en" text,
	"options" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"required" boolean DEFAULT false NOT NULL,
	"hidden" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "event_questions_kind_check" CHECK ("event_questions"."kind" in ('text', 'choice', 'choices', 'yes_no'))
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"key_hash" text PRIMARY KEY NOT NULL,
	"request_hash" text NOT NULL,
	"registration_id" uuid,
	"status_code" integer,
	"response" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "registration_answers" (
	"registration_id" uuid NOT NULL,
	"question_id" uuid NOT NULL,
	"value" jsonb NOT NULL,
	CONSTRAINT "registration_answers_registration_id_question_id_pk" PRIMARY KEY("registration_id","question_id")
);
--> statement-breakpoint
CREATE TABLE "registration_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"registration_id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"status" text NOT NULL,
	"headcount" integer NOT NULL,
	"reason" text NOT NULL,
	"actor_account_id" uuid,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "registrations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"seq" bigserial NOT NULL,
	"event_id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"source" text DEFAULT 'online' NOT NULL,
	"headcount" integer NOT NULL,
	"language" text DEFAULT 'zh' NOT NULL,
	"contact_name" text,
	"phone" text,
	"email" text,
	"school" text,
	"grade_class" text,
	"consent_version" text NOT NULL,
	"manage_token_hash" text NOT NULL,
	"check_in_code" text NOT NULL,
	"checked_in_headcount" integer,
	"checked_in_at" timestamp with time zone,
	"status_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"anonymized_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "registrations_kind_check" CHECK ("registrations"."kind" in ('individual', 'class')),
	CONSTRAINT "registrations_status_check" CHECK ("registrations"."status" in ('confirmed', 'waitlisted', 'cancelled', 'attended')),
	CONSTRAINT "registrations_source_check" CHECK ("registrations"."source" in ('online', 'assisted', 'walk_in')),
	CONSTRAINT "registrations_language_check" CHECK ("registrations"."language" in ('zh', 'en')),
	CONSTRAINT "registrations_headcount_check" CHECK ("registrations"."headcount" between 1 and 100000),
	CONSTRAINT "registrations_checked_in_check" CHECK ("registrations"."checked_in_headcount" is null or "registrations"."checked_in_headcount" between 0 and "registrations"."headcount")
);
--> statement-breakpoint
CREATE TABLE "session_attendance" (
	"session_id" uuid NOT NULL,
	"audience_slug" text NOT NULL,
	"headcount" integer NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "session_attendance_session_id_audience_slug_pk" PRIMARY KEY("session_id","audience_slug"),
	CONSTRAINT "session_attendance_headcount_check" CHECK ("session_attendance"."headcount" >= 0)
);
--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "party_size_limit" integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "waitlist_enabled" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "promotion_cutoff_minutes" integer DEFAULT 120 NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "effective_capacity" integer;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "seats_taken" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "event_questions" ADD CONSTRAINT "event_questions_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registration_answers" ADD CONSTRAINT "registration_answers_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registration_answers" ADD CONSTRAINT "registration_answers_question_id_event_questions_id_fk" FOREIGN KEY ("question_id") REFERENCES "public"."event_questions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registration_history" ADD CONSTRAINT "registration_history_registration_id_registrations_id_fk" FOREIGN KEY ("registration_id") REFERENCES "public"."registrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registration_history" ADD CONSTRAINT "registration_history_actor_account_id_accounts_id_fk" FOREIGN KEY ("actor_account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "registrations" ADD CONSTRAINT "registrations_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_attendance" ADD CONSTRAINT "session_attendance_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_attendance" ADD CONSTRAINT "session_attendance_audience_slug_audiences_slug_fk" FOREIGN KEY ("audience_slug") REFERENCES "public"."audiences"("slug") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "event_questions_event_idx" ON "event_questions" USING btree ("event_id","position");--> statement-breakpoint
CREATE INDEX "idempotency_keys_created_idx" ON "idempotency_keys" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "registration_answers_question_idx" ON "registration_answers" USING btree ("question_id");--> statement-breakpoint
CREATE INDEX "registration_history_registration_idx" ON "registration_history" USING btree ("registration_id","id");--> statement-breakpoint
CREATE INDEX "registration_history_session_idx" ON "registration_history" USING btree ("session_id","changed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "registrations_seq_uq" ON "registrations" USING btree ("seq");--> statement-breakpoint
CREATE UNIQUE INDEX "registrations_manage_token_uq" ON "registrations" USING btree ("manage_token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "registrations_check_in_code_uq" ON "registrations" USING btree ("event_id","check_in_code");--> statement-breakpoint
CREATE UNIQUE INDEX "registrations_phone_uq" ON "registrations" USING btree ("session_id","phone") WHERE "registrations"."kind" = 'individual' and "registrations"."status" <> 'cancelled' and "registrations"."phone" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "registrations_email_uq" ON "registrations" USING btree ("session_id","email") WHERE "registrations"."kind" = 'individual' and "registrations"."status" <> 'cancelled' and "registrations"."email" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "registrations_class_uq" ON "registrations" USING btree ("session_id","school","grade_class") WHERE "registrations"."kind" = 'class' and "registrations"."status" <> 'cancelled' and "registrations"."school" is not null;--> statement-breakpoint
CREATE INDEX "registrations_queue_idx" ON "registrations" USING btree ("session_id","status","seq");--> statement-breakpoint
CREATE INDEX "registrations_event_idx" ON "registrations" USING btree ("event_id","seq");--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_party_size_limit_check" CHECK ("events"."party_size_limit" between 1 and 100);--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_promotion_cutoff_check" CHECK ("events"."promotion_cutoff_minutes" between 0 and 10080);--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_seats_check" CHECK ("sessions"."seats_taken" >= 0 and ("sessions"."effective_capacity" is null or "sessions"."seats_taken" <= "sessions"."effective_capacity"));--> statement-breakpoint
-- Hand-written: a session's effective capacity (its own, else its event's, else its venue's)
-- is kept on the session row, so the seat check and the sessions_seats_check constraint read
-- one row, and a capacity change locks the rows a concurrent sign-up competes for. A change
-- of an event's or venue's capacity applies to sessions not yet over: past sessions keep the
-- capacity they were held with (and a venue can shrink below what it once hosted).
CREATE OR REPLACE FUNCTION sessions_effective_capacity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.effective_capacity := coalesce(NEW.capacity,
    (SELECT coalesce(e.capacity, v.capacity) FROM events e LEFT JOIN venues v ON v.id = e.venue_id WHERE e.id = NEW.event_id));
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER sessions_effective_capacity BEFORE INSERT OR UPDATE OF capacity, event_id ON "sessions"
  FOR EACH ROW EXECUTE FUNCTION sessions_effective_capacity();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION events_capacity_to_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE sessions SET effective_capacity = coalesce(NEW.capacity, (SELECT v.capacity FROM venues v WHERE v.id = NEW.venue_id))
    WHERE event_id = NEW.id AND capacity IS NULL AND ends_at > now();
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER events_capacity_to_sessions AFTER UPDATE OF capacity, venue_id ON "events"
  FOR EACH ROW WHEN (OLD.capacity IS DISTINCT FROM NEW.capacity OR OLD.venue_id IS DISTINCT FROM NEW.venue_id)
  EXECUTE FUNCTION events_capacity_to_sessions();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION venues_capacity_to_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE sessions s SET effective_capacity = NEW.capacity FROM events e
    WHERE s.event_id = e.id AND e.venue_id = NEW.id AND e.capacity IS NULL AND s.capacity IS NULL AND s.ends_at > now();
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER venues_capacity_to_sessions AFTER UPDATE OF capacity ON "venues"
  FOR EACH ROW WHEN (OLD.capacity IS DISTINCT FROM NEW.capacity)
  EXECUTE FUNCTION venues_capacity_to_sessions();
--> statement-breakpoint
UPDATE sessions s SET effective_capacity = coalesce(s.capacity, e.capacity, v.capacity)
  FROM events e LEFT JOIN venues v ON v.id = e.venue_id WHERE e.id = s.event_id;
