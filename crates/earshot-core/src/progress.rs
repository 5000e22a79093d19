//! The rules that keep a listener's place, as pure functions of what was observed and the time,
//! so they are tested without a player or a clock.

use crate::model::{EpisodeId, Progress};

/// Near the end, an episode counts as finished and starts from the top next time.
pub const FINISHED_TAIL_SECS: f64 = 30.0;
/// While playing, the place is saved at least this often, so a crash loses at most this much.
pub const SAVE_INTERVAL_SECS: f64 = 10.0;

/// Whether `position` is in an episode's closing stretch: the last [`FINISHED_TAIL_SECS`], or
/// the last tenth of a short episode.
pub fn near_end(position_secs: f64, duration_secs: Option<f64>) -> bool {
    match duration_secs {
        Some(duration) if duration > 0.0 => {
            position_secs >= (duration - FINISHED_TAIL_SECS).max(duration * 0.9)
        }
        _ => false,
    }
}

/// Where to start an episode given its saved progress.
pub fn resume_position(progress: Progress, duration_secs: Option<f64>) -> f64 {
    let position = progress.position_secs.max(0.0);
    if progress.played || near_end(position, duration_secs) {
        0.0
    } else {
        position
    }
}

/// Why a place is being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// Still with this episode (paused, seeking, or the periodic save).
    Listening,
    /// Moving to another episode, or quitting.
    Leaving,
    /// It played to the end.
    Ended,
}

/// The progress to store: an episode counts as played when it ended, or when the listener
/// leaves it in its closing stretch; a played episode starts from the top next time.
pub fn progress_at(position_secs: f64, duration_secs: Option<f64>, moment: Moment) -> Progress {
    let finished = match moment {
        Moment::Ended => true,
        Moment::Leaving => near_end(position_secs, duration_secs),
        Moment::Listening => false,
    };
    Progress {
        position_secs: if finished {
            0.0
        } else {
            position_secs.max(0.0)
        },
        played: finished,
    }
}

/// One observation of the player, reduced to what the saver cares about.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    pub episode: EpisodeId,
    pub playing: bool,
    pub position_secs: f64,
    pub duration_secs: Option<f64>,
}

/// What to write now, if anything: the previous episode's last place when the episode changes;
/// the current place when playback pauses or starts, after a jump (seek), and every
/// [`SAVE_INTERVAL_SECS`] while playing. `since_last_save` is the wall time since the last write.
pub fn place_to_save(
    previous: Option<Observed>,
    current: Observed,
    since_last_save: f64,
) -> Option<Observed> {
    let previous = previous?;
    if previous.episode != current.episode {
        return Some(previous);
    }
    let toggled = previous.playing != current.playing;
    let jumped = (current.position_secs - previous.position_secs).abs() > 3.0;
    let due = current.playing && since_last_save >= SAVE_INTERVAL_SECS;
    (toggled || jumped || due).then_some(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(playing: bool, position_secs: f64) -> Observed {
        Observed {
            episode: EpisodeId(1),
            playing,
            position_secs,
            duration_secs: Some(1466.0),
        }
    }

    #[test]
    fn resume_continues_unless_finished() {
        let at = |p| Progress {
            position_secs: p,
            played: false,
        };
        assert_eq!(resume_position(at(125.0), Some(1466.0)), 125.0);
        assert_eq!(resume_position(at(125.0), None), 125.0);
        assert_eq!(resume_position(at(1440.0), Some(1466.0)), 0.0);
        assert_eq!(resume_position(at(-3.0), Some(1466.0)), 0.0);
        let played = Progress {
            position_secs: 500.0,
            played: true,
        };
        assert_eq!(resume_position(played, Some(1466.0)), 0.0);
    }

    #[test]
    fn played_when_ended_or_left_near_the_end() {
        let long = Some(1466.0);
        assert!(!progress_at(700.0, long, Moment::Listening).played);
        assert!(!progress_at(1450.0, long, Moment::Listening).played);
        assert!(!progress_at(1200.0, long, Moment::Leaving).played);
        assert_eq!(
            progress_at(1450.0, long, Moment::Leaving),
            Progress {
                position_secs: 0.0,
                played: true
            }
        );
        assert!(progress_at(3.0, long, Moment::Ended).played);
        // A 20 s clip is not "played" after a second just because 30 s exceeds its length.
        assert!(!progress_at(1.0, Some(20.0), Moment::Leaving).played);
        assert!(progress_at(19.0, Some(20.0), Moment::Leaving).played);
        assert!(!progress_at(500.0, None, Moment::Leaving).played);
    }

    #[test]
    fn saves_on_pause_seek_change_and_every_ten_seconds() {
        let saves = |prev, cur, since| place_to_save(Some(prev), cur, since);
        assert_eq!(place_to_save(None, seen(true, 1.0), 0.0), None);
        assert_eq!(
            saves(seen(true, 5.0), seen(false, 5.1), 1.0),
            Some(seen(false, 5.1))
        );
        assert_eq!(
            saves(seen(false, 5.0), seen(true, 5.0), 1.0),
            Some(seen(true, 5.0))
        );
        assert_eq!(
            saves(seen(true, 5.0), seen(true, 60.0), 1.0),
            Some(seen(true, 60.0))
        );
        assert_eq!(saves(seen(true, 5.0), seen(true, 5.25), 4.0), None);
        assert_eq!(
            saves(seen(true, 5.0), seen(true, 5.25), 10.0),
            Some(seen(true, 5.25))
        );
        assert_eq!(
            saves(seen(false, 5.0), seen(false, 5.0), 30.0),
            None,
            "idle pause"
        );
        let other = Observed {
            episode: EpisodeId(2),
            ..seen(true, 0.0)
        };
        assert_eq!(
            saves(seen(true, 50.0), other, 1.0),
            Some(seen(true, 50.0)),
            "old one kept"
        );
    }
}
