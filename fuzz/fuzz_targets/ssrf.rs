#![no_main]
// Properties: src/fuzzing/ (dockyard::fuzzing::ssrf).
libfuzzer_sys::fuzz_target!(|data: &[u8]| dockyard::fuzzing::ssrf(data));
