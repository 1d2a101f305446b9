#![no_main]
// Properties: src/fuzzing/ (dockyard::fuzzing::jwt).
libfuzzer_sys::fuzz_target!(|data: &[u8]| dockyard::fuzzing::jwt(data));
