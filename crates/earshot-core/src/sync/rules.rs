//! The decisions of a sync as pure functions: how a place here becomes a gpodder episode action
//! and back, which side wins a conflict, what a subscription change from the server does here,
//! and the API's timestamps. No I/O, no clock.
//!
//! Played and unplayed travel as AntennaPod and Kasts send them: played is a `play` whose
//! position is the episode's length (`started` = `position` = `total`); unplayed is `new`. A
//! `play` that stops in the closing stretch ([`progress::near_end`]) counts as played here.

use chrono::{DateTime, NaiveDateTime};

use crate::model::{Progress, UnixTime};
use crate::progress;

/// What an episode action says about the listener's place.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Heard {
    /// Played up to `position_secs` of `total_secs`.
    Play {
        position_secs: f64,
        total_secs: Option<f64>,
    },
    /// Marked unplayed (gpodder's `new`).
    New,
}

/// The fields of an outgoing `play` or `new` action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Outgoing {
    pub action: &'static str,
    pub started: Option<i64>,
    pub position: Option<i64>,
    pub total: Option<i64>,
}

/// The action that tells other devices about `progress` in an episode of `duration_secs`.
pub(crate) fn outgoing(progress: Progress, duration_secs: Option<f64>) -> Outgoing {
    let total = duration_secs
        .filter(|d| d.is_finite() && *d > 0.0)
        .map(|d| d.round() as i64);
    if progress.played {
        let end = total.unwrap_or_else(|| progress.position_secs.round() as i64);
        return Outgoing {
            action: "play",
            started: Some(end),
            position: Some(end),
            total: Some(end),
        };
    }
    let position = progress.position_secs.max(0.0).round() as i64;
    if position == 0 {
        return Outgoing {
            action: "new",
            started: None,
            position: None,
            total: None,
        };
    }
    Outgoing {
        action: "play",
        // Where this stretch of listening began is not kept; the start is the honest floor.
        started: total.map(|_| 0),
        position: Some(position),
        total,
    }
}

/// An incoming action's meaning, or None for one that says nothing about the place
/// (`download`, `delete`, `flattr`, or a `play` without a position).
pub(crate) fn heard(action: &str, position: Option<f64>, total: Option<f64>) -> Option<Heard> {
    // Nextcloud sends -1 for a value it was not given.
    let known = |v: Option<f64>| v.filter(|v| v.is_finite() && *v >= 0.0);
    match action.to_ascii_lowercase().as_str() {
        "play" => Some(Heard::Play {
            position_secs: known(position)?,
            total_secs: known(total).filter(|t| *t > 0.0),
        }),
        "new" => Some(Heard::New),
        _ => None,
    }
}

/// The progress to keep here for what another device heard: a position in the closing stretch
/// (of the action's total, else the episode's length here) marks the episode played.
pub(crate) fn progress_for(heard: Heard, duration_secs: Option<f64>) -> Progress {
    match heard {
        Heard::New => Progress {
            position_secs: 0.0,
            played: false,
        },
        Heard::Play {
            position_secs,
            total_secs,
        } => {
            let length = total_secs.or(duration_secs);
            let finished = length.is_some_and(|total| {
                position_secs >= total || progress::near_end(position_secs, Some(total))
            });
            if finished {
                Progress {
                    position_secs: 0.0,
                    played: true,
                }
            } else {
                Progress {
                    position_secs,
                    played: false,
                }
            }
        }
    }
}

/// Whether what another device reported (`remote`, at `remote_at`) replaces the place kept here
/// (`local`, last changed at `local_at`): the newer wins. Within the same second (timestamps are
/// whole seconds) the one further along wins (played, else the later position), which both
/// devices decide alike; the same place twice (usually our own upload coming back) changes
/// nothing.
pub(crate) fn remote_wins(
    remote_at: UnixTime,
    remote: Progress,
    local_at: Option<UnixTime>,
    local: Progress,
) -> bool {
    let Some(local_at) = local_at else {
        return true;
    };
    if remote_at != local_at {
        return remote_at > local_at;
    }
    let along = |p: Progress| (p.played, p.position_secs);
    along(remote).partial_cmp(&along(local)) == Some(std::cmp::Ordering::Greater)
}

/// What the library does with one subscription change from the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Followed {
    /// Follow the show here.
    Add,
    /// Unfollow it here.
    Remove,
    /// Leave it: a change made here and not sent yet is newer, or there is nothing to do.
    Keep,
}

/// The server says the account added (`added`) or removed a show. `pending` is the change to the
/// same show waiting here (true: subscribed here), `followed` whether it is followed here.
/// A first sync merges and removes nothing.
pub(crate) fn remote_subscription(
    added: bool,
    pending: Option<bool>,
    followed: bool,
    first_sync: bool,
) -> Followed {
    match (added, pending) {
        // Made here after the last sync, so after anything the server tells of now.
        (true, Some(false)) | (false, Some(true)) => Followed::Keep,
        (true, _) if !followed => Followed::Add,
        (false, _) if followed && !first_sync => Followed::Remove,
        _ => Followed::Keep,
    }
}

/// A time as the gpodder API writes it: `YYYY-MM-DDTHH:MM:SS`, UTC.
pub(crate) fn format_timestamp(at: UnixTime) -> String {
    DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// A time from the API: `YYYY-MM-DDTHH:MM:SS` (UTC, optionally with fractions), or RFC 3339.
pub(crate) fn parse_timestamp(text: &str) -> Option<UnixTime> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.timestamp());
    }
    let bare = text.trim_end_matches('Z');
    NaiveDateTime::parse_from_str(bare, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(bare, "%Y-%m-%d %H:%M:%S%.f"))
        .ok()
        .map(|at| at.and_utc().timestamp())
}

