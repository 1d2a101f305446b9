-- Dockyard D1 schema, migration 2: bounds from the security review.
-- Append-only: never edit a shipped migration. See schema/STORAGE.md.

-- The CIMD negative cache: why the last fetch of a metadata document failed
-- (a message safe to show), until expires_at (a minute); NULL for documents
-- and DCR registrations.
ALTER TABLE oauth_clients ADD COLUMN failure TEXT;

-- A member's Authorized apps list is a keyset page on (created_at, grant_id).
CREATE INDEX grants_index_user_created ON grants_index(user_id, created_at);
DROP INDEX grants_index_user; -- a prefix of the index above
