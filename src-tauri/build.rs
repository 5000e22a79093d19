fn main() {
    // The package root is the repository root (so the Tauri CLI finds tauri.conf.json there);
    // the shell's capability files live with its sources.
    let attributes =
        tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*");
    tauri_build::try_build(attributes).expect("tauri build configuration is valid");
}
