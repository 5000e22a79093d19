//! Several directories' answers as one list: the same show listed by two directories (often
//! at addresses that differ only in `http`/`https`, `www.` or a trailing `/`) is one entry, with
//! what each directory knew filled in; and a search's list is ranked best match first.
//!
//! Invariants: merging is pure and deterministic (the lists are taken in the order given,
//! whatever order the directories answered in); an entry keeps the `source` of the first list
//! that had it; ties keep the order in which entries were first seen.

use std::collections::{HashMap, HashSet};

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::model::{DirectoryShow, DirectorySource};

/// Reciprocal-rank fusion's constant: the higher, the less a first place outweighs a tenth.
const FUSION_K: f64 = 20.0;
/// Added when the title is the query, starts with it, or contains it (folded).
const TITLE_IS_QUERY: f64 = 0.12;
const TITLE_STARTS_WITH_QUERY: f64 = 0.06;
const TITLE_CONTAINS_QUERY: f64 = 0.025;

/// A feed address as compared across directories and with the library: scheme ignored
/// (`http` ≡ `https`), host lowercased without `www.`, default ports and a trailing `/` dropped,
/// path and query kept as they are (they are case-sensitive on most servers). Credentials and
/// the fragment are not part of it. Text that is not an address is compared trimmed.
pub fn feed_key(address: &str) -> String {
    let trimmed = address.trim();
    let Ok(url) = url::Url::parse(trimmed) else {
        return trimmed.trim_end_matches('/').to_string();
    };
    let host = url.host_str().unwrap_or("");
    let host = host.strip_prefix("www.").unwrap_or(host);
    let mut key = String::with_capacity(trimmed.len());
    key.push_str(host);
    if let Some(port) = url.port().filter(|p| *p != 80 && *p != 443) {
        key.push(':');
        key.push_str(&port.to_string());
    }
    key.push_str(url.path().trim_end_matches('/'));
    if let Some(query) = url.query().filter(|q| !q.is_empty()) {
        key.push('?');
        key.push_str(query);
    }
    key
}

/// Text for comparing titles and names: accents removed, lowercase, whitespace collapsed.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(
            word.nfd()
                .filter(|c| !is_combining_mark(*c))
                .flat_map(char::to_lowercase),
        );
    }
    out
}

/// The folded `title` + `author`, for shows listed without a feed address.
fn title_key(folded_title: &str, show: &DirectoryShow) -> String {
    format!(
        "{folded_title}\u{1f}{}",
        fold(show.author.as_deref().unwrap_or(""))
    )
}

/// Merges directories' lists for `query`, best match first: each entry scores the sum over
/// the lists that have it of 1 / (K + its place there), plus a bonus when its title is the
/// query, starts with it or contains it. `subscribed` holds [`feed_key`]s of followed feeds.
pub fn merge_ranked(
    query: &str,
    lists: &[(DirectorySource, &[DirectoryShow])],
    subscribed: &HashSet<String>,
) -> Vec<DirectoryShow> {
    let mut merged = Merged::default();
    for (source, list) in lists {
        for (place, show) in list.iter().enumerate() {
            let slot = merged.add(show);
            if merged.last_source[slot] != Some(*source) {
                merged.last_source[slot] = Some(*source);
                merged.scores[slot] += 1.0 / (FUSION_K + place as f64);
            }
        }
    }
    let query = fold(query);
    let mut order: Vec<(f64, usize)> = merged
        .titles
        .iter()
        .zip(&merged.scores)
        .enumerate()
        .map(|(i, (title, score))| (score + title_bonus(title, &query), i))
        .collect();
    // Stable: equal scores keep the order first seen.
    order.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut shows: Vec<Option<DirectoryShow>> = merged.shows.into_iter().map(Some).collect();
    let mut out: Vec<DirectoryShow> = order
        .into_iter()
        .filter_map(|(_, i)| shows.get_mut(i).and_then(Option::take))
        .collect();
    mark_subscribed(&mut out, subscribed);
    out
}

/// Merges lists keeping their order: the first list's entries, then the others' new ones.
pub fn merge_in_order(
    lists: &[&[DirectoryShow]],
    subscribed: &HashSet<String>,
) -> Vec<DirectoryShow> {
    let mut merged = Merged::default();
    for list in lists {
        for show in *list {
            merged.add(show);
        }
    }
    let mut out = merged.shows;
    mark_subscribed(&mut out, subscribed);
    out
}

/// Sets each show's `subscribed` from the followed feeds' [`feed_key`]s.
pub fn mark_subscribed(shows: &mut [DirectoryShow], subscribed: &HashSet<String>) {
    for show in shows {
        show.subscribed = show
            .feed_url
            .as_deref()
            .is_some_and(|url| subscribed.contains(&feed_key(url)));
    }
}

