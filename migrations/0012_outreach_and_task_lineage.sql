ALTER TABLE "campaign_tasks" ADD COLUMN "copied_from_task_id" uuid;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "science_workers" integer;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "volunteers" integer;--> statement-breakpoint
ALTER TABLE "campaign_tasks" ADD CONSTRAINT "campaign_tasks_copied_from_task_id_campaign_tasks_id_fk" FOREIGN KEY ("copied_from_task_id") REFERENCES "public"."campaign_tasks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_outreach_check" CHECK (("events"."science_workers" is null or "events"."science_workers" between 0 and 1000000) and ("events"."volunteers" is null or "events"."volunteers" between 0 and 1000000));