-- Dockyard D1 schema, migration 1. Migrations are append-only: never edit a
-- migration that has shipped; add NNNN_name.sql instead. See schema/STORAGE.md.
-- Times are Unix seconds (INTEGER). Secrets are stored only as SHA-256 hex
-- ("*_hash" columns); passwords as Argon2id PHC strings.

CREATE TABLE users (
  id            TEXT PRIMARY KEY,            -- usr_<hex>
  email         TEXT NOT NULL UNIQUE,        -- normalized (trimmed, lowercase)
  name          TEXT NOT NULL,
  password_hash TEXT NOT NULL,               -- $argon2id$v=19$m=..,t=..,p=..$salt$hash
  created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
  id_hash      TEXT PRIMARY KEY,             -- sha256(session id); the id is only in the cookie
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL              -- absolute end of life
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
  id           TEXT PRIMARY KEY,             -- tok_<hex>
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  token_hash   TEXT NOT NULL UNIQUE,         -- sha256("dy_...")
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE orgs (
  id         TEXT PRIMARY KEY,               -- org_<hex>
  slug       TEXT NOT NULL UNIQUE,
  name       TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- Custom roles only; the built-in roles live in code (src/identity/roles.rs).
CREATE TABLE roles (
  org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  scopes      TEXT NOT NULL,                 -- JSON array of scope strings
  permissions TEXT NOT NULL,                 -- JSON array of permission strings
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (org_id, name)
);

CREATE TABLE memberships (
  org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE invitations (
  id          TEXT PRIMARY KEY,              -- inv_<hex>
  org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  email       TEXT NOT NULL,                 -- normalized
  role        TEXT NOT NULL,
  token_hash  TEXT NOT NULL UNIQUE,
  created_by  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  accepted_at INTEGER,
  accepted_by TEXT,
  revoked_at  INTEGER
);
CREATE INDEX invitations_org ON invitations(org_id);

CREATE TABLE projects (
  id         TEXT PRIMARY KEY,               -- prj_<hex>
  org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  slug       TEXT NOT NULL,
  name       TEXT NOT NULL,
  visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (org_id, slug)
);

-- Immutable published versions: rows are inserted, never updated.
CREATE TABLE versions (
  project_id   TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  version      TEXT NOT NULL,                -- semver
  seq          INTEGER NOT NULL,             -- 1, 2, ... publish order
  notes        TEXT NOT NULL DEFAULT '',
  author_id    TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  content_hash TEXT NOT NULL,                -- sha256 of the canonical snapshot
  diff         TEXT NOT NULL,                -- JSON: the diff against the previous production
  snapshot     TEXT NOT NULL,                -- JSON: {types:[...], instructions}
  PRIMARY KEY (project_id, version),
  UNIQUE (project_id, seq)
);

-- Production pointer moves (publish and promote), newest last.
CREATE TABLE release_history (
  project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  seq        INTEGER NOT NULL,
  action     TEXT NOT NULL CHECK (action IN ('publish', 'promote')),
  version    TEXT NOT NULL,
  actor_id   TEXT NOT NULL,
  at         INTEGER NOT NULL,
  PRIMARY KEY (project_id, seq)
);

CREATE TABLE oauth_clients (
  client_id    TEXT PRIMARY KEY,             -- DCR id or the CIMD URL
  kind         TEXT NOT NULL CHECK (kind IN ('dcr', 'cimd')),
  metadata     TEXT NOT NULL,                -- JSON, as registered or fetched (untrusted text)
  secret_hash  TEXT,                         -- confidential DCR clients only
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  expires_at   INTEGER                       -- unused registrations expire; CIMD cache expiry
);

-- Listing index of grants. The authoritative grant (refresh-token hashes,
-- revocation) lives in the project's ProjectHub Durable Object.
CREATE TABLE grants_index (
  grant_id     TEXT PRIMARY KEY,
  org_id       TEXT NOT NULL,
  project_id   TEXT NOT NULL,
  channel      TEXT NOT NULL CHECK (channel IN ('draft', 'production')),
  user_id      TEXT NOT NULL,
  client_id    TEXT NOT NULL,
  scopes       TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
);
CREATE INDEX grants_index_org ON grants_index(org_id, created_at);
CREATE INDEX grants_index_user ON grants_index(user_id);

CREATE TABLE audit_events (
  id          TEXT PRIMARY KEY,
  org_id      TEXT NOT NULL,
  project_id  TEXT,
  channel     TEXT,
  at          INTEGER NOT NULL,             -- Unix milliseconds
  user_id     TEXT,
  client_id   TEXT,
  grant_id    TEXT,
  method      TEXT NOT NULL,
  tool        TEXT,
  status      TEXT NOT NULL,                -- ok | error | denied
  duration_ms INTEGER,
  detail      TEXT                          -- JSON
);
CREATE INDEX audit_events_org_at ON audit_events(org_id, at);
