#![no_main]
// Properties: src/fuzzing/ (dockyard::fuzzing::arguments).
libfuzzer_sys::fuzz_target!(|data: &[u8]| dockyard::fuzzing::arguments(data));
