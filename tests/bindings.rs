//! The UI's TypeScript bindings are generated from the Rust commands and events. This test fails
//! when the committed file is stale; `EARSHOT_UPDATE_BINDINGS=1` rewrites it.

use std::path::Path;

#[test]
fn committed_bindings_match_the_rust_commands() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/ipc/bindings.ts");
    let dir = tempfile::tempdir().expect("temp dir");
    let fresh = dir.path().join("bindings.ts");
    earshot_lib::export_bindings(&fresh).expect("bindings export");
    let fresh = std::fs::read_to_string(&fresh).expect("fresh bindings");
    if std::env::var_os("EARSHOT_UPDATE_BINDINGS").is_some() {
        std::fs::write(&committed, &fresh).expect("bindings written");
        return;
    }
    let current = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        current == fresh,
        "{} is stale: run `EARSHOT_UPDATE_BINDINGS=1 cargo test -p earshot --test bindings` and commit it",
        committed.display()
    );
}
