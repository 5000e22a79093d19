//! Podcast Index (`/search/byterm`, `/podcasts/trending`), asked only with the listener's own key
//! and secret. Every request is signed as its documentation says: `X-Auth-Key`, `X-Auth-Date`
//! (whole Unix seconds, now) and `Authorization`, the lowercase hex SHA-1 of key + secret + date.
//! The secret never leaves in any other form and is never logged.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use sha1::{Digest, Sha1};
use url::Url;

use super::Directories;
use super::http::failure;
use super::json::{items, number, short_description, text, web_address};
use crate::model::{DirectoryFailure, DirectoryShow, DirectorySource};

const SOURCE: DirectorySource = DirectorySource::PodcastIndex;

/// A key and secret from the listener's Podcast Index account.
#[derive(Clone, Copy)]
pub(super) struct Credentials<'a> {
    pub key: &'a str,
    pub secret: &'a str,
}

/// The `Authorization` value for `key`, `secret` at `date` (Unix seconds).
pub fn podcast_index_signature(key: &str, secret: &str, date: i64) -> String {
    let digest = Sha1::digest(format!("{key}{secret}{date}").as_bytes());
    crate::hex(&digest)
}

fn signed_headers(credentials: Credentials<'_>) -> Result<HeaderMap, DirectoryFailure> {
    let date = chrono::Utc::now().timestamp();
    let unusable = || {
        failure(
            SOURCE,
            "The Podcast Index key or secret has characters that cannot be sent; check them in Settings",
        )
    };
    let value = |text: &str| HeaderValue::from_str(text).map_err(|_| unusable());
    let mut headers = HeaderMap::new();
    headers.insert(
        HeaderName::from_static("x-auth-key"),
        value(credentials.key)?,
    );
    headers.insert(
        HeaderName::from_static("x-auth-date"),
        value(&date.to_string())?,
    );
    let mut signature = value(&podcast_index_signature(
        credentials.key,
        credentials.secret,
        date,
    ))?;
    signature.set_sensitive(true);
    headers.insert(reqwest::header::AUTHORIZATION, signature);
    Ok(headers)
}

impl Directories {
    pub(super) async fn podcast_index_search(
        &self,
        term: &str,
        max: u32,
        credentials: Credentials<'_>,
    ) -> Result<Vec<DirectoryShow>, DirectoryFailure> {
        let mut url = self.podcast_index_url("/search/byterm")?;
        url.query_pairs_mut()
            .append_pair("q", term)
            .append_pair("max", &max.to_string());
        let answer = self
            .get_json(SOURCE, url, signed_headers(credentials)?)
            .await?;
        feeds(&answer)
    }

    /// Trending shows, in `categories` (Podcast Index names, comma-separated) and `language`
    /// when given.
    pub(super) async fn podcast_index_trending(
        &self,
        max: u32,
        language: Option<&str>,
        categories: Option<&str>,
        credentials: Credentials<'_>,
    ) -> Result<Vec<DirectoryShow>, DirectoryFailure> {
        let mut url = self.podcast_index_url("/podcasts/trending")?;
        url.query_pairs_mut().append_pair("max", &max.to_string());
        if let Some(language) = language {
            url.query_pairs_mut().append_pair("lang", language);
        }
        if let Some(categories) = categories {
            url.query_pairs_mut().append_pair("cat", categories);
        }
        let answer = self
            .get_json(SOURCE, url, signed_headers(credentials)?)
            .await?;
        feeds(&answer)
    }

    fn podcast_index_url(&self, path: &str) -> Result<Url, DirectoryFailure> {
        let base = &self.endpoints.podcast_index;
        Url::parse(&format!("{base}{path}")).map_err(|_| {
            failure(
                SOURCE,
                format!("Podcast Index's address {base} is not usable"),
            )
        })
    }
}

fn feeds(answer: &Value) -> Result<Vec<DirectoryShow>, DirectoryFailure> {
    let refused = match answer.get("status") {
        Some(Value::Bool(ok)) => !ok,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("false"),
        _ => false,
    };
    if refused {
        let said = text(answer, "description").unwrap_or_else(|| "no reason given".into());
        return Err(failure(
            SOURCE,
            format!("Podcast Index refused the request: {said}"),
        ));
    }
    Ok(items(answer.get("feeds"))
        .into_iter()
        .filter_map(|feed| {
            // `categories` is an object of id → name ({"102": "Technology"}), or null.
            let mut categories: Vec<(u64, String)> = feed
                .get("categories")
                .and_then(Value::as_object)
                .map(|map| {
                    map.iter()
                        .filter_map(|(id, name)| {
                            let name = name.as_str()?.trim();
                            (!name.is_empty())
                                .then(|| (id.parse().unwrap_or(u64::MAX), name.to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default();
            categories.sort();
            Some(DirectoryShow {
                title: text(feed, "title")?,
                author: text(feed, "author").or_else(|| text(feed, "ownerName")),
                feed_url: web_address(text(feed, "url"))
                    .or_else(|| web_address(text(feed, "originalUrl"))),
                artwork_url: web_address(text(feed, "artwork"))
                    .or_else(|| web_address(text(feed, "image"))),
                categories: categories.into_iter().map(|(_, name)| name).collect(),
                source: SOURCE,
                episode_count: number(feed, "episodeCount").and_then(|n| u32::try_from(n).ok()),
                subscribed: false,
                description: short_description(text(feed, "description")),
                itunes_id: number(feed, "itunesId").filter(|id| *id > 0),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_signature_is_the_documented_sha1() {
        // sha1("keysecret1700000000"), computed independently (Python's hashlib).
        assert_eq!(
            podcast_index_signature("key", "secret", 1_700_000_000),
            "abaf71c02050c31e4d4e6b08c1625173af0445ba"
        );
    }

    #[test]
    fn feeds_take_odd_fields_in_their_stride() {
        let answer = json!({ "status": "true", "feeds": [
            { "id": 1, "title": "Tech Talk", "url": "https://t.example/rss", "author": "T",
              "artwork": "", "image": "http://t.example/i.png", "episodeCount": 10,
              "itunesId": null, "categories": { "104": "Tech News", "102": "Technology" },
              "description": "<b>News</b> daily" },
            { "id": 2, "title": "No categories", "url": "", "originalUrl": "http://o.example/f",
              "categories": null, "itunesId": 0, "episodeCount": "7" }
        ]});
        let shows = feeds(&answer).expect("feeds");
        assert_eq!(shows[0].categories, ["Technology", "Tech News"]);
        assert_eq!(
            shows[0].artwork_url.as_deref(),
            Some("http://t.example/i.png")
        );
        assert_eq!(shows[0].description.as_deref(), Some("News daily"));
        assert_eq!(shows[1].feed_url.as_deref(), Some("http://o.example/f"));
        assert_eq!(shows[1].itunes_id, None);
        assert_eq!(shows[1].episode_count, Some(7));
        let refused =
            feeds(&json!({ "status": "false", "description": "Bad key" })).expect_err("refused");
        assert_eq!(
            refused.message,
            "Podcast Index refused the request: Bad key"
        );
    }
}
