CREATE TABLE "run_events" (
	"run_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"ts" bigint NOT NULL,
	"type" text NOT NULL,
	"v" smallint DEFAULT 1 NOT NULL,
	"source" text NOT NULL,
	"name" text,
	"fn" text,
	"status" text,
	"reason" text,
	CONSTRAINT "run_events_run_id_seq_pk" PRIMARY KEY("run_id","seq")
);
--> statement-breakpoint
CREATE TABLE "run_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"app_path" text NOT NULL,
	"step_delay_ms" integer NOT NULL,
	"last_seq" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	"cancel_requested_at" timestamp (3) with time zone,
	"lease_owner" text,
	"lease_expires_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "run_events" ADD CONSTRAINT "run_events_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "run_outbox" ADD CONSTRAINT "run_outbox_event_fk" FOREIGN KEY ("run_id","seq") REFERENCES "public"."run_events"("run_id","seq") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "run_events_one_finish_per_run" ON "run_events" USING btree ("run_id") WHERE "run_events"."type" = 'RunFinished';--> statement-breakpoint
CREATE INDEX "run_outbox_unpublished_idx" ON "run_outbox" USING btree ("id") WHERE "run_outbox"."published_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "run_outbox_run_id_seq_key" ON "run_outbox" USING btree ("run_id","seq");--> statement-breakpoint
CREATE INDEX "runs_created_at_id_idx" ON "runs" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "runs_queued_idx" ON "runs" USING btree ("created_at") WHERE "runs"."status" = 'queued';--> statement-breakpoint
CREATE INDEX "runs_running_lease_idx" ON "runs" USING btree ("lease_expires_at") WHERE "runs"."status" = 'running';