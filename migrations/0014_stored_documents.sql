-- Rendered metadata documents shared by every replica (packages/server/src/registry/stored-documents.ts):
-- at 100,000 packages most cold reads loaded ten version rows from ten pages and rendered them;
-- a stored document is one row. Derived data: a row is served only while its revision is the
-- package's, and any replica writes it again after a change.
CREATE TABLE "package_documents" (
	"package_id" integer NOT NULL,
	"kind" text NOT NULL,
	"revision" integer NOT NULL,
	"made_for" text NOT NULL,
	"etag" text NOT NULL,
	"body" text NOT NULL,
	CONSTRAINT "package_documents_package_id_kind_pk" PRIMARY KEY("package_id","kind")
);
--> statement-breakpoint
ALTER TABLE "package_documents" ADD CONSTRAINT "package_documents_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;