/// A device id the gpodder API accepts (letters, digits, `_`, `.`, `-`), from any name.
pub fn device_id(name: &str) -> String {
    let id: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if id.trim_matches('-').is_empty() {
        "earshot-desktop".to_string()
    } else {
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(position_secs: f64, played: bool) -> Progress {
        Progress {
            position_secs,
            played,
        }
    }

    #[test]
    fn a_place_travels_as_play_and_unplayed_as_new() {
        assert_eq!(
            outgoing(at(754.4, false), Some(1466.0)),
            Outgoing {
                action: "play",
                started: Some(0),
                position: Some(754),
                total: Some(1466)
            }
        );
        assert_eq!(
            outgoing(at(754.0, false), None),
            Outgoing {
                action: "play",
                started: None,
                position: Some(754),
                total: None
            }
        );
        assert_eq!(outgoing(at(0.0, false), Some(1466.0)).action, "new");
    }

    #[test]
    fn played_travels_as_a_play_to_the_end() {
        assert_eq!(
            outgoing(at(0.0, true), Some(1466.2)),
            Outgoing {
                action: "play",
                started: Some(1466),
                position: Some(1466),
                total: Some(1466)
            }
        );
    }

    #[test]
    fn what_we_send_reads_back_as_what_we_had() {
        for progress in [at(754.0, false), at(0.0, true), at(0.0, false)] {
            let sent = outgoing(progress, Some(1466.0));
            let back = heard(
                sent.action,
                sent.position.map(|p| p as f64),
                sent.total.map(|t| t as f64),
            )
            .unwrap();
            assert_eq!(progress_for(back, Some(1466.0)), progress, "{sent:?}");
        }
    }

    #[test]
    fn a_remote_position_in_the_closing_stretch_marks_played() {
        let play = |position_secs, total_secs| Heard::Play {
            position_secs,
            total_secs,
        };
        assert_eq!(
            progress_for(play(1450.0, Some(1466.0)), None),
            at(0.0, true)
        );
        assert_eq!(
            progress_for(play(1450.0, None), Some(1466.0)),
            at(0.0, true),
            "the episode's own length when the action has none"
        );
        assert_eq!(
            progress_for(play(754.0, Some(1466.0)), None),
            at(754.0, false)
        );
        assert_eq!(progress_for(play(754.0, None), None), at(754.0, false));
        assert_eq!(progress_for(Heard::New, Some(10.0)), at(0.0, false));
    }

    #[test]
    fn only_play_and_new_say_anything_about_the_place() {
        assert_eq!(
            heard("PLAY", Some(120.0), Some(500.0)),
            Some(Heard::Play {
                position_secs: 120.0,
                total_secs: Some(500.0)
            })
        );
        assert_eq!(
            heard("play", Some(120.0), Some(-1.0)),
            Some(Heard::Play {
                position_secs: 120.0,
                total_secs: None
            }),
            "Nextcloud's -1 is no total"
        );
        assert_eq!(heard("play", Some(-1.0), Some(500.0)), None);
        assert_eq!(heard("new", None, None), Some(Heard::New));
        assert_eq!(heard("download", Some(0.0), None), None);
        assert_eq!(heard("delete", None, None), None);
    }

    #[test]
    fn the_newer_action_wins_and_a_tie_goes_to_the_one_further_along() {
        let (ten, twenty) = (at(10.0, false), at(20.0, false));
        assert!(remote_wins(200, ten, Some(100), twenty));
        assert!(!remote_wins(100, twenty, Some(200), ten));
        assert!(remote_wins(100, ten, None, twenty));
        // The same second: both devices pick the same one.
        assert!(remote_wins(100, twenty, Some(100), ten));
        assert!(!remote_wins(100, ten, Some(100), twenty));
        assert!(remote_wins(100, at(0.0, true), Some(100), twenty));
        assert!(
            !remote_wins(100, ten, Some(100), ten),
            "our own, back again"
        );
    }

    #[test]
    fn a_change_waiting_here_beats_the_servers_opposite() {
        use Followed::*;
        // Removed here (not sent yet): the server's add is older news.
        assert_eq!(remote_subscription(true, Some(false), false, false), Keep);
        // Subscribed here (not sent yet): the server's remove is older news.
        assert_eq!(remote_subscription(false, Some(true), true, false), Keep);
        assert_eq!(remote_subscription(true, None, false, false), Add);
        assert_eq!(remote_subscription(true, None, true, false), Keep);
        assert_eq!(remote_subscription(false, None, true, false), Remove);
        assert_eq!(remote_subscription(false, None, false, false), Keep);
        assert_eq!(
            remote_subscription(false, None, true, true),
            Keep,
            "a first sync removes nothing"
        );
        assert_eq!(remote_subscription(true, None, false, true), Add);
    }

    #[test]
    fn timestamps_are_utc_without_a_zone() {
        assert_eq!(format_timestamp(1_260_608_400), "2009-12-12T09:00:00");
        assert_eq!(parse_timestamp("2009-12-12T09:00:00"), Some(1_260_608_400));
        assert_eq!(
            parse_timestamp("2009-12-12T09:00:00.250"),
            Some(1_260_608_400)
        );
        assert_eq!(parse_timestamp("2009-12-12T09:00:00Z"), Some(1_260_608_400));
        assert_eq!(
            parse_timestamp("2009-12-12T10:00:00+01:00"),
            Some(1_260_608_400)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn device_ids_keep_to_what_the_api_accepts() {
        assert_eq!(device_id("ada's laptop"), "ada-s-laptop");
        assert_eq!(device_id("desk.home_1"), "desk.home_1");
        assert_eq!(device_id("  "), "earshot-desktop");
    }
}
