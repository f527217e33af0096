CREATE TABLE "version_approvals" (
	"id" serial PRIMARY KEY NOT NULL,
	"version_id" integer NOT NULL,
	"approver_id" integer,
	"approver_name" text NOT NULL,
	"decision" text NOT NULL,
	"reason" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "version_approvals_one_per_approver" UNIQUE("version_id","approver_id"),
	CONSTRAINT "version_approvals_decision_known" CHECK ("version_approvals"."decision" in ('approve', 'reject'))
);
--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "required_approvals" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "packages" ADD COLUMN "required_approvals" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "status" text DEFAULT 'live' NOT NULL;--> statement-breakpoint
ALTER TABLE "version_approvals" ADD CONSTRAINT "version_approvals_version_id_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "version_approvals" ADD CONSTRAINT "version_approvals_approver_id_users_id_fk" FOREIGN KEY ("approver_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orgs" ADD CONSTRAINT "orgs_required_approvals_range" CHECK ("orgs"."required_approvals" between 0 and 10);--> statement-breakpoint
ALTER TABLE "packages" ADD CONSTRAINT "packages_required_approvals_range" CHECK ("packages"."required_approvals" between 0 and 10);--> statement-breakpoint
ALTER TABLE "versions" ADD CONSTRAINT "versions_status_known" CHECK ("versions"."status" in ('live', 'staged', 'rejected'));