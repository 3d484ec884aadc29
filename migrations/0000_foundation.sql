CREATE TABLE "audiences" (
	"slug" text PRIMARY KEY NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text NOT NULL,
	"position" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "towns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "towns_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "units" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"kind" text NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text NOT NULL,
	"town_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "units_slug_unique" UNIQUE("slug"),
	CONSTRAINT "units_kind_check" CHECK ("units"."kind" in ('bureau', 'association', 'town')),
	CONSTRAINT "units_town_kind_check" CHECK (("units"."kind" = 'town') = ("units"."town_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "venues" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"kind" text NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text,
	"address_zh" text,
	"address_en" text,
	"town_id" uuid,
	"capacity" integer,
	"latitude" double precision,
	"longitude" double precision,
	"accessibility_zh" text,
	"accessibility_en" text,
	"is_online" boolean DEFAULT false NOT NULL,
	"allows_shared_use" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "venues_slug_unique" UNIQUE("slug"),
	CONSTRAINT "venues_capacity_check" CHECK ("venues"."capacity" is null or "venues"."capacity" >= 0),
	CONSTRAINT "venues_coordinates_check" CHECK (("venues"."latitude" is null) = ("venues"."longitude" is null))
);
--> statement-breakpoint
CREATE TABLE "observance_overrides" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"observance_id" uuid NOT NULL,
	"year" integer NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date NOT NULL,
	"note_zh" text,
	"note_en" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "observance_overrides_range_check" CHECK ("observance_overrides"."start_date" <= "observance_overrides"."end_date")
);
--> statement-breakpoint
CREATE TABLE "observance_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"observance_id" uuid NOT NULL,
	"valid_from_year" integer,
	"valid_to_year" integer,
	"rule" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "observance_rules_years_check" CHECK ("observance_rules"."valid_from_year" is null or "observance_rules"."valid_to_year" is null or "observance_rules"."valid_from_year" <= "observance_rules"."valid_to_year")
);
--> statement-breakpoint
CREATE TABLE "observances" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"kind" text NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text NOT NULL,
	"description_zh" text,
	"description_en" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "observances_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "campaign_sections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"title_zh" text NOT NULL,
	"title_en" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaign_task_units" (
	"task_id" uuid NOT NULL,
	"unit_id" uuid NOT NULL,
	CONSTRAINT "campaign_task_units_task_id_unit_id_pk" PRIMARY KEY("task_id","unit_id")
);
--> statement-breakpoint
CREATE TABLE "campaign_tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"section_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"title_zh" text NOT NULL,
	"title_en" text,
	"description_zh" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"year" integer NOT NULL,
	"title_zh" text NOT NULL,
	"title_en" text,
	"description_zh" text,
	"description_en" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaigns_slug_unique" UNIQUE("slug"),
	CONSTRAINT "campaigns_year_check" CHECK ("campaigns"."year" between 2000 and 2200)
);
--> statement-breakpoint
CREATE TABLE "event_audiences" (
	"event_id" uuid NOT NULL,
	"audience_slug" text NOT NULL,
	CONSTRAINT "event_audiences_event_id_audience_slug_pk" PRIMARY KEY("event_id","audience_slug")
);
--> statement-breakpoint
CREATE TABLE "event_units" (
	"event_id" uuid NOT NULL,
	"unit_id" uuid NOT NULL,
	CONSTRAINT "event_units_event_id_unit_id_pk" PRIMARY KEY("event_id","unit_id")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title_zh" text NOT NULL,
	"title_en" text,
	"description_zh" text,
	"description_en" text,
	"type" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"owner_unit_id" uuid NOT NULL,
	"observance_id" uuid,
	"task_id" uuid,
	"venue_id" uuid,
	"timezone" text NOT NULL,
	"registration_mode" text DEFAULT 'none' NOT NULL,
	"registration_opens_at" timestamp with time zone,
	"registration_closes_at" timestamp with time zone,
	"capacity" integer,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"sequence" integer DEFAULT 0 NOT NULL,
	"first_start_at" timestamp with time zone,
	"last_end_at" timestamp with time zone,
	"published_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_type_check" CHECK ("events"."type" in ('lecture','exhibition','open_day','workshop','study_tour','science_fair','competition','training','volunteer_service','screening','other')),
	CONSTRAINT "events_status_check" CHECK ("events"."status" in ('draft','published','cancelled')),
	CONSTRAINT "events_registration_mode_check" CHECK ("events"."registration_mode" in ('none','individual','class','both')),
	CONSTRAINT "events_capacity_check" CHECK ("events"."capacity" is null or "events"."capacity" >= 0),
	CONSTRAINT "events_window_check" CHECK ("events"."registration_opens_at" is null or "events"."registration_closes_at" is null or "events"."registration_opens_at" < "events"."registration_closes_at")
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"event_id" uuid NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"capacity" integer,
	"stream_url" text,
	"status" text DEFAULT 'scheduled' NOT NULL,
	"sequence" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sessions_time_check" CHECK ("sessions"."starts_at" < "sessions"."ends_at"),
	CONSTRAINT "sessions_status_check" CHECK ("sessions"."status" in ('scheduled','cancelled')),
	CONSTRAINT "sessions_capacity_check" CHECK ("sessions"."capacity" is null or "sessions"."capacity" >= 0)
);
--> statement-breakpoint
CREATE TABLE "tombstones" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"object_id" uuid NOT NULL,
	"parent_id" uuid,
	"deleted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_town_id_towns_id_fk" FOREIGN KEY ("town_id") REFERENCES "public"."towns"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "venues" ADD CONSTRAINT "venues_town_id_towns_id_fk" FOREIGN KEY ("town_id") REFERENCES "public"."towns"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "observance_overrides" ADD CONSTRAINT "observance_overrides_observance_id_observances_id_fk" FOREIGN KEY ("observance_id") REFERENCES "public"."observances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "observance_rules" ADD CONSTRAINT "observance_rules_observance_id_observances_id_fk" FOREIGN KEY ("observance_id") REFERENCES "public"."observances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_sections" ADD CONSTRAINT "campaign_sections_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_task_units" ADD CONSTRAINT "campaign_task_units_task_id_campaign_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."campaign_tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_task_units" ADD CONSTRAINT "campaign_task_units_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaign_tasks" ADD CONSTRAINT "campaign_tasks_section_id_campaign_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."campaign_sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_audiences" ADD CONSTRAINT "event_audiences_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_audiences" ADD CONSTRAINT "event_audiences_audience_slug_audiences_slug_fk" FOREIGN KEY ("audience_slug") REFERENCES "public"."audiences"("slug") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_units" ADD CONSTRAINT "event_units_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_units" ADD CONSTRAINT "event_units_unit_id_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."units"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_owner_unit_id_units_id_fk" FOREIGN KEY ("owner_unit_id") REFERENCES "public"."units"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_observance_id_observances_id_fk" FOREIGN KEY ("observance_id") REFERENCES "public"."observances"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_task_id_campaign_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."campaign_tasks"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_venue_id_venues_id_fk" FOREIGN KEY ("venue_id") REFERENCES "public"."venues"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "venues_town_idx" ON "venues" USING btree ("town_id");--> statement-breakpoint
