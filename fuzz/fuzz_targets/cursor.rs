#![no_main]
// Properties: src/fuzzing/ (dockyard::fuzzing::cursor).
libfuzzer_sys::fuzz_target!(|data: &[u8]| dockyard::fuzzing::cursor(data));
