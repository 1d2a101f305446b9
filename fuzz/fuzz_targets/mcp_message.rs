#![no_main]
// Properties: src/fuzzing/ (dockyard::fuzzing::mcp_message).
libfuzzer_sys::fuzz_target!(|data: &[u8]| dockyard::fuzzing::mcp_message(data));
