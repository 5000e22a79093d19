//! The rules that keep disk use in check, as pure functions of what is on disk, the listener's
//! settings and the time: which episodes to fetch after a refresh, and which downloads to remove.

use crate::model::{AfterPlayed, Candidate, EpisodeId, Held, Retention, UnixTime};

const DAY: i64 = 24 * 60 * 60;

/// The downloads to remove now, oldest first. Played ones go when `after_played` says so. Then,
/// while the total is over the limit, played ones go first (the longest played first), then
/// unplayed ones that were downloaded automatically (the oldest first). Unplayed episodes the
/// listener asked for are never removed by a rule.
pub fn to_remove(held: &[Held], rules: &Retention, now: UnixTime) -> Vec<EpisodeId> {
    let expired = |h: &Held| match (rules.after_played, h.played_at) {
        (_, None) | (AfterPlayed::Never, _) => false,
        (AfterPlayed::Immediately, Some(_)) => true,
        (AfterPlayed::AfterDays(days), Some(at)) => now - at >= i64::from(days) * DAY,
    };
    let mut removed: Vec<EpisodeId> = Vec::new();
    let mut kept: Vec<&Held> = Vec::new();
    for h in held {
        if expired(h) {
            removed.push(h.episode);
        } else {
            kept.push(h);
        }
    }
    let Some(limit) = rules.limit_bytes else {
        return removed;
    };
    let mut total: u64 = kept.iter().map(|h| h.bytes).sum();
    let mut played: Vec<&Held> = kept
        .iter()
        .copied()
        .filter(|h| h.played_at.is_some())
        .collect();
    played.sort_by_key(|h| (h.played_at, h.completed_at, h.episode));
    let mut automatic: Vec<&Held> = kept
        .iter()
        .copied()
        .filter(|h| h.played_at.is_none() && h.automatic)
        .collect();
    automatic.sort_by_key(|h| (h.completed_at, h.episode));
    for h in played.into_iter().chain(automatic) {
        if total <= limit {
            break;
        }
        total = total.saturating_sub(h.bytes);
        removed.push(h.episode);
    }
    removed
}

/// The episodes to fetch for a show that keeps its `newest` newest unplayed episodes downloaded:
/// of those, the ones never downloaded, newest first.
pub fn to_fetch(candidates: &[Candidate], newest: u32) -> Vec<EpisodeId> {
    let mut unplayed: Vec<&Candidate> = candidates.iter().filter(|c| !c.played).collect();
    unplayed.sort_by_key(|c| std::cmp::Reverse((c.published_at, c.episode)));
    unplayed
        .into_iter()
        .take(newest as usize)
        .filter(|c| !c.known)
        .map(|c| c.episode)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = 1_800_000_000;

    fn held(id: i64, mb: u64, played_days_ago: Option<i64>, automatic: bool) -> Held {
        Held {
            episode: EpisodeId(id),
            bytes: mb * 1_000_000,
            played_at: played_days_ago.map(|d| NOW - d * DAY),
            completed_at: NOW - 100 * DAY + id,
            automatic,
        }
    }

    fn ids(list: &[EpisodeId]) -> Vec<i64> {
        list.iter().map(|e| e.0).collect()
    }

    #[test]
    fn played_downloads_go_when_the_rule_says() {
        let all = [
            held(1, 50, Some(0), false),
            held(2, 50, Some(3), false),
            held(3, 50, None, false),
        ];
        let never = Retention::default();
        assert!(to_remove(&all, &never, NOW).is_empty());
        let now = Retention {
            after_played: AfterPlayed::Immediately,
            limit_bytes: None,
        };
        assert_eq!(ids(&to_remove(&all, &now, NOW)), [1, 2]);
        let after = |days| Retention {
            after_played: AfterPlayed::AfterDays(days),
            limit_bytes: None,
        };
        assert_eq!(ids(&to_remove(&all, &after(2), NOW)), [2]);
        assert_eq!(ids(&to_remove(&all, &after(3), NOW)), [2], "exactly 3 days");
        assert!(to_remove(&all, &after(4), NOW).is_empty());
        // The clock moves on a day: now the 3-day-old one is 4 days old.
        assert_eq!(ids(&to_remove(&all, &after(4), NOW + DAY)), [2]);
    }

    #[test]
    fn the_limit_removes_played_then_automatic_never_asked_for_unplayed() {
        let all = [
            held(1, 100, Some(1), false),
            held(2, 100, Some(5), false),
            held(3, 100, None, true),
            held(4, 100, None, false),
            held(5, 100, None, true),
        ];
        let limit = |mb: u64| Retention {
            after_played: AfterPlayed::Never,
            limit_bytes: Some(mb * 1_000_000),
        };
        assert!(to_remove(&all, &limit(500), NOW).is_empty());
        assert_eq!(
            ids(&to_remove(&all, &limit(400), NOW)),
            [2],
            "longest played first"
        );
        assert_eq!(ids(&to_remove(&all, &limit(300), NOW)), [2, 1]);
        assert_eq!(ids(&to_remove(&all, &limit(200), NOW)), [2, 1, 3]);
        assert_eq!(ids(&to_remove(&all, &limit(0), NOW)), [2, 1, 3, 5]);
    }

    #[test]
    fn automatic_downloads_take_the_newest_unplayed_never_known() {
        let c = |id, published, played, known| Candidate {
            episode: EpisodeId(id),
            published_at: Some(published),
            played,
            known,
        };
        let show = [
            c(1, 100, false, false),
            c(2, 200, true, false),
            c(3, 300, false, true),
            c(4, 400, false, false),
            c(5, 500, false, false),
        ];
        assert_eq!(ids(&to_fetch(&show, 0)), Vec::<i64>::new());
        assert_eq!(ids(&to_fetch(&show, 1)), [5]);
        assert_eq!(
            ids(&to_fetch(&show, 3)),
            [5, 4],
            "3 is known (deleted by hand)"
        );
        assert_eq!(ids(&to_fetch(&show, 10)), [5, 4, 1]);
    }
}
