//! The tray menu from outside, as a desktop's tray host sees it: libayatana publishes it over
//! D-Bus (`com.canonical.dbusmenu`) even with no tray host, so `gdbus` can read and click it.

use std::process::Command;

pub fn gdbus(args: &[&str]) -> Option<String> {
    let output = Command::new("gdbus")
        .args(args)
        .output()
        .expect("gdbus (package libglib2.0-bin) runs");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).to_string())
}

/// Where libayatana publishes the menu of the tray icon with id `earshot`.
pub const MENU_PATH: &str = "/org/ayatana/NotificationItem/tray_icon_tray_app_earshot/Menu";

/// The tray menu's layout from the connection `name`, if it serves one.
fn layout(name: &str) -> Option<String> {
    gdbus(&[
        "call",
        "--session",
        "--timeout",
        "3",
        "--dest",
        name,
        "--object-path",
        MENU_PATH,
        "--method",
        "com.canonical.dbusmenu.GetLayout",
        "--",
        "0",
        "-1",
        "[]",
    ])
}

/// The app's connection that serves the tray menu.
pub fn tray_menu() -> Option<String> {
    let names = gdbus(&[
        "call",
        "--session",
        "--dest",
        "org.freedesktop.DBus",
        "--object-path",
        "/",
        "--method",
        "org.freedesktop.DBus.ListNames",
    ])?;
    names
        .split('\'')
        .filter(|n| n.starts_with(':'))
        .find(|name| layout(name).is_some())
        .map(str::to_string)
}

/// The tray menu's items: (id, label).
pub fn tray_items(menu: &str) -> Vec<(i32, String)> {
    let layout = layout(menu).unwrap_or_default();
    // Each item reads `<(<id>, {..., 'label': <'Text'>}, @av [])>` (double quotes when the
    // text has an apostrophe).
    let mut items = Vec::new();
    for piece in layout.split("<(").skip(1) {
        let Some((id, rest)) = piece.split_once(',') else {
            continue;
        };
        let Ok(id) = id.trim().parse::<i32>() else {
            continue;
        };
        let label = rest
            .split_once("'label': <'")
            .and_then(|(_, l)| l.split_once("'>"))
            .or_else(|| {
                rest.split_once("'label': <\"")
                    .and_then(|(_, l)| l.split_once("\">"))
            })
            .map(|(label, _)| label.replace('_', ""));
        if let Some(label) = label {
            items.push((id, label));
        }
    }
    items
}

pub fn click_tray(menu: &str, id: i32) {
    gdbus(&[
        "call",
        "--session",
        "--dest",
        menu,
        "--object-path",
        MENU_PATH,
        "--method",
        "com.canonical.dbusmenu.Event",
        "--",
        &id.to_string(),
        "clicked",
        "<int32 0>",
        "0",
    ])
    .expect("the tray menu takes the click");
}
