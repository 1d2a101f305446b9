#![no_main]
// Properties: src/fuzzing/ (dockyard::fuzzing::header_value).
libfuzzer_sys::fuzz_target!(|data: &[u8]| dockyard::fuzzing::header_value(data));
