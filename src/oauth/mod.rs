//! OAuth 2.1: the authorization server and the protected-resource checks of
//! every MCP endpoint, as pure logic.
//!
//! Why pure (STYLE habit 4): no module here does I/O, imports `worker`, reads
//! the clock or draws randomness — `now`, random bytes, looked-up clients and
//! grants are passed in, and each flow returns what the glue must do next
//! (look up a client, show an error page, redirect, store a row, revoke a
//! grant). So every rule, and every attack case of issue 6 that can be
//! decided without a network, is a native unit test.
//!
//! Where things are decided:
//! - [`resource`]: the two protected resources of a project and their
//!   canonical URLs (the exact token audience).
//! - [`metadata`]: RFC 9728 / RFC 8414 / OIDC discovery, `WWW-Authenticate`.
//! - [`clients`]: Dynamic Client Registration and Client ID Metadata
//!   Documents (SSRF rules for the fetch included).
//! - [`redirect`]: registrable redirect URIs (https, loopback, private-use
//!   schemes for public clients; RFC 8252) and
//!   [`redirect::ValidatedRedirect`], the only way to send a browser back to
//!   a client.
//! - [`authorize`]: `/oauth/authorize` parameters, two error tiers;
//!   [`authorize_error`]: whether an error past the redirect check is
//!   redirected or shown first (RFC 9700 §4.11.2: no client is trusted).
//! - [`pkce`]: S256 only.
//! - [`token_request`], [`errors`]: `/oauth/token` and `/oauth/revoke`
//!   parsing, client authentication, and the one map to RFC 6749 errors.
//! - [`client_assertion`]: RFC 7523 `private_key_jwt` assertions of CIMD
//!   clients (claims, key choice, single-use `jti`; the signature is the
//!   glue's WebCrypto call).
//! - [`grants`]: grant records, the hot-path [`grants::check_grant`] and the
//!   scope decision for list and call; [`codes`] (single-use codes) and
//!   [`refresh`] (rotation, grace, reuse) are re-exported from it.
//! - [`tokens`]: EdDSA access tokens that name their grant, the JWKS, and
//!   the opaque secrets (`dyc_`, `dyr_`, `dys_`).

pub mod authorize;
pub mod authorize_error;
mod cimd;
pub mod client_assertion;
pub mod clients;
pub mod codes;
pub mod errors;
pub mod grant_list;
pub mod grants;
pub mod metadata;
pub mod pkce;
pub mod redirect;
pub mod refresh;
pub mod resource;
pub mod token_request;
pub mod tokens;