CREATE UNIQUE INDEX "observance_overrides_year_uq" ON "observance_overrides" USING btree ("observance_id","year");--> statement-breakpoint
CREATE INDEX "observance_rules_observance_idx" ON "observance_rules" USING btree ("observance_id");--> statement-breakpoint
CREATE INDEX "campaign_sections_campaign_idx" ON "campaign_sections" USING btree ("campaign_id","position");--> statement-breakpoint
CREATE INDEX "campaign_task_units_unit_idx" ON "campaign_task_units" USING btree ("unit_id");--> statement-breakpoint
CREATE INDEX "campaign_tasks_section_idx" ON "campaign_tasks" USING btree ("section_id","position");--> statement-breakpoint
CREATE INDEX "event_audiences_audience_idx" ON "event_audiences" USING btree ("audience_slug");--> statement-breakpoint
CREATE INDEX "event_units_unit_idx" ON "event_units" USING btree ("unit_id");--> statement-breakpoint
CREATE INDEX "events_status_start_idx" ON "events" USING btree ("status","first_start_at","id");--> statement-breakpoint
CREATE INDEX "events_owner_idx" ON "events" USING btree ("owner_unit_id");--> statement-breakpoint
CREATE INDEX "events_observance_idx" ON "events" USING btree ("observance_id");--> statement-breakpoint
CREATE INDEX "events_task_idx" ON "events" USING btree ("task_id");--> statement-breakpoint
CREATE INDEX "events_venue_idx" ON "events" USING btree ("venue_id");--> statement-breakpoint
CREATE INDEX "events_updated_idx" ON "events" USING btree ("updated_at");--> statement-breakpoint
CREATE INDEX "sessions_event_idx" ON "sessions" USING btree ("event_id","starts_at");--> statement-breakpoint
CREATE INDEX "sessions_starts_idx" ON "sessions" USING btree ("starts_at");--> statement-breakpoint
CREATE INDEX "tombstones_deleted_idx" ON "tombstones" USING btree ("deleted_at");--> statement-breakpoint
CREATE INDEX "tombstones_object_idx" ON "tombstones" USING btree ("object_id");