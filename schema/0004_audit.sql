-- Dockyard D1 schema, migration 4: the audit log (docs/AUDIT.md).
-- Times: `at` columns are Unix milliseconds; the settings' times Unix seconds.
-- Records arrive from the queue consumer (src/audit_io/consumer.rs), idempotent
-- on `id` (INSERT ... ON CONFLICT(id) DO NOTHING), so a redelivered batch never
-- duplicates a record.

-- Migration 1's audit_events had few of the fields and nothing ever wrote it.
DROP TABLE IF EXISTS audit_events;

-- One row per HTTP request to an MCP endpoint (CORS preflights excepted). The
-- columns after org_id are the record's keys, by name (src/audit/record.rs).
CREATE TABLE audit_events (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT, -- ingestion order (webhook cursor)
  id               TEXT NOT NULL UNIQUE,              -- req_<hex>, the Dockyard-Request-Id
  org_id           TEXT,                              -- NULL: the org does not exist (a probe)
  at               INTEGER NOT NULL,
  duration_ms      INTEGER NOT NULL,
  org              TEXT NOT NULL,                     -- slug
  project          TEXT NOT NULL,                     -- slug
  channel          TEXT NOT NULL CHECK (channel IN ('draft', 'production')),
  version          TEXT,
  method           TEXT NOT NULL,
  tool             TEXT,
  tool_kind        TEXT,
  era              TEXT,
  protocol_version TEXT,
  status           TEXT NOT NULL,
  error_code       TEXT,
  user_id          TEXT,
  user_email       TEXT,                              -- at ingestion time
  client_id        TEXT,
  client_name      TEXT,                              -- at ingestion time
  grant_id         TEXT,
  host_name        TEXT,
  host_version     TEXT,
  args_sha256      TEXT,
  args_bytes       INTEGER,
  result_sha256    TEXT,
  result_bytes     INTEGER,
  payload          TEXT                               -- AES-256-GCM "v1.<iv>.<ciphertext>" (orgs with payloads on)
);
-- The org log, newest first, and its keyset pages.
CREATE INDEX audit_events_org_at ON audit_events(org_id, at DESC, id DESC);
-- me/audit: a member's own calls.
CREATE INDEX audit_events_user_at ON audit_events(user_id, at DESC, id DESC);
-- Webhook delivery: records of one org after a sequence number.
CREATE INDEX audit_events_org_seq ON audit_events(org_id, seq);

-- Management actions (publish, revoke, member and role changes, tokens, ...).
CREATE TABLE audit_actions (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  id          TEXT NOT NULL UNIQUE,                   -- act_<hex>
  org_id      TEXT,                                   -- NULL: account-level (API tokens)
  org         TEXT,                                   -- slug
  at          INTEGER NOT NULL,
  actor_id    TEXT NOT NULL,
  actor_email TEXT NOT NULL,
  via         TEXT NOT NULL CHECK (via IN ('session', 'token', 'signup')),
  action      TEXT NOT NULL,
  target      TEXT NOT NULL,
  details     TEXT NOT NULL                           -- JSON, redacted
);
CREATE INDEX audit_actions_org_at ON audit_actions(org_id, at DESC, id DESC);
CREATE INDEX audit_actions_actor_at ON audit_actions(actor_id, at DESC, id DESC);
CREATE INDEX audit_actions_org_seq ON audit_actions(org_id, seq);

-- Per-org audit settings; an org without a row has the defaults.
CREATE TABLE audit_settings (
  org_id              TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
  payloads            INTEGER NOT NULL DEFAULT 0,
  retention_days      INTEGER NOT NULL DEFAULT 30,
  webhook_url         TEXT,
  webhook_nonce       TEXT,                           -- the secret is HMAC(SECRETS_KEY, org, nonce); never stored
  webhook_events_seq  INTEGER NOT NULL DEFAULT 0,     -- last audit_events.seq delivered
  webhook_actions_seq INTEGER NOT NULL DEFAULT 0,     -- last audit_actions.seq delivered
  webhook_failures    INTEGER NOT NULL DEFAULT 0,     -- failed deliveries in a row
  webhook_retry_at    INTEGER NOT NULL DEFAULT 0,     -- no delivery before (Unix s)
  webhook_last_error  TEXT,
  webhook_delivered_at INTEGER,
  updated_at          INTEGER NOT NULL
);

-- Queue messages that were not audit records: dropped, never retried, counted.
CREATE TABLE audit_dropped (
  message_id TEXT PRIMARY KEY,                        -- the queue's id: a redelivery counts once
  at         INTEGER NOT NULL,                        -- Unix ms
  reason     TEXT NOT NULL,
  sample     TEXT NOT NULL                            -- the body's first 300 characters
);
