-- Up Migration
-- Multipart uploads in progress, their expiry, and the last S3 event applied to each document's object.
ALTER TABLE documents
  ADD COLUMN upload_id         text,
  ADD COLUMN upload_expires_at timestamptz(3),
  ADD COLUMN event_sequencer   text CHECK (event_sequencer ~ '^[0-9A-F]{1,64}$');

-- `removed`: the object was deleted behind the API's back (an ObjectRemoved event of an available document).
ALTER TABLE documents DROP CONSTRAINT documents_status_check;
ALTER TABLE documents ADD CONSTRAINT documents_status_check CHECK (status IN ('pending', 'available', 'removed'));

-- The sweeper's scan of multipart uploads whose part URLs have expired.
CREATE INDEX documents_upload_expiry_idx ON documents (upload_expires_at) WHERE upload_id IS NOT NULL;

-- Down Migration
DROP INDEX documents_upload_expiry_idx;
UPDATE documents SET status = 'pending' WHERE status = 'removed';
ALTER TABLE documents DROP CONSTRAINT documents_status_check;
ALTER TABLE documents ADD CONSTRAINT documents_status_check CHECK (status IN ('pending', 'available'));
ALTER TABLE documents DROP COLUMN event_sequencer, DROP COLUMN upload_expires_at, DROP COLUMN upload_id;
