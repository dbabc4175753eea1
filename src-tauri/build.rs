//! Builds the Tauri context from the repository's one `tauri.conf.json`.

fn main() {
    // `generate_context!` embeds `ui/dist`; on a fresh clone it does not exist until the UI is built,
    // and `cargo check` or clippy would fail. An empty folder lets them run; the app then shows
    // nothing until `cargo xtask` builds the UI.
    let dist = std::path::Path::new("../ui/dist");
    if !dist.exists() {
        let _ = std::fs::create_dir_all(dist);
    }
    // The UI is embedded into the binary, so a new UI build must rebuild the app.
    println!("cargo:rerun-if-changed=../ui/dist");
    println!("cargo:rerun-if-changed=../tauri.conf.json");
    let attributes = tauri_build::Attributes::new().config_path("../tauri.conf.json");
    if let Err(error) = tauri_build::try_build(attributes) {
        println!("cargo:warning=tauri-build failed: {error:#}");
        std::process::exit(1);
    }
}
