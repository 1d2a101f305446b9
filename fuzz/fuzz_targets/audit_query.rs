#![no_main]
// Properties: src/fuzzing/ (dockyard::fuzzing::audit_query).
libfuzzer_sys::fuzz_target!(|data: &[u8]| dockyard::fuzzing::audit_query(data));