fn title_bonus(title: &str, query: &str) -> f64 {
    if query.is_empty() {
        0.0
    } else if title == query {
        TITLE_IS_QUERY
    } else if title.starts_with(query) {
        TITLE_STARTS_WITH_QUERY
    } else if title.contains(query) {
        TITLE_CONTAINS_QUERY
    } else {
        0.0
    }
}

/// Entries so far, and where to find each by feed address, Apple id, and title with author.
#[derive(Default)]
struct Merged {
    shows: Vec<DirectoryShow>,
    /// Each entry's title, folded.
    titles: Vec<String>,
    scores: Vec<f64>,
    last_source: Vec<Option<DirectorySource>>,
    by_feed: HashMap<String, usize>,
    by_itunes: HashMap<u64, usize>,
    by_title: HashMap<String, usize>,
}

impl Merged {
    /// Adds `show` as a new entry or into the entry it duplicates; gives the entry's index.
    fn add(&mut self, show: &DirectoryShow) -> usize {
        let feed = show.feed_url.as_deref().map(feed_key);
        let folded = fold(&show.title);
        let title = title_key(&folded, show);
        let found = feed
            .as_ref()
            .and_then(|key| self.by_feed.get(key))
            .or_else(|| show.itunes_id.and_then(|id| self.by_itunes.get(&id)))
            .copied()
            .or_else(|| {
                // Title and author only join entries when one of them has no address: two
                // feeds with one title are two shows.
                self.by_title
                    .get(&title)
                    .copied()
                    .filter(|&i| feed.is_none() || self.shows[i].feed_url.is_none())
            });
        let index = match found {
            Some(index) => {
                fill(&mut self.shows[index], show);
                index
            }
            None => {
                self.shows.push(show.clone());
                self.titles.push(folded);
                self.scores.push(0.0);
                self.last_source.push(None);
                self.shows.len() - 1
            }
        };
        // The entry's own address was keyed when it was added or filled in, from a `feed` like
        // this one; keying this spelling too lets later ones find it.
        if let Some(key) = feed {
            self.by_feed.entry(key).or_insert(index);
        }
        let entry = &self.shows[index];
        if let Some(id) = entry.itunes_id {
            self.by_itunes.entry(id).or_insert(index);
        }
        self.by_title.entry(title).or_insert(index);
        index
    }
}

