//! Reading a body with a byte cap (wasm32 glue), for incoming request bodies
//! ([`super::context::Incoming::bytes`]) and outbound responses
//! (`outbound::fetch`) alike. A declared `Content-Length` over the cap is
//! refused before reading; a body without one is counted while it streams
//! and refused at the first chunk past the cap, so an endless body ends too.
//! The stream is opened only after the declared length passed: a body refused
//! on its header is never opened (nor cancelled), as before this module; a
//! stream refused while reading is cancelled when it is dropped.

use futures_util::StreamExt;
use worker::{ByteStream, Headers};

/// Why a capped read stopped.
pub enum Capped {
    /// The body is longer than the cap (declared or counted).
    TooLarge,
    /// The runtime could not read the stream.
    Read(worker::Error),
}

/// The declared `Content-Length`, when it is a number.
pub fn declared_length(headers: &Headers) -> Option<u64> {
    headers.get("Content-Length").ok().flatten().and_then(|v| v.trim().parse::<u64>().ok())
}

/// The whole body, at most `max` bytes. `open` gives its stream (none: an
/// empty body), and is called only once `declared` is within the cap.
pub async fn read(
    declared: Option<u64>,
    open: impl FnOnce() -> Result<Option<ByteStream>, worker::Error>,
    max: usize,
) -> Result<Vec<u8>, Capped> {
    if declared.is_some_and(|n| n > max as u64) {
        return Err(Capped::TooLarge);
    }
    let Some(mut stream) = open().map_err(Capped::Read)? else { return Ok(Vec::new()) };
    let mut out = Vec::with_capacity(declared.map_or(0, |n| n as usize).min(max));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(Capped::Read)?;
        if out.len() + chunk.len() > max {
            return Err(Capped::TooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}
