//! The MCP protocol, both eras (2026-07-28 stateless, 2025-11-25 legacy). Pure:
//! no worker I/O.
