-- Trigram matching for names and typos; PGlite loads the extension at open (db/database.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE TABLE "search_documents" (
	"package_id" integer PRIMARY KEY NOT NULL,
	"revision" integer NOT NULL,
	"name" text NOT NULL,
	"scope" text,
	"private" boolean NOT NULL,
	"deprecated" boolean NOT NULL,
	"quality" integer NOT NULL,
	"downloads" integer DEFAULT 0 NOT NULL,
	"keywords" text[] NOT NULL,
	"maintainers" text[] NOT NULL,
	"capabilities" text[] NOT NULL,
	"generators" text[] NOT NULL,
	"name_words" text NOT NULL,
	"doc" jsonb NOT NULL,
	"tsv" "tsvector" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "search_terms" (
	"term" text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
ALTER TABLE "search_documents" ADD CONSTRAINT "search_documents_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "search_documents_tsv_idx" ON "search_documents" USING gin ("tsv");
--> statement-breakpoint
CREATE INDEX "search_documents_name_trgm_idx" ON "search_documents" USING gin ("name_words" gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX "search_terms_trgm_idx" ON "search_terms" USING gin ("term" gin_trgm_ops);
