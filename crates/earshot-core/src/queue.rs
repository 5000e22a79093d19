//! Up Next: the episodes to play after the current one. Persistent (the `queue` table), kept
//! dense (positions 0..n) by rewriting it whole in one transaction on every change, which is
//! cheap at queue sizes people use.

use serde::{Deserialize, Serialize};

use crate::change::Change;
use crate::error::{Error, Result};
use crate::model::{Episode, EpisodeId};
use crate::{Core, Library};

/// Where an episode joins Up Next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// Right after the current episode.
    Next,
    /// At the end.
    Last,
}

/// The order after placing `episode` (moved if already queued).
pub fn placed(queue: &[EpisodeId], episode: EpisodeId, placement: Placement) -> Vec<EpisodeId> {
    let mut order: Vec<EpisodeId> = queue.iter().copied().filter(|e| *e != episode).collect();
    match placement {
        Placement::Next => order.insert(0, episode),
        Placement::Last => order.push(episode),
    }
    order
}

/// The order after moving `episode` to `index` (clamped); unchanged if it is not queued.
pub fn moved(queue: &[EpisodeId], episode: EpisodeId, index: usize) -> Vec<EpisodeId> {
    if !queue.contains(&episode) {
        return queue.to_vec();
    }
    let mut order: Vec<EpisodeId> = queue.iter().copied().filter(|e| *e != episode).collect();
    order.insert(index.min(order.len()), episode);
    order
}

/// What plays after `finished`: the first queued episode that is not `finished` itself.
pub fn next_after(queue: &[EpisodeId], finished: EpisodeId) -> Option<EpisodeId> {
    queue.iter().copied().find(|e| *e != finished)
}

impl Library {
    pub async fn queue_ids(&self) -> Result<Vec<EpisodeId>> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT episode_id FROM queue ORDER BY position")
            .fetch_all(self.pool())
            .await?;
        Ok(ids.into_iter().map(EpisodeId).collect())
    }

    /// Replaces the queue with `order`, in one transaction.
    /// Announces [`Change::QueueChanged`] when the order is not the one stored.
    pub async fn set_queue(&self, order: &[EpisodeId]) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        let current: Vec<i64> =
            sqlx::query_scalar("SELECT episode_id FROM queue ORDER BY position")
                .fetch_all(&mut *tx)
                .await?;
        if current.iter().copied().eq(order.iter().map(|e| e.0)) {
            return Ok(());
        }
        sqlx::query("DELETE FROM queue").execute(&mut *tx).await?;
        for (position, episode) in order.iter().enumerate() {
            sqlx::query("INSERT INTO queue (episode_id, position) VALUES (?, ?)")
                .bind(episode.0)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.changes().publish(Change::QueueChanged);
        Ok(())
    }
}

impl Core {
    /// Up Next, in order.
    pub async fn queue(&self) -> Result<Vec<Episode>> {
        self.library.queued_episodes().await
    }

    pub async fn enqueue(&self, episode: EpisodeId, placement: Placement) -> Result<()> {
        // Fails clearly for an episode that does not exist.
        self.library.episode(episode).await?;
        let queue = self.library.queue_ids().await?;
        self.library
            .set_queue(&placed(&queue, episode, placement))
            .await
    }

    pub async fn dequeue(&self, episode: EpisodeId) -> Result<()> {
        let queue = self.library.queue_ids().await?;
        let order: Vec<EpisodeId> = queue.into_iter().filter(|e| *e != episode).collect();
        self.library.set_queue(&order).await
    }

    pub async fn move_in_queue(&self, episode: EpisodeId, index: u32) -> Result<()> {
        let queue = self.library.queue_ids().await?;
        if !queue.contains(&episode) {
            return Err(Error::not_found(format!("{episode} in Up Next")));
        }
        let index = usize::try_from(index).unwrap_or(usize::MAX);
        self.library.set_queue(&moved(&queue, episode, index)).await
    }

    pub async fn clear_queue(&self) -> Result<()> {
        self.library.set_queue(&[]).await
    }

    /// After `finished` ends: takes the next episode off Up Next (and `finished` too, if it was
    /// queued) and returns it.
    pub async fn take_next(&self, finished: EpisodeId) -> Result<Option<EpisodeId>> {
        let queue = self.library.queue_ids().await?;
        let next = next_after(&queue, finished);
        let order: Vec<EpisodeId> = queue
            .into_iter()
            .filter(|e| *e != finished && Some(*e) != next)
            .collect();
        self.library.set_queue(&order).await?;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(raw: &[i64]) -> Vec<EpisodeId> {
        raw.iter().copied().map(EpisodeId).collect()
    }

    #[test]
    fn placing_moves_an_episode_already_queued() {
        let queue = ids(&[1, 2, 3]);
        assert_eq!(
            placed(&queue, EpisodeId(4), Placement::Last),
            ids(&[1, 2, 3, 4])
        );
        assert_eq!(
            placed(&queue, EpisodeId(4), Placement::Next),
            ids(&[4, 1, 2, 3])
        );
        assert_eq!(
            placed(&queue, EpisodeId(3), Placement::Next),
            ids(&[3, 1, 2])
        );
        assert_eq!(
            placed(&queue, EpisodeId(1), Placement::Last),
            ids(&[2, 3, 1])
        );
    }

    #[test]
    fn moving_reorders_and_clamps() {
        let queue = ids(&[1, 2, 3, 4]);
        assert_eq!(moved(&queue, EpisodeId(1), 2), ids(&[2, 3, 1, 4]));
        assert_eq!(moved(&queue, EpisodeId(4), 0), ids(&[4, 1, 2, 3]));
        assert_eq!(moved(&queue, EpisodeId(2), 99), ids(&[1, 3, 4, 2]));
        assert_eq!(moved(&queue, EpisodeId(9), 0), queue);
    }

    #[test]
    fn next_skips_the_finished_episode() {
        assert_eq!(next_after(&ids(&[5, 6]), EpisodeId(5)), Some(EpisodeId(6)));
        assert_eq!(next_after(&ids(&[5, 6]), EpisodeId(1)), Some(EpisodeId(5)));
        assert_eq!(next_after(&ids(&[5]), EpisodeId(5)), None);
        assert_eq!(next_after(&[], EpisodeId(5)), None);
    }
}
