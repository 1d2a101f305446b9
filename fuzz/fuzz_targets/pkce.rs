#![no_main]
// Properties: src/fuzzing/ (dockyard::fuzzing::pkce).
libfuzzer_sys::fuzz_target!(|data: &[u8]| dockyard::fuzzing::pkce(data));
