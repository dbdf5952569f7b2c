-- Up Migration
-- The audit trail. Each row's hash covers the previous row's hash and the row itself (src/audit/audit.hash.ts),
-- so a changed, inserted or deleted row breaks the chain. Rows are only ever appended by the audit writer.
CREATE TABLE audit_events (
  id            bigserial      PRIMARY KEY,
  at            timestamptz(3) NOT NULL,
  type          text           NOT NULL,
  actor_tenant  text,
  actor_object  text,
  actor_app     text,
  outcome       text           NOT NULL,
  method        text,
  route         text,
  status        smallint,
  ip            text,
  user_agent    text,
  trace_id      text,
  details       jsonb          NOT NULL DEFAULT '{}'::jsonb,
  prev_hash     text           NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash          text           NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);

-- A tenant's events newest first (GET /v1/audit/events) and by time range (the report).
CREATE INDEX audit_events_tenant_id_idx ON audit_events (actor_tenant, id);
CREATE INDEX audit_events_tenant_at_idx ON audit_events (actor_tenant, at);

-- The newest link of the chain. Writers lock this one row (FOR UPDATE), so instances append one after another.
CREATE TABLE audit_chain_head (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_id    bigint,
  last_hash  text    NOT NULL CHECK (last_hash ~ '^[0-9a-f]{64}$')
);
INSERT INTO audit_chain_head (singleton, last_id, last_hash) VALUES (true, NULL, repeat('0', 64));

-- What retention purged: rows up to through_id are gone; the first remaining row chains from through_hash.
CREATE TABLE audit_checkpoints (
  id            bigserial      PRIMARY KEY,
  through_id    bigint         NOT NULL,
  through_hash  text           NOT NULL,
  purged_rows   bigint         NOT NULL,
  created_at    timestamptz(3) NOT NULL DEFAULT now()
);

-- Rows are never updated; one is deleted only when a checkpoint already covers it (retention).
CREATE FUNCTION audit_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_checkpoints WHERE through_id >= OLD.id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

-- A checkpoint must name a row that exists with that hash, past every earlier checkpoint.
CREATE FUNCTION audit_checkpoint_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.through_id AND hash = NEW.through_hash)
     OR EXISTS (SELECT 1 FROM audit_checkpoints WHERE through_id >= NEW.through_id) THEN
    RAISE EXCEPTION 'audit checkpoint must name an existing row past the last checkpoint'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;

-- The head only moves forward, onto a row that exists with that hash.
CREATE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (OLD.last_id IS NOT NULL AND NEW.last_id <= OLD.last_id)
     OR NOT EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.last_id AND hash = NEW.last_hash) THEN
    RAISE EXCEPTION 'audit chain head must move forward onto an existing row' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_guard();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_insert BEFORE INSERT ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_guard();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_chain_head_forward BEFORE UPDATE ON audit_chain_head
  FOR EACH ROW EXECUTE FUNCTION audit_head_guard();
CREATE TRIGGER audit_chain_head_fixed BEFORE INSERT OR DELETE ON audit_chain_head
  FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head
  FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Down Migration
DROP TABLE audit_checkpoints;
DROP TABLE audit_chain_head;
DROP TABLE audit_events;
DROP FUNCTION audit_head_guard();
DROP FUNCTION audit_checkpoint_guard();
DROP FUNCTION audit_refuse_change();
DROP FUNCTION audit_events_guard();
