-- Dockyard D1 schema, migration 5: the Authorized apps lifecycle
-- (src/oauth/grant_list.rs, src/store/grants.rs).
-- A grants_index row is written at consent, before the client redeemed its
-- code; it is "pending" until the redemption is mirrored here (redeemed_at),
-- so an authorization whose code was never redeemed never lists as active.
-- The listing also shows the redirect host the member consented to and the
-- refresh token's absolute expiry (grant creation + 30 days, for clients
-- registered for the refresh_token grant).

ALTER TABLE grants_index ADD COLUMN redeemed_at INTEGER;
ALTER TABLE grants_index ADD COLUMN redirect_host TEXT;
ALTER TABLE grants_index ADD COLUMN refresh_expires_at INTEGER;

-- Rows written before this migration: a use was mirrored only after a
-- redemption or a refresh, so a row with a last use was redeemed.
UPDATE grants_index SET redeemed_at = last_used_at WHERE last_used_at IS NOT NULL;

-- The bulk revocation and the project delete select by project.
CREATE INDEX grants_index_project ON grants_index(project_id, created_at);
