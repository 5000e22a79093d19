//! Apple's directory: the iTunes Search API (`/search`, `/lookup`) and the top-podcasts chart
//! (`/{country}/rss/toppodcasts/…/json`), and Apple Podcasts page addresses.
//!
//! A chart entry carries Apple's id but no feed address: [`Directories::itunes_chart`] resolves
//! them all with one batched lookup, and entries the lookup does not know keep `feed_url: None`.

use std::collections::HashMap;

use reqwest::header::HeaderMap;
use serde_json::Value;
use url::Url;

use super::Directories;
use super::http::failure;
use super::json::{at, items, number, short_description, text, web_address};
use crate::model::{DirectoryFailure, DirectoryShow, DirectorySource};

const SOURCE: DirectorySource = DirectorySource::Itunes;
/// Ids per lookup: Apple answers up to 200 at once.
const LOOKUP_BATCH: usize = 200;

impl Directories {
    /// `/search?media=podcast&entity=podcast&term=…`.
    pub(super) async fn itunes_search(
        &self,
        term: &str,
        country: &str,
        limit: u32,
    ) -> Result<Vec<DirectoryShow>, DirectoryFailure> {
        let mut url = self.itunes_url("/search")?;
        url.query_pairs_mut()
            .append_pair("media", "podcast")
            .append_pair("entity", "podcast")
            .append_pair("term", term)
            .append_pair("limit", &limit.to_string())
            .append_pair("country", country);
        let answer = self.get_json(SOURCE, url, HeaderMap::new()).await?;
        Ok(search_results(&answer))
    }

    /// `/lookup?id=1,2,3&entity=podcast`: what Apple knows of these shows, by id.
    pub(super) async fn itunes_lookup(
        &self,
        ids: &[u64],
        country: Option<&str>,
    ) -> Result<HashMap<u64, DirectoryShow>, DirectoryFailure> {
        let mut found = HashMap::new();
        for batch in ids.chunks(LOOKUP_BATCH) {
            let mut url = self.itunes_url("/lookup")?;
            let joined: Vec<String> = batch.iter().map(u64::to_string).collect();
            // Commas as Apple documents them, not %2C: the ids are digits, nothing to escape.
            url.set_query(Some(&format!("id={}&entity=podcast", joined.join(","))));
            if let Some(country) = country {
                url.query_pairs_mut().append_pair("country", country);
            }
            let answer = self.get_json(SOURCE, url, HeaderMap::new()).await?;
            for show in search_results(&answer) {
                if let Some(id) = show.itunes_id {
                    found.insert(id, show);
                }
            }
        }
        Ok(found)
    }

    /// Apple's top shows in `genre` (or all) for `country`, each resolved to its feed by one
    /// batched lookup. A lookup that fails leaves the entries unresolved and is the second value.
    pub(super) async fn itunes_chart(
        &self,
        genre: Option<u32>,
        country: &str,
        limit: u32,
    ) -> Result<(Vec<DirectoryShow>, Option<DirectoryFailure>), DirectoryFailure> {
        let genre = genre.map(|g| format!("/genre={g}")).unwrap_or_default();
        let url = self.itunes_url(&format!(
            "/{country}/rss/toppodcasts/limit={limit}{genre}/json"
        ))?;
        let answer = self.get_json(SOURCE, url, HeaderMap::new()).await?;
        let mut shows = chart_entries(&answer);
        let ids: Vec<u64> = shows.iter().filter_map(|s| s.itunes_id).collect();
        if ids.is_empty() {
            return Ok((shows, None));
        }
        let known = match self.itunes_lookup(&ids, Some(country)).await {
            Ok(known) => known,
            Err(error) => {
                let message = format!(
                    "{} (the chart's feed addresses are not known yet)",
                    error.message
                );
                return Ok((shows, Some(failure(SOURCE, message))));
            }
        };
        for show in &mut shows {
            let Some(found) = show.itunes_id.and_then(|id| known.get(&id)) else {
                continue;
            };
            show.feed_url.clone_from(&found.feed_url);
            if found.artwork_url.is_some() {
                show.artwork_url.clone_from(&found.artwork_url);
            }
            show.episode_count = found.episode_count.or(show.episode_count);
            if show.categories.is_empty() {
                show.categories.clone_from(&found.categories);
            }
            if show.author.is_none() {
                show.author.clone_from(&found.author);
            }
        }
        Ok((shows, None))
    }

