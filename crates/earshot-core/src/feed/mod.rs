//! Feeds: turning what a listener typed into a feed address, fetching it over HTTP, and parsing it
//! into shows and episodes with sanitized notes.

mod discover;
mod duration;
mod extras;
pub(crate) mod fetch;
pub(crate) mod notes;
mod parse;
mod salvage;

pub use crate::model::{Funding, Person, Transcript};
pub use discover::feed_links;
pub use duration::parse_duration;
pub(crate) use extras::attribute_text;
pub use fetch::{
    Credentials, FeedClient, Fetch, FetchOptions, Fetched, MAX_REDIRECTS, Request, link_argument,
    normalize_feed_url, split_credentials,
};
pub use notes::{plain_text, sanitize_notes};
pub use parse::{ParsedEpisode, ParsedFeed, mime_from_extension, parse_feed};
