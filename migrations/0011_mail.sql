DROP INDEX "outbox_messages_dedupe_idx";--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "reminder_offsets_minutes" integer[] DEFAULT '{1440,120}'::integer[] NOT NULL;--> statement-breakpoint
ALTER TABLE "registrations" ADD COLUMN "manage_link_version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_messages_dedupe_idx" ON "outbox_messages" USING btree ("dedupe_key") WHERE "outbox_messages"."state" <> 'cancelled';--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_reminder_offsets_check" CHECK (cardinality("events"."reminder_offsets_minutes") <= 5 and 5 <= all("events"."reminder_offsets_minutes") and 20160 >= all("events"."reminder_offsets_minutes"));