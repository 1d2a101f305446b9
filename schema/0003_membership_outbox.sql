-- Dockyard D1 schema, migration 3: membership sync (src/studio/access_sync.rs).
-- D1 is the truth about memberships; every project hub holds a copy that the
-- MCP hot path checks. Each membership change bumps the org's version and
-- leaves a row in the outbox in the same batch; the row goes once every hub
-- of the org holds that version. The cron trigger retries what is left.

-- Bumped by every change of the org's memberships or custom roles.
ALTER TABLE orgs ADD COLUMN membership_version INTEGER NOT NULL DEFAULT 0;

-- One row per org whose hubs may still be behind D1.
CREATE TABLE membership_outbox (
  org_id          TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
  version         INTEGER NOT NULL,            -- the orgs.membership_version every hub must reach
  created_at      INTEGER NOT NULL,            -- when the oldest unsynced change was written
  attempts        INTEGER NOT NULL DEFAULT 0,  -- failed pushes since then
  last_attempt_at INTEGER,
  last_error      TEXT                         -- for operators; never shown to API callers
);
