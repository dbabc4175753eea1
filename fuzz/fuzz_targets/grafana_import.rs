//! Fuzzes the Grafana importer: any bytes are imported or refused, never a panic. Run from `fuzz/`
//! with `mkdir -p corpus/grafana_import && cargo fuzz run grafana_import corpus/grafana_import
//! ../crates/metrics/tests/fixtures/grafana --sanitizer none`; new inputs go to the ignored
//! `corpus/`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kubedesk_metrics::grafana::import("fuzz.json", data);
});
