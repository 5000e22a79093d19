//! Keeping the computer awake while an episode plays (Linux). logind's `Inhibit` on the system
//! bus blocks idle sleep for as long as we hold the file descriptor it returns; where there is no
//! logind (containers, some BSD-like setups), the desktop's `org.freedesktop.ScreenSaver`
//! inhibition on the session bus keeps the session from idling instead.

use zbus::zvariant::OwnedFd;

use crate::Error;

/// Where to ask; the defaults are the system and session buses.
#[derive(Debug, Clone, Default)]
pub struct Buses {
    pub system: Option<String>,
    pub session: Option<String>,
    /// Skip logind (tests with only a session bus).
    pub without_logind: bool,
}

/// Held while the computer must stay awake; released by [`Inhibition::release`] (or, for
/// logind, by dropping it).
#[derive(Debug)]
pub enum Inhibition {
    Logind(#[allow(dead_code)] OwnedFd),
    ScreenSaver {
        connection: zbus::Connection,
        cookie: u32,
    },
}

async fn connect(address: Option<&str>, system: bool) -> zbus::Result<zbus::Connection> {
    match (address, system) {
        (Some(address), _) => zbus::connection::Builder::address(address)?.build().await,
        (None, true) => zbus::Connection::system().await,
        (None, false) => zbus::Connection::session().await,
    }
}

/// Asks the system not to sleep, saying why.
pub async fn inhibit(buses: &Buses, why: &str) -> Result<Inhibition, Error> {
    if !buses.without_logind {
        let logind = async {
            let connection = connect(buses.system.as_deref(), true).await?;
            let reply = connection
                .call_method(
                    Some("org.freedesktop.login1"),
                    "/org/freedesktop/login1",
                    Some("org.freedesktop.login1.Manager"),
                    "Inhibit",
                    &("sleep:idle", "Earshot", why, "block"),
                )
                .await?;
            reply.body().deserialize::<OwnedFd>()
        };
        match logind.await {
            Ok(fd) => return Ok(Inhibition::Logind(fd)),
            Err(error) => tracing::debug!(%error, "no logind inhibition; trying the screen saver"),
        }
    }
    let connection = connect(buses.session.as_deref(), false)
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))?;
    let reply = connection
        .call_method(
            Some("org.freedesktop.ScreenSaver"),
            "/org/freedesktop/ScreenSaver",
            Some("org.freedesktop.ScreenSaver"),
            "Inhibit",
            &("Earshot", why),
        )
        .await
        .map_err(|e| Error::Unavailable(e.to_string()))?;
    let cookie: u32 = reply
        .body()
        .deserialize()
        .map_err(|e| Error::Unavailable(e.to_string()))?;
    Ok(Inhibition::ScreenSaver { connection, cookie })
}

impl Inhibition {
    pub async fn release(self) {
        if let Inhibition::ScreenSaver { connection, cookie } = self {
            let released = connection
                .call_method(
                    Some("org.freedesktop.ScreenSaver"),
                    "/org/freedesktop/ScreenSaver",
                    Some("org.freedesktop.ScreenSaver"),
                    "UnInhibit",
                    &(cookie,),
                )
                .await;
            if let Err(error) = released {
                tracing::debug!(%error, "screen saver inhibition not released");
            }
        }
    }
}
