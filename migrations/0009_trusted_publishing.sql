CREATE TABLE "oidc_used_jtis" (
	"issuer" text NOT NULL,
	"jti" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "oidc_used_jtis_issuer_jti_pk" PRIMARY KEY("issuer","jti")
);
--> statement-breakpoint
CREATE TABLE "trusted_publishers" (
	"id" serial PRIMARY KEY NOT NULL,
	"package_id" integer NOT NULL,
	"issuer" text NOT NULL,
	"repository" text NOT NULL,
	"repository_owner_id" text NOT NULL,
	"workflow" text NOT NULL,
	"environment" text,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "trusted_publisher_id" integer;--> statement-breakpoint
ALTER TABLE "trusted_publishers" ADD CONSTRAINT "trusted_publishers_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trusted_publishers" ADD CONSTRAINT "trusted_publishers_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "oidc_used_jtis_expires_idx" ON "oidc_used_jtis" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "trusted_publishers_package_idx" ON "trusted_publishers" USING btree ("package_id");--> statement-breakpoint
CREATE INDEX "trusted_publishers_match_idx" ON "trusted_publishers" USING btree ("issuer","repository_owner_id");--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_trusted_publisher_id_trusted_publishers_id_fk" FOREIGN KEY ("trusted_publisher_id") REFERENCES "public"."trusted_publishers"("id") ON DELETE cascade ON UPDATE no action;