//! One function per subcommand, grouped by domain. Each takes the open [`Core`] and the
//! subcommand's arguments and returns its [`Report`](crate::report::Report), or a [`Fatal`]
//! that decides the exit status. A function prints nothing on stdout; on stderr it draws
//! progress and says what failed along the way without ending the command.
//!
//! Also here: how what the listener typed names a show or an episode.

pub mod discover;
pub mod downloads;
pub mod episodes;
pub mod inside;
pub mod refresh;
pub mod subscriptions;
pub mod sync;

use earshot_core::{Core, EpisodeId, ShowId, UnixTime};

use crate::Fatal;

/// The clock, read where a command acts; the core takes it as an argument.
fn now() -> UnixTime {
    chrono::Utc::now().timestamp()
}

/// A show by its id or its feed address (in any form `subscribe` accepts).
async fn find_show(core: &Core, text: &str) -> Result<ShowId, Fatal> {
    if let Ok(id) = text.trim().parse::<i64>() {
        return match core.library().show(ShowId(id)).await {
            Ok(show) => Ok(show.id),
            Err(_) => Err(Fatal::Usage(format!("there is no show {id}"))),
        };
    }
    let url = earshot_core::feed::normalize_feed_url(text)?;
    for candidate in [text.trim(), url.as_str()] {
        if let Some(id) = core.library().show_id_for_url(candidate).await? {
            return Ok(id);
        }
    }
    Err(Fatal::Usage(format!(
        "no subscription has the address {text}"
    )))
}

/// An episode by its id or its feed guid.
async fn find_episode(core: &Core, text: &str) -> Result<EpisodeId, Fatal> {
    if let Ok(id) = text.trim().parse::<i64>()
        && core.library().episode(EpisodeId(id)).await.is_ok()
    {
        return Ok(EpisodeId(id));
    }
    match core
        .library()
        .episodes_with_guid(text.trim())
        .await?
        .as_slice()
    {
        [one] => Ok(*one),
        [] => Err(Fatal::Usage(format!("there is no episode {text}"))),
        several => Err(Fatal::Usage(format!(
            "{} episodes have the guid {text}; give an id: {}",
            several.len(),
            several
                .iter()
                .map(|e| e.0.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}