/// What `into` lacks, taken from `from`.
fn fill(into: &mut DirectoryShow, from: &DirectoryShow) {
    if into.feed_url.is_none() {
        into.feed_url.clone_from(&from.feed_url);
    }
    if into.author.is_none() {
        into.author.clone_from(&from.author);
    }
    if into.artwork_url.is_none() {
        into.artwork_url.clone_from(&from.artwork_url);
    }
    if into.episode_count.is_none() {
        into.episode_count = from.episode_count;
    }
    if into.categories.is_empty() {
        into.categories.clone_from(&from.categories);
    }
    if into.itunes_id.is_none() {
        into.itunes_id = from.itunes_id;
    }
    if into.description.is_none() {
        into.description.clone_from(&from.description);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(source: DirectorySource, title: &str, feed: Option<&str>) -> DirectoryShow {
        DirectoryShow {
            title: title.to_string(),
            author: None,
            feed_url: feed.map(str::to_string),
            artwork_url: None,
            categories: Vec::new(),
            source,
            episode_count: None,
            subscribed: false,
            description: None,
            itunes_id: None,
        }
    }

    use DirectorySource::{Fyyd, Itunes, PodcastIndex};

    #[test]
    fn feed_keys_ignore_scheme_www_default_ports_and_a_trailing_slash() {
        let same = [
            "https://www.Example.com/Feed.xml",
            "http://example.com/Feed.xml/",
            "https://example.com:443/Feed.xml",
            "http://user:pw@EXAMPLE.com:80/Feed.xml#top",
        ];
        for address in same {
            assert_eq!(feed_key(address), "example.com/Feed.xml", "{address}");
        }
        assert_ne!(
            feed_key("https://example.com/feed.xml"),
            feed_key("https://example.com/Feed.xml")
        );
        assert_eq!(
            feed_key("http://127.0.0.1:8080/f?id=A"),
            "127.0.0.1:8080/f?id=A"
        );
        assert_ne!(
            feed_key("https://a.example/f?id=A"),
            feed_key("https://a.example/f?id=a")
        );
    }

    #[test]
    fn folding_drops_accents_case_and_extra_spaces() {
        assert_eq!(fold("  Café   CRÈME "), "cafe creme");
        assert_eq!(fold("Ñandú"), "nandu");
        assert_eq!(fold("日本語"), "日本語");
    }

    #[test]
    fn duplicates_merge_and_fill_each_other_in() {
        let mut a = show(Itunes, "Rust Radio", Some("https://www.rust.example/feed/"));
        a.itunes_id = Some(7);
        let mut b = show(Fyyd, "Rust Radio", Some("http://rust.example/feed"));
        b.author = Some("Ferris".into());
        b.episode_count = Some(12);
        b.categories = vec!["Technology".into()];
        let mut c = show(
            PodcastIndex,
            "Rust Radio (PI)",
            Some("https://rust.example/feed"),
        );
        c.artwork_url = Some("http://img.example/a.png".into());
        let merged = merge_ranked(
            "rust",
            &[
                (Itunes, &[a][..]),
                (Fyyd, &[b][..]),
                (PodcastIndex, &[c][..]),
            ],
            &HashSet::new(),
        );
        assert_eq!(merged.len(), 1);
        let one = &merged[0];
        assert_eq!(one.source, Itunes);
        assert_eq!(one.title, "Rust Radio");
        assert_eq!(
            one.feed_url.as_deref(),
            Some("https://www.rust.example/feed/")
        );
        assert_eq!(one.author.as_deref(), Some("Ferris"));
        assert_eq!(one.episode_count, Some(12));
        assert_eq!(one.categories, vec!["Technology".to_string()]);
        assert_eq!(one.artwork_url.as_deref(), Some("http://img.example/a.png"));
        assert_eq!(one.itunes_id, Some(7));
    }

    #[test]
    fn shows_without_an_address_merge_by_apple_id_or_title_and_author() {
        let mut chart = show(Itunes, "Quiet Hour", None);
        chart.itunes_id = Some(99);
        chart.author = Some("Ana".into());
        let mut lookup = show(Fyyd, "Quiet Hour", Some("https://q.example/rss"));
        lookup.itunes_id = Some(99);
        let mut same_name = show(PodcastIndex, "quiet  hour", None);
        same_name.author = Some("ANA".into());
        let merged = merge_in_order(&[&[chart], &[lookup], &[same_name]], &HashSet::new());
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].feed_url.as_deref(), Some("https://q.example/rss"));

        // Two feeds with one title are two shows.
        let one = show(Itunes, "News", Some("https://a.example/news"));
        let other = show(Fyyd, "News", Some("https://b.example/news"));
        assert_eq!(
            merge_in_order(&[&[one], &[other]], &HashSet::new()).len(),
            2
        );
    }

    #[test]
    fn shows_listed_by_more_directories_and_titles_matching_the_query_rank_first() {
        let itunes = [
            show(Itunes, "Daily Tech", Some("https://d.example/f")),
            show(Itunes, "All Things Rust", Some("https://r.example/f")),
        ];
        let fyyd = [
            show(Fyyd, "Gardening", Some("https://g.example/f")),
            show(Fyyd, "All Things Rust", Some("http://www.r.example/f/")),
        ];
        let pi = [show(PodcastIndex, "Rust", Some("https://exact.example/f"))];
        let merged = merge_ranked(
            "RÜST",
            &[
                (Itunes, &itunes[..]),
                (Fyyd, &fyyd[..]),
                (PodcastIndex, &pi[..]),
            ],
            &HashSet::new(),
        );
        let titles: Vec<&str> = merged.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            titles,
            ["Rust", "All Things Rust", "Daily Tech", "Gardening"]
        );
    }

    #[test]
    fn ties_keep_the_order_first_seen() {
        let a = [
            show(Itunes, "A", Some("https://a.example/")),
            show(Itunes, "B", Some("https://b.example/")),
        ];
        let c = [
            show(Fyyd, "C", Some("https://c.example/")),
            show(Fyyd, "D", Some("https://d.example/")),
        ];
        let merged = merge_ranked("zzz", &[(Itunes, &a[..]), (Fyyd, &c[..])], &HashSet::new());
        let titles: Vec<&str> = merged.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["A", "C", "B", "D"]);
    }

    #[test]
    fn followed_feeds_are_marked_whatever_their_spelling() {
        let shows = [
            show(Itunes, "Followed", Some("https://www.f.example/rss/")),
            show(Itunes, "Not followed", Some("https://n.example/rss")),
            show(Itunes, "No address", None),
        ];
        let subscribed = HashSet::from([feed_key("http://f.example/rss")]);
        let merged = merge_in_order(&[&shows], &subscribed);
        let marks: Vec<bool> = merged.iter().map(|s| s.subscribed).collect();
        assert_eq!(marks, [true, false, false]);
    }
}
