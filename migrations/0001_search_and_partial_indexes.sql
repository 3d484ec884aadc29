-- Hand-written: what drizzle-kit does not express.
-- Trigram search matches Chinese titles (substring search; English full-text would not).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "events_title_zh_trgm_idx" ON "events" USING gin ("title_zh" gin_trgm_ops);
--> statement-breakpoint
-- Only live sessions take part in the venue clash check and in listings by date.
CREATE INDEX IF NOT EXISTS "sessions_live_starts_idx" ON "sessions" ("starts_at", "ends_at") WHERE "status" = 'scheduled';
--> statement-breakpoint
-- Public listings read published events only.
CREATE INDEX IF NOT EXISTS "events_published_start_idx" ON "events" ("first_start_at", "id") WHERE "status" = 'published';
