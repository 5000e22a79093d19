//! fyyd.de's podcast search (API 0.2: `/0.2/search/podcast?term=…&count=N`, answered as
//! `{ status, msg, data: [...] }`). Its `categories` are fyyd's own numeric ids, sometimes a
//! list and sometimes a bare number, so only named categories are kept.

use reqwest::header::HeaderMap;
use serde_json::Value;
use url::Url;

use super::Directories;
use super::http::failure;
use super::json::{items, number, short_description, text, web_address};
use crate::model::{DirectoryFailure, DirectoryShow, DirectorySource};

const SOURCE: DirectorySource = DirectorySource::Fyyd;

impl Directories {
    pub(super) async fn fyyd_search(
        &self,
        term: &str,
        count: u32,
    ) -> Result<Vec<DirectoryShow>, DirectoryFailure> {
        let base = &self.endpoints.fyyd;
        let mut url = Url::parse(&format!("{base}/0.2/search/podcast"))
            .map_err(|_| failure(SOURCE, format!("fyyd's address {base} is not usable")))?;
        url.query_pairs_mut()
            .append_pair("term", term)
            .append_pair("count", &count.to_string());
        let answer = self.get_json(SOURCE, url, HeaderMap::new()).await?;
        results(&answer)
    }
}

fn results(answer: &Value) -> Result<Vec<DirectoryShow>, DirectoryFailure> {
    if number(answer, "status") == Some(0) {
        let said = text(answer, "msg").unwrap_or_else(|| "no reason given".into());
        return Err(failure(SOURCE, format!("fyyd refused the search: {said}")));
    }
    Ok(items(answer.get("data"))
        .into_iter()
        .filter_map(|hit| {
            Some(DirectoryShow {
                title: text(hit, "title")?,
                author: text(hit, "author"),
                feed_url: web_address(text(hit, "xmlURL")),
                artwork_url: ["imgURL", "layoutImageURL", "thumbImageURL", "smallImageURL"]
                    .into_iter()
                    .find_map(|key| web_address(text(hit, key))),
                categories: items(hit.get("categories"))
                    .into_iter()
                    .filter_map(|c| c.as_str().map(str::trim).filter(|c| !c.is_empty()))
                    .map(str::to_string)
                    .collect(),
                source: SOURCE,
                episode_count: number(hit, "episode_count")
                    .or_else(|| number(hit, "episodes"))
                    .and_then(|n| u32::try_from(n).ok()),
                subscribed: false,
                description: short_description(
                    text(hit, "description").or_else(|| text(hit, "subtitle")),
                ),
                itunes_id: None,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hits_are_read_whatever_shape_categories_take() {
        let answer = json!({ "status": 1, "msg": "ok", "data": [
            { "title": "Freak Show", "xmlURL": "https://feeds.example/fs", "imgURL": "http://i.example/a.jpg",
              "categories": [52, 61], "episode_count": "195", "description": "<p>Talk</p>", "author": "Tim" },
            { "title": "One Category", "xmlURL": "http://x.example/feed", "categories": 38 },
            { "xmlURL": "http://untitled.example/feed" }
        ]});
        let shows = results(&answer).expect("results");
        assert_eq!(shows.len(), 2);
        assert_eq!(shows[0].episode_count, Some(195));
        assert_eq!(shows[0].description.as_deref(), Some("Talk"));
        assert_eq!(shows[0].author.as_deref(), Some("Tim"));
        assert!(shows[0].categories.is_empty());
        assert_eq!(shows[1].artwork_url, None);
    }

    #[test]
    fn a_refusal_is_named() {
        let refused =
            results(&json!({ "status": 0, "msg": "no term given" })).expect_err("refused");
        assert_eq!(refused.message, "fyyd refused the search: no term given");
        assert!(
            results(&json!({ "status": 1, "data": [] }))
                .expect("empty")
                .is_empty()
        );
    }
}
