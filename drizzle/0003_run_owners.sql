CREATE TABLE "server_settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
DROP INDEX "runs_created_at_id_idx";--> statement-breakpoint
-- Runs created before access control existed belong to no session or token: owner "legacy".
ALTER TABLE "runs" ADD COLUMN "owner_id" text NOT NULL DEFAULT 'legacy';--> statement-breakpoint
ALTER TABLE "runs" ALTER COLUMN "owner_id" DROP DEFAULT;--> statement-breakpoint
CREATE INDEX "runs_owner_created_at_id_idx" ON "runs" USING btree ("owner_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "runs_owner_active_idx" ON "runs" USING btree ("owner_id") WHERE "runs"."status" in ('queued', 'running');