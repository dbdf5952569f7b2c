-- Up Migration
-- The head guard runs at commit instead of on the UPDATE itself, so a batch's insert and the head's advance can be
-- one statement (a data-modifying WITH: the UPDATE does not see the rows its own statement inserts). It still
-- refuses a head that moves back or onto a row that does not exist with that hash: the commit fails instead.
DROP TRIGGER audit_chain_head_forward ON audit_chain_head;
CREATE CONSTRAINT TRIGGER audit_chain_head_forward AFTER UPDATE ON audit_chain_head
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_head_guard();

-- Down Migration
DROP TRIGGER audit_chain_head_forward ON audit_chain_head;
CREATE TRIGGER audit_chain_head_forward BEFORE UPDATE ON audit_chain_head
  FOR EACH ROW EXECUTE FUNCTION audit_head_guard();
