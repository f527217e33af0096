-- Qualifier-only searches (scope:, keyword:, maintainer:, generator:) have no words for the tsv
-- index to narrow, so the postgres engine read every search document for them: 15-55 ms at
-- 10,000 packages, the slowest searches of bench/search.mjs. The engine tests arrays with @>,
-- which these GIN indexes serve.
CREATE INDEX IF NOT EXISTS "search_documents_scope_idx" ON "search_documents" ("scope");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "search_documents_keywords_idx" ON "search_documents" USING gin ("keywords");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "search_documents_maintainers_idx" ON "search_documents" USING gin ("maintainers");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "search_documents_generators_idx" ON "search_documents" USING gin ("generators");
