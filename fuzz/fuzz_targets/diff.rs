#![no_main]
// Properties: src/fuzzing/ (dockyard::fuzzing::diff).
libfuzzer_sys::fuzz_target!(|data: &[u8]| dockyard::fuzzing::diff(data));
