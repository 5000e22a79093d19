//! Servers for the sync tests, all on 127.0.0.1: the real gpodder.net-API server
//! ([`GpodderServer`], installed by `cargo xtask setup`), a stand-in for Nextcloud's gPodder
//! Sync app ([`NextcloudServer`]), and a proxy that fails chosen requests ([`FaultProxy`]).

mod gpodder;
mod nextcloud;
mod proxy;
pub mod wire;

pub use gpodder::{GpodderServer, call, sync_server_venv};
pub use nextcloud::NextcloudServer;
pub use proxy::FaultProxy;
