-- Every replica caches token rows, rights and package snapshots and drops them when told on the
-- change channel (packages/server/src/cache/). These triggers make the telling part of every write
-- to the tables those caches read, in the writer's transaction, whichever code path wrote.
CREATE OR REPLACE FUNCTION unjucks_notify_access() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('unjucks_registry_changes', '{"access":true}');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION unjucks_notify_token() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('unjucks_registry_changes', json_build_object('token', OLD.jti)::text);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION unjucks_notify_package() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The same text as touchPackage sends, so Postgres folds the two into one notification.
  PERFORM pg_notify('unjucks_registry_changes', format('{"package":%s}', OLD.id));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION unjucks_notify_grant() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  pkg integer := CASE TG_OP WHEN 'DELETE' THEN OLD.package_id ELSE NEW.package_id END;
BEGIN
  -- A grant on one package changes rights on that package only (a new package's owner grant among
  -- them): its package notice is enough. A grant on a whole scope may change anything.
  IF pkg IS NOT NULL AND (TG_OP <> 'UPDATE' OR OLD.package_id IS NOT DISTINCT FROM NEW.package_id) THEN
    PERFORM pg_notify('unjucks_registry_changes', format('{"package":%s}', pkg));
  ELSE
    PERFORM pg_notify('unjucks_registry_changes', '{"access":true}');
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER org_members_notify AFTER INSERT OR UPDATE OR DELETE ON org_members FOR EACH STATEMENT EXECUTE FUNCTION unjucks_notify_access();
--> statement-breakpoint
CREATE TRIGGER teams_notify AFTER INSERT OR UPDATE OR DELETE ON teams FOR EACH STATEMENT EXECUTE FUNCTION unjucks_notify_access();
--> statement-breakpoint
CREATE TRIGGER team_members_notify AFTER INSERT OR UPDATE OR DELETE ON team_members FOR EACH STATEMENT EXECUTE FUNCTION unjucks_notify_access();
--> statement-breakpoint
CREATE TRIGGER grants_notify AFTER INSERT OR UPDATE OR DELETE ON grants FOR EACH ROW EXECUTE FUNCTION unjucks_notify_grant();
--> statement-breakpoint
CREATE TRIGGER orgs_notify AFTER INSERT OR UPDATE OR DELETE ON orgs FOR EACH STATEMENT EXECUTE FUNCTION unjucks_notify_access();
--> statement-breakpoint
CREATE TRIGGER users_notify AFTER UPDATE OF name, is_admin OR DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION unjucks_notify_access();
--> statement-breakpoint
CREATE TRIGGER tokens_notify AFTER UPDATE OF user_id, actions, packages, cidr, expires_at, revoked_at OR DELETE ON tokens FOR EACH ROW EXECUTE FUNCTION unjucks_notify_token();
--> statement-breakpoint
CREATE TRIGGER packages_notify AFTER UPDATE OF name, visibility OR DELETE ON packages FOR EACH ROW EXECUTE FUNCTION unjucks_notify_package();
