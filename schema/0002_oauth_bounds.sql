-- Dockyard D1 schema, migration 2: bounds from the security review.
-- Append-only: never edit a shipped migration. See schema/STORAGE.md.

-- The CIMD negative cache: why the last fetch of a metadata document failed
-- (a message safe to show), until expires_at (a minute); NULL for documents
-- and DCR registrations.
ALTER TABLE oauth_clients ADD COLUMN failure TEXT;

