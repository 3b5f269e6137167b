ALTER TABLE "runs" ADD COLUMN "request_key" text;--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "request_fingerprint" text;--> statement-breakpoint
CREATE UNIQUE INDEX "runs_owner_request_key_key" ON "runs" USING btree ("owner_id","request_key") WHERE "runs"."request_key" is not null;--> statement-breakpoint
CREATE INDEX "runs_finished_at_idx" ON "runs" USING btree ("finished_at") WHERE "runs"."finished_at" is not null;