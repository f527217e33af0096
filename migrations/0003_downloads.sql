CREATE TABLE "downloads" (
	"package_id" integer NOT NULL,
	"day" date NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "downloads_package_id_day_pk" PRIMARY KEY("package_id","day")
);
--> statement-breakpoint
ALTER TABLE "downloads" ADD CONSTRAINT "downloads_package_id_packages_id_fk" FOREIGN KEY ("package_id") REFERENCES "public"."packages"("id") ON DELETE cascade ON UPDATE no action;