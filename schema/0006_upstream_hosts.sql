-- Dockyard D1 schema, migration 6: the org's upstream allowlist for data
-- tools (src/outbound/allowlist.rs, src/store/orgs.rs upstream_hosts).
-- A JSON array of host[:port] entries as PATCH /api/v1/orgs/<org> stored
-- them (normalized); NULL = no org allowlist (the SSRF guard alone decides).
-- Project secrets are not here: they live, sealed, in each project's hub
-- (schema/STORAGE.md).

ALTER TABLE orgs ADD COLUMN upstream_hosts TEXT;
