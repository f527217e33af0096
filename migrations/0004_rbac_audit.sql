CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text,
	"token_id" text,
	"ip" text,
	"action" text NOT NULL,
	"target" text,
	"org" text,
	"outcome" text NOT NULL,
	"status" integer NOT NULL,
	"detail" jsonb
);
--> statement-breakpoint
CREATE TABLE "grants" (
	"id" serial PRIMARY KEY NOT NULL,
	"package_id" integer,
	"org_id" integer,
	"user_id" integer,
	"team_id" integer,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "grants_target_grantee_unique" UNIQUE NULLS NOT DISTINCT("package_id","org_id","user_id","team_id"),
	CONSTRAINT "grants_one_target" CHECK (("grants"."package_id" is null) <> ("grants"."org_id" is null)),
	CONSTRAINT "grants_one_grantee" CHECK (("grants"."user_id" is null) <> ("grants"."team_id" is null))
);
--> statement-breakpoint
CREATE TABLE "org_members" (
	"org_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "org_members_org_id_user_id_pk" PRIMARY KEY("org_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "orgs" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"default_visibility" text DEFAULT 'public' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "orgs_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "team_members" (
	"team_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	CONSTRAINT "team_members_team_id_user_id_pk" PRIMARY KEY("team_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" serial PRIMARY KEY NOT NULL,
	"org_id" integer NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "teams_org_name_unique" UNIQUE("org_id","name")
);
--> statement-breakpoint
ALTER TABLE "packages" ADD COLUMN "visibility" text;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "actions" jsonb;--> statement-breakpoint
-- Hand-added: the core's token roles become their action presets (see @unjucks/core access.ts).
UPDATE "tokens" SET "actions" = CASE "role"
  WHEN 'admin' THEN '["read","publish:new","publish:update","tags","deprecate","unpublish","owners","tokens","admin"]'::jsonb
  WHEN 'publisher' THEN '["read","publish:new","publish:update","tags","deprecate","unpublish","owners","tokens"]'::jsonb
  ELSE '["read"]'::jsonb END;--> statement-breakpoint
ALTER TABLE "tokens" ALTER COLUMN "actions" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "packages" jsonb;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "cidr" jsonb;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "created_by" integer;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "last_used_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tokens" ADD COLUMN "last_used_ip" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "password_hash" text;--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_members" ADD CONSTRAINT "org_members_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_members" ADD CONSTRAINT "org_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "team_members" ADD CONSTRAINT "team_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_org_idx" ON "audit_log" USING btree ("org","id");--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("actor","id");--> statement-breakpoint
CREATE INDEX "grants_user_idx" ON "grants" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "grants_team_idx" ON "grants" USING btree ("team_id");--> statement-breakpoint
CREATE INDEX "org_members_user_idx" ON "org_members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "team_members_user_idx" ON "team_members" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "tokens" ADD CONSTRAINT "tokens_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tokens_user_idx" ON "tokens" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "tokens" DROP COLUMN "role";;--> statement-breakpoint
-- Hand-added: who created a package under the core's rule becomes its owner; each scope in use
-- becomes an org owned by the users who created packages in it.
INSERT INTO "grants" ("package_id", "user_id", "role")
  SELECT "id", "created_by", 'owner' FROM "packages" WHERE "created_by" IS NOT NULL AND "name" NOT LIKE '@%';--> statement-breakpoint
INSERT INTO "orgs" ("name")
  SELECT DISTINCT split_part(substr("name", 2), '/', 1) FROM "packages" WHERE "name" LIKE '@%' ON CONFLICT DO NOTHING;--> statement-breakpoint
INSERT INTO "org_members" ("org_id", "user_id", "role")
  SELECT DISTINCT o."id", p."created_by", 'owner' FROM "packages" p JOIN "orgs" o ON o."name" = split_part(substr(p."name", 2), '/', 1)
  WHERE p."created_by" IS NOT NULL ON CONFLICT DO NOTHING;--> statement-breakpoint
-- Hand-added: the audit log is append-only.
CREATE FUNCTION "audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: records cannot be changed or deleted';
END
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_no_change" BEFORE UPDATE OR DELETE ON "audit_log" FOR EACH ROW EXECUTE FUNCTION "audit_log_append_only"();--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "audit_log" FOR EACH STATEMENT EXECUTE FUNCTION "audit_log_append_only"();
