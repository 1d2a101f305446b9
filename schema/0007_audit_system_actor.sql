-- Dockyard D1 schema, migration 7: management actions may be made by the
-- system (`via = 'system'`, actor `system`): the grants the cron trigger's
-- membership sync revokes after a member removal whose hub push had failed
-- (`grant.revoke_sync`, src/studio/access_sync.rs). SQLite cannot change a
-- CHECK constraint in place, so the table is rebuilt with its rows, its
-- `seq` values (the webhook cursors point at them) and its indexes.

CREATE TABLE audit_actions_v7 (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  id          TEXT NOT NULL UNIQUE,                   -- act_<hex>
  org_id      TEXT,                                   -- NULL: account-level (API tokens)
  org         TEXT,                                   -- slug
  at          INTEGER NOT NULL,
  actor_id    TEXT NOT NULL,                          -- 'system' when via = 'system'
  actor_email TEXT NOT NULL,
  via         TEXT NOT NULL CHECK (via IN ('session', 'token', 'signup', 'system')),
  action      TEXT NOT NULL,
  target      TEXT NOT NULL,
  details     TEXT NOT NULL                           -- JSON, redacted
);
INSERT INTO audit_actions_v7 (seq, id, org_id, org, at, actor_id, actor_email, via, action, target, details)
  SELECT seq, id, org_id, org, at, actor_id, actor_email, via, action, target, details FROM audit_actions;
DROP TABLE audit_actions;
ALTER TABLE audit_actions_v7 RENAME TO audit_actions;
CREATE INDEX audit_actions_org_at ON audit_actions(org_id, at DESC, id DESC);
CREATE INDEX audit_actions_actor_at ON audit_actions(actor_id, at DESC, id DESC);
CREATE INDEX audit_actions_org_seq ON audit_actions(org_id, seq);
