ALTER TABLE "packages" ADD COLUMN "canonical_name" text;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "report" jsonb;--> statement-breakpoint
CREATE INDEX "packages_canonical_name_idx" ON "packages" USING btree ("canonical_name");--> statement-breakpoint
UPDATE "packages" SET "canonical_name" = regexp_replace(lower("name"), '[._-]', '', 'g');
