//! Feeds: turning what a listener typed into a feed address, fetching it over HTTP, and parsing it
//! into shows and episodes with sanitized notes.

mod duration;
mod fetch;
mod notes;
mod parse;

pub use duration::parse_duration;
pub use fetch::{FeedClient, Fetch, Fetched, normalize_feed_url};
pub use notes::sanitize_notes;
pub use parse::{ParsedEpisode, ParsedFeed, parse_feed};