    fn itunes_url(&self, path: &str) -> Result<Url, DirectoryFailure> {
        Url::parse(&format!("{}{path}", self.endpoints.itunes)).map_err(|_| {
            failure(
                SOURCE,
                format!("iTunes's address {} is not usable", self.endpoints.itunes),
            )
        })
    }
}

/// The shows in a search or lookup answer (`{ resultCount, results: [...] }`).
fn search_results(answer: &Value) -> Vec<DirectoryShow> {
    items(answer.get("results"))
        .into_iter()
        .filter(|r| text(r, "kind").is_none_or(|k| k == "podcast"))
        .filter_map(search_result)
        .collect()
}

fn search_result(r: &Value) -> Option<DirectoryShow> {
    let title = text(r, "collectionName").or_else(|| text(r, "trackName"))?;
    let genres: Vec<String> = items(r.get("genres"))
        .into_iter()
        .filter_map(|g| g.as_str().map(str::trim))
        .filter(|g| !g.is_empty() && *g != "Podcasts")
        .map(str::to_string)
        .collect();
    let categories = if genres.is_empty() {
        text(r, "primaryGenreName").into_iter().collect()
    } else {
        genres
    };
    Some(DirectoryShow {
        title,
        author: text(r, "artistName"),
        feed_url: web_address(text(r, "feedUrl")),
        artwork_url: [
            "artworkUrl600",
            "artworkUrl100",
            "artworkUrl60",
            "artworkUrl30",
        ]
        .into_iter()
        .find_map(|key| web_address(text(r, key))),
        categories,
        source: SOURCE,
        episode_count: number(r, "trackCount").and_then(|n| u32::try_from(n).ok()),
        subscribed: false,
        description: None,
        itunes_id: number(r, "collectionId").or_else(|| number(r, "trackId")),
    })
}

