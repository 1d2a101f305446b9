#![no_main]
// Properties: src/fuzzing/ (dockyard::fuzzing::type_document).
libfuzzer_sys::fuzz_target!(|data: &[u8]| dockyard::fuzzing::type_document(data));
