-- Up Migration
CREATE TABLE documents (
  tenant_id        uuid        NOT NULL,
  id               uuid        NOT NULL,
  owner_object_id  text        NOT NULL,
  name             text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255),
  content_type     text        NOT NULL CHECK (char_length(content_type) BETWEEN 3 AND 255),
  size_bytes       bigint      NOT NULL CHECK (size_bytes >= 0),
  sha256           text,
  status           text        NOT NULL CHECK (status IN ('pending', 'available')),
  object_key       text        NOT NULL,
  created_at       timestamptz(3) NOT NULL DEFAULT now(),  -- ms, as the cursor carries it
  updated_at       timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

-- Keyset pagination of one tenant's documents, newest first.
CREATE INDEX documents_tenant_created_idx ON documents (tenant_id, created_at DESC, id DESC);

-- Down Migration
DROP TABLE documents;
