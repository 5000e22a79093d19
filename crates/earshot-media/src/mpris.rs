//! MPRIS 2 on the session bus (`org.mpris.MediaPlayer2.<name>` at `/org/mpris/MediaPlayer2`):
//! the root interface (Raise, Quit, identity) and the player interface (transport, Seek,
//! SetPosition, Rate, Volume, Metadata, Position). Properties that change are announced with
//! `PropertiesChanged`; jumps in position with `Seeked`. Position is read live, not announced.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use zbus::object_server::SignalEmitter;
use zbus::zvariant::{ObjectPath, OwnedValue, Value};
use zbus::{connection, interface};

use crate::{Command, Config, Error, NowPlaying, Status, jumped};

const PATH: &str = "/org/mpris/MediaPlayer2";
const MIN_RATE: f64 = 0.5;
const MAX_RATE: f64 = 3.0;

type Handler = Box<dyn Fn(Command) + Send + Sync>;

struct Shared {
    now: NowPlaying,
    /// When `now` was taken, for the live position and for telling seeks from playing on.
    at: Instant,
}

fn position_now(shared: &Shared) -> Duration {
    let mut position = shared.now.position;
    if shared.now.status == Status::Playing {
        position += shared.at.elapsed().mul_f64(shared.now.rate.max(0.0));
    }
    match shared.now.length {
        Some(length) => position.min(length),
        None => position,
    }
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

fn track_path(id: Option<i64>) -> String {
    match id {
        Some(id) => format!("/app/earshot/episode/{id}"),
        None => "/org/mpris/MediaPlayer2/TrackList/NoTrack".to_string(),
    }
}

struct Root {
    identity: String,
    desktop_entry: String,
    on: Arc<Handler>,
}

#[interface(name = "org.mpris.MediaPlayer2")]
impl Root {
    fn raise(&self) {
        (self.on)(Command::Raise);
    }

    fn quit(&self) {
        (self.on)(Command::Quit);
    }

    #[zbus(property)]
    fn can_quit(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn can_raise(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn has_track_list(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn identity(&self) -> String {
        self.identity.clone()
    }

    #[zbus(property)]
    fn desktop_entry(&self) -> String {
        self.desktop_entry.clone()
    }

    #[zbus(property)]
    fn supported_uri_schemes(&self) -> Vec<String> {
        Vec::new()
    }

    #[zbus(property)]
    fn supported_mime_types(&self) -> Vec<String> {
        Vec::new()
    }
}

struct Player {
    shared: Arc<Mutex<Shared>>,
    on: Arc<Handler>,
}

impl Player {
    fn read<T>(&self, f: impl FnOnce(&Shared) -> T) -> T {
        f(&self.shared.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn loaded(&self) -> bool {
        self.read(|s| s.now.track_id.is_some())
    }
}

#[interface(name = "org.mpris.MediaPlayer2.Player")]
impl Player {
    fn play(&self) {
        (self.on)(Command::Play);
    }

    fn pause(&self) {
        (self.on)(Command::Pause);
    }

    fn play_pause(&self) {
        (self.on)(Command::PlayPause);
    }

    fn stop(&self) {
        (self.on)(Command::Stop);
    }

    fn next(&self) {
        (self.on)(Command::Next);
    }

    fn previous(&self) {
        (self.on)(Command::Previous);
    }

    /// Relative, in microseconds.
    fn seek(&self, offset: i64) {
        (self.on)(Command::SeekBy(offset as f64 / 1e6));
    }

    /// Absolute, in microseconds; ignored unless `track_id` is the current track and the
    /// position lies within it, as the specification says.
    fn set_position(&self, track_id: ObjectPath<'_>, position: i64) {
        let (current, length) = self.read(|s| (track_path(s.now.track_id), s.now.length));
        let within = position >= 0 && length.is_none_or(|l| position <= micros(l));
        if track_id.as_str() == current && within {
            (self.on)(Command::SetPosition(position as f64 / 1e6));
        }
    }

    fn open_uri(&self, _uri: String) -> zbus::fdo::Result<()> {
        Err(zbus::fdo::Error::NotSupported(
            "subscribe to podcasts in Earshot itself".into(),
        ))
    }

    #[zbus(signal)]
    async fn seeked(emitter: &SignalEmitter<'_>, position: i64) -> zbus::Result<()>;

    #[zbus(property)]
    fn playback_status(&self) -> String {
        match self.read(|s| s.now.status) {
            Status::Playing => "Playing",
            Status::Paused => "Paused",
            Status::Stopped => "Stopped",
        }
        .to_string()
    }

    #[zbus(property)]
    fn rate(&self) -> f64 {
        self.read(|s| s.now.rate)
    }

    #[zbus(property)]
    fn set_rate(&mut self, rate: f64) {
        // A rate of 0 means pause, per the specification.
        if rate <= 0.0 {
            (self.on)(Command::Pause);
        } else {
            (self.on)(Command::SetRate(rate.clamp(MIN_RATE, MAX_RATE)));
        }
    }

    #[zbus(property)]
    fn minimum_rate(&self) -> f64 {
        MIN_RATE
    }

    #[zbus(property)]
    fn maximum_rate(&self) -> f64 {
        MAX_RATE
    }

    #[zbus(property)]
    fn volume(&self) -> f64 {
        self.read(|s| s.now.volume)
    }

    #[zbus(property)]
    fn set_volume(&mut self, volume: f64) {
        (self.on)(Command::SetVolume(volume.clamp(0.0, 1.0)));
    }

    #[zbus(property(emits_changed_signal = "false"))]
    fn position(&self) -> i64 {
        micros(self.read(position_now))
    }

    #[zbus(property)]
    fn metadata(&self) -> HashMap<String, OwnedValue> {
        self.read(|s| metadata(&s.now))
    }

    #[zbus(property)]
    fn can_go_next(&self) -> bool {
        self.loaded()
    }

    #[zbus(property)]
    fn can_go_previous(&self) -> bool {
        self.loaded()
    }

    #[zbus(property)]
    fn can_play(&self) -> bool {
        self.loaded()
    }

    #[zbus(property)]
    fn can_pause(&self) -> bool {
        self.loaded()
    }

    #[zbus(property)]
    fn can_seek(&self) -> bool {
        self.loaded()
    }

    #[zbus(property(emits_changed_signal = "const"))]
    fn can_control(&self) -> bool {
        true
    }
}

fn metadata(now: &NowPlaying) -> HashMap<String, OwnedValue> {
    let mut map = HashMap::new();
    let mut put = |key: &str, value: Value<'_>| {
        if let Ok(owned) = value.try_to_owned() {
            map.insert(key.to_string(), owned);
        }
    };
    if let Ok(path) = ObjectPath::try_from(track_path(now.track_id)) {
        put("mpris:trackid", Value::from(path));
    }
    if now.track_id.is_none() {
        return map;
    }
    put("xesam:title", Value::from(now.title.as_str()));
    put("xesam:artist", Value::from(vec![now.artist.as_str()]));
    put("xesam:album", Value::from(now.artist.as_str()));
    if let Some(length) = now.length {
        put("mpris:length", Value::from(micros(length)));
    }
    if let Some(art) = &now.art_url {
        put("mpris:artUrl", Value::from(art.as_str()));
    }
    map
}

pub(crate) struct Mpris {
    connection: zbus::Connection,
    shared: Arc<Mutex<Shared>>,
}

impl Mpris {
    pub(crate) async fn start(config: &Config, on: Handler) -> Result<Self, Error> {
        let on = Arc::new(on);
        let shared = Arc::new(Mutex::new(Shared {
            now: NowPlaying {
                rate: 1.0,
                volume: 1.0,
                ..NowPlaying::default()
            },
            at: Instant::now(),
        }));
        let builder = match &config.bus_address {
            Some(address) => connection::Builder::address(address.as_str()),
            None => connection::Builder::session(),
        };
        let connection = builder
            .and_then(|b| b.name(format!("org.mpris.MediaPlayer2.{}", config.bus_name)))
            .and_then(|b| {
                b.serve_at(
                    PATH,
                    Root {
                        identity: config.identity.clone(),
                        desktop_entry: config.desktop_entry.clone(),
                        on: on.clone(),
                    },
                )
            })
            .and_then(|b| {
                b.serve_at(
                    PATH,
                    Player {
                        shared: shared.clone(),
                        on,
                    },
                )
            })
            .map_err(|e| Error::Unavailable(e.to_string()))?
            .build()
            .await
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        tracing::info!(name = %config.bus_name, "MPRIS player on the session bus");
        Ok(Self { connection, shared })
    }

    pub(crate) async fn update(&self, now: NowPlaying) {
        let (before, elapsed) = {
            let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
            let before = shared.now.clone();
            let elapsed = shared.at.elapsed();
            shared.now = now.clone();
            shared.at = Instant::now();
            (before, elapsed)
        };
        if before == now {
            return;
        }
        let Ok(iface) = self
            .connection
            .object_server()
            .interface::<_, Player>(PATH)
            .await
        else {
            return;
        };
        let player = iface.get().await;
        let emitter = iface.signal_emitter();
        let mut result = Ok(());
        if before.status != now.status {
            result = result.and(player.playback_status_changed(emitter).await);
        }
        if before.track_id != now.track_id
            || before.title != now.title
            || before.artist != now.artist
            || before.art_url != now.art_url
            || before.length != now.length
        {
            result = result.and(player.metadata_changed(emitter).await);
            result = result.and(player.can_play_changed(emitter).await);
            result = result.and(player.can_seek_changed(emitter).await);
        }
        if before.rate != now.rate {
            result = result.and(player.rate_changed(emitter).await);
        }
        if before.volume != now.volume {
            result = result.and(player.volume_changed(emitter).await);
        }
        if jumped(&before, &now, elapsed) {
            result = result.and(Player::seeked(emitter, micros(now.position)).await);
        }
        if let Err(error) = result {
            tracing::debug!(%error, "MPRIS change not announced");
        }
    }
}

/// Tells `seen` whether `org.kde.StatusNotifierWatcher` (the tray host protocol every Linux
/// desktop with a tray speaks) has an owner on `connection`'s bus, now and at every change, until
/// the connection closes.
pub(crate) async fn follow_status_notifier_watcher(
    connection: &zbus::Connection,
    seen: impl Fn(bool),
) {
    use futures_util::StreamExt;
    const WATCHER: &str = "org.kde.StatusNotifierWatcher";
    let Ok(dbus) = zbus::fdo::DBusProxy::new(connection).await else {
        return;
    };
    // Listening first, then asking: an owner arriving in between is not missed.
    let changes = dbus
        .receive_name_owner_changed_with_args(&[(0, WATCHER)])
        .await;
    let Ok(name) = zbus::names::BusName::try_from(WATCHER) else {
        return;
    };
    seen(dbus.name_has_owner(name).await.unwrap_or(false));
    let Ok(mut changes) = changes else {
        return;
    };
    while let Some(change) = changes.next().await {
        if let Ok(args) = change.args() {
            let present = args.new_owner().is_some();
            tracing::debug!(present, "tray host changed");
            seen(present);
        }
    }
}
