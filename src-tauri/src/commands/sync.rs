//! Signing in to a sync server and syncing: thin over the core's sync engine. The password
//! goes to the core, which keeps it in the system keyring; it is never logged or stored here.

use earshot_core::{NextcloudGrant, NextcloudLoginFlow, SyncAccount, SyncReport, SyncStatus};
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::error::CommandError;
use crate::{App, unix_now};

/// The account, the last sync, what waits to be sent and the last error.
#[tauri::command]
#[specta::specta]
pub async fn sync_status(app: State<'_, App>) -> Result<SyncStatus, CommandError> {
    Ok(app.core.sync_status().await?)
}

/// A device name for a new account: this computer's.
#[tauri::command]
#[specta::specta]
pub fn default_device_name() -> String {
    earshot_core::sync::default_device_name()
}

/// Signs in (the server checks the password), then syncs at once.
#[tauri::command]
#[specta::specta]
pub async fn sync_login(
    app: State<'_, App>,
    account: SyncAccount,
    password: String,
) -> Result<SyncStatus, CommandError> {
    let status = app.core.sync_login(account, &password, unix_now()).await?;
    app.syncer.soon();
    Ok(status)
}

/// Syncs now; a server's refusal or absence is in the report, not an error.
#[tauri::command]
#[specta::specta]
pub async fn sync_now(app: State<'_, App>, handle: AppHandle) -> Result<SyncReport, CommandError> {
    Ok(app.syncer.now(&app.core, &handle).await?)
}

/// Signs out: the account and what waited to be sent are forgotten; the library stays.
#[tauri::command]
#[specta::specta]
pub async fn sync_logout(app: State<'_, App>, handle: AppHandle) -> Result<(), CommandError> {
    app.core.sync_logout().await?;
    crate::sync::announce(&app.core, &handle).await;
    Ok(())
}

/// Starts Nextcloud's Login Flow v2 and opens its page in the browser.
#[tauri::command]
#[specta::specta]
pub async fn nextcloud_login_start(
    app: State<'_, App>,
    handle: AppHandle,
    server: String,
) -> Result<NextcloudLoginFlow, CommandError> {
    let flow = app.core.nextcloud_login_start(&server).await?;
    if let Err(error) = handle.opener().open_url(&flow.login_url, None::<&str>) {
        tracing::warn!(%error, "the Nextcloud sign-in page was not opened");
    }
    Ok(flow)
}

/// Whether the listener has granted access in the browser yet.
#[tauri::command]
#[specta::specta]
pub async fn nextcloud_login_poll(
    app: State<'_, App>,
    flow: NextcloudLoginFlow,
) -> Result<Option<NextcloudGrant>, CommandError> {
    Ok(app.core.nextcloud_login_poll(&flow).await?)
}
