#![no_main]
// Properties: src/fuzzing/ (dockyard::fuzzing::redirect).
libfuzzer_sys::fuzz_target!(|data: &[u8]| dockyard::fuzzing::redirect(data));