/// The entries of a top-podcasts chart (`feed.entry`, a list or a lone object).
fn chart_entries(answer: &Value) -> Vec<DirectoryShow> {
    items(at(answer, &["feed", "entry"]))
        .into_iter()
        .filter_map(|entry| {
            let label = |keys: &[&str]| {
                at(entry, keys)
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            let title = label(&["im:name", "label"]).or_else(|| label(&["title", "label"]))?;
            // The largest image Apple offers (they come smallest first).
            let artwork = items(entry.get("im:image"))
                .into_iter()
                .filter_map(|image| {
                    let height = at(image, &["attributes"])
                        .and_then(|a| number(a, "height"))
                        .unwrap_or(0);
                    web_address(text(image, "label")).map(|url| (height, url))
                })
                .max_by_key(|(height, _)| *height)
                .map(|(_, url)| url);
            Some(DirectoryShow {
                title,
                author: label(&["im:artist", "label"]),
                feed_url: None,
                artwork_url: artwork,
                categories: label(&["category", "attributes", "label"])
                    .into_iter()
                    .collect(),
                source: SOURCE,
                episode_count: None,
                subscribed: false,
                description: short_description(label(&["summary", "label"])),
                itunes_id: at(entry, &["id", "attributes"]).and_then(|a| number(a, "im:id")),
            })
        })
        .collect()
}

/// Apple's id (and the store's country, when the address names one) in an Apple Podcasts or
/// iTunes page address: `https://podcasts.apple.com/us/podcast/some-name/id1234567890?i=…`,
/// `itunes.apple.com/gb/podcast/id123`, `podcasts.apple.com/podcast/id123`, with or without
/// the scheme. Anything else is `None`.
pub(super) fn apple_podcast_id(input: &str) -> Option<(u64, Option<String>)> {
    let trimmed = input.trim();
    let lower = trimmed.to_ascii_lowercase();
    let rest = [
        "https://",
        "http://",
        "itms-podcasts://",
        "itms://",
        "podcasts://",
    ]
    .iter()
    .find_map(|scheme| lower.strip_prefix(scheme))
    .unwrap_or(&lower);
    let (host, path) = rest.split_once('/')?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or(host);
    if !matches!(
        host,
        "podcasts.apple.com"
            | "itunes.apple.com"
            | "www.podcasts.apple.com"
            | "www.itunes.apple.com"
    ) {
        return None;
    }
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if !segments.contains(&"podcast") {
        return None;
    }
    let id = segments.iter().rev().find_map(|segment| {
        segment
            .strip_prefix("id")
            .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|digits| digits.parse::<u64>().ok())
    })?;
    let country = segments
        .first()
        .filter(|s| s.len() == 2 && s.bytes().all(|b| b.is_ascii_lowercase()))
        .map(|s| s.to_string());
    Some((id, country))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn apple_page_addresses_give_their_id() {
        let cases = [
            (
                "https://podcasts.apple.com/us/podcast/some-name/id1234567890?i=1000650000000",
                Some((1234567890, Some("us"))),
            ),
            ("itunes.apple.com/gb/podcast/id123", Some((123, Some("gb")))),
            ("podcasts.apple.com/podcast/id42", Some((42, None))),
            (
                "HTTPS://Podcasts.Apple.com/de/podcast/caf%C3%A9/id77",
                Some((77, Some("de"))),
            ),
            ("https://example.com/podcast/id123", None),
            ("https://podcasts.apple.com/us/browse", None),
            ("https://podcasts.apple.com/us/podcast/name/idabc", None),
            (
                "https://feeds.example.com/itunes.apple.com/podcast/id1",
                None,
            ),
        ];
        for (input, expected) in cases {
            let got = apple_podcast_id(input);
            let expected = expected.map(|(id, c): (u64, Option<&str>)| (id, c.map(str::to_string)));
            assert_eq!(got, expected, "{input}");
        }
    }

    #[test]
    fn search_results_take_what_is_there() {
        let answer = json!({ "resultCount": 3, "results": [
            { "kind": "podcast", "collectionId": 1, "collectionName": " Café ", "artistName": "A",
              "feedUrl": "https://a.example/rss", "artworkUrl100": "http://a.example/100.jpg",
              "artworkUrl600": "http://a.example/600.jpg", "trackCount": 12,
              "primaryGenreName": "Technology", "genres": ["Technology", "Podcasts", "Tech News"] },
            { "wrapperType": "track", "collectionId": "2", "collectionName": "No feed", "trackCount": "x" },
            { "kind": "song", "collectionName": "A song" },
            { "collectionId": 3 }
        ]});
        let shows = search_results(&answer);
        assert_eq!(shows.len(), 2);
        assert_eq!(shows[0].title, "Café");
        assert_eq!(
            shows[0].artwork_url.as_deref(),
            Some("http://a.example/600.jpg")
        );
        assert_eq!(shows[0].categories, ["Technology", "Tech News"]);
        assert_eq!(shows[0].episode_count, Some(12));
        assert_eq!(shows[1].feed_url, None);
        assert_eq!(shows[1].itunes_id, Some(2));
        assert_eq!(shows[1].episode_count, None);
    }

    #[test]
    fn a_chart_of_one_entry_is_an_object_not_a_list() {
        let answer = json!({ "feed": { "entry": {
            "im:name": { "label": "Only One" },
            "im:image": [
                { "label": "https://a.example/55.png", "attributes": { "height": "55" } },
                { "label": "https://a.example/170.png", "attributes": { "height": "170" } }
            ],
            "summary": { "label": "<p>Hi</p>" },
            "id": { "label": "https://podcasts.apple.com/…", "attributes": { "im:id": "555" } },
            "category": { "attributes": { "label": "Technology", "im:id": "1318" } }
        }}});
        let shows = chart_entries(&answer);
        assert_eq!(shows.len(), 1);
        assert_eq!(shows[0].itunes_id, Some(555));
        assert_eq!(
            shows[0].artwork_url.as_deref(),
            Some("https://a.example/170.png")
        );
        assert_eq!(shows[0].description.as_deref(), Some("Hi"));
        assert_eq!(shows[0].categories, ["Technology"]);
        assert!(chart_entries(&json!({ "feed": {} })).is_empty());
    }
}
