#![no_main]
// Properties: src/fuzzing/ (dockyard::fuzzing::semver).
libfuzzer_sys::fuzz_target!(|data: &[u8]| dockyard::fuzzing::semver(data));
