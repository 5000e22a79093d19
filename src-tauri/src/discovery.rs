//! The directory search under way: one at a time, so a query the listener has typed past never
//! keeps its requests (or its answers) alive.

use earshot_core::DirectorySearch;
use tokio::sync::{mpsc, watch};

pub struct Discovery {
    /// Counts searches; each ends when the count moves past its own.
    searches: watch::Sender<u64>,
}

impl Default for Discovery {
    fn default() -> Self {
        Self {
            searches: watch::channel(0).0,
        }
    }
}

impl Discovery {
    /// Hands each of `updates` to `deliver` until the search is done or superseded; then drops
    /// `updates`, which stops the core's outstanding requests.
    pub async fn follow(
        &self,
        mut updates: mpsc::Receiver<DirectorySearch>,
        mut deliver: impl FnMut(DirectorySearch),
    ) {
        let mut this = 0;
        self.searches.send_modify(|n| {
            *n += 1;
            this = *n;
        });
        let mut searches = self.searches.subscribe();
        loop {
            tokio::select! {
                update = updates.recv() => match update {
                    Some(update) => {
                        let done = update.done;
                        deliver(update);
                        if done {
                            return;
                        }
                    }
                    None => return,
                },
                changed = searches.changed() => {
                    if changed.is_err() || *searches.borrow() != this {
                        tracing::debug!("directory search superseded");
                        return;
                    }
                }
            }
        }
    }

    /// Ends the search under way.
    pub fn supersede(&self) {
        self.searches.send_modify(|n| *n += 1);
    }
}
