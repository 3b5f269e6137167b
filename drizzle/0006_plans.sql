ALTER TABLE "run_events" ADD COLUMN "data" jsonb;--> statement-breakpoint
ALTER TABLE "run_events" ADD COLUMN "attempt" integer;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "plan" text DEFAULT 'canonical' NOT NULL;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "input" jsonb;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "output" jsonb;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "attempt" integer DEFAULT 1 NOT NULL;