-- Rendered metadata documents shared by every replica (packages/server/src/registry/stored-documents.ts):
-- at 100,000 packages most cold reads loaded ten version rows from ten pages and rendered them;
-- a stored document is one row, gzipped (0.6 to 1 kB for the scale bench's packages, inline in its page).
-- Derived data: a row is served only while its revision is the package's, and any replica writes
-- it again after a change. No foreign key (see db/schema.ts packageDocuments).
CREATE TABLE "package_documents" (
	"package_id" integer NOT NULL,
	"kind" text NOT NULL,
	"revision" integer NOT NULL,
	"made_for" text NOT NULL,
	"etag" text NOT NULL,
	"gzip" "bytea" NOT NULL,
	CONSTRAINT "package_documents_package_id_kind_pk" PRIMARY KEY("package_id","kind")
);
