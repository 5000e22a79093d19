//! What storing a feed needs, worked out before the writer's turn: each episode's content digest
//! and its notes packed (zstd). A refresh does this on a blocking thread beside the parse, so the
//! one writer only copies rows into SQLite. The search index's words are the indexer's to work
//! out, after the refresh (see `index`).
//!
//! Notes are stored packed because raw ones (1–3 KB of HTML each) are what a library is mostly
//! made of: packing halves them, and an episode row then shares its 4 KB page with two or three
//! others instead of having one to itself.

use sha2::{Digest, Sha256};
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

use crate::feed::{ParsedEpisode, ParsedFeed, plain_text};

/// zstd's fastest level: notes pack about as small as at the default level, much sooner.
const PACK_LEVEL: i32 = 1;

/// A parsed feed, ready to be stored with [`super::Library::store_feed`].
#[derive(Debug, Clone)]
pub struct PreparedFeed {
    pub feed: ParsedFeed,
    pub(super) episodes: Vec<PreparedEpisode>,
    /// The show's description without markup, for the show search.
    pub(super) description_words: String,
    pub(super) categories_json: String,
    pub(super) funding_json: String,
}

#[derive(Debug, Clone)]
pub(super) struct PreparedEpisode {
    pub sha256: String,
    /// The notes packed, `None` when there are none.
    pub notes: Option<Vec<u8>>,
}

impl PreparedFeed {
    pub fn new(feed: ParsedFeed) -> Self {
        let mut packer = Packer::new();
        let mut scratch = String::new();
        let episodes = feed
            .episodes
            .iter()
            .map(|episode| PreparedEpisode {
                sha256: episode_digest(episode, &mut scratch),
                notes: packer.pack(&episode.notes),
            })
            .collect();
        PreparedFeed {
            description_words: plain_text(&feed.description_html),
            categories_json: serde_json::to_string(&feed.categories)
                .unwrap_or_else(|_| "[]".to_string()),
            funding_json: serde_json::to_string(&feed.funding).unwrap_or_else(|_| "[]".to_string()),
            episodes,
            feed,
        }
    }
}

/// Packs notes for the `episodes.notes` column, reusing its working memory from one episode to
/// the next.
pub(super) struct Packer(Option<zstd::bulk::Compressor<'static>>);

impl Packer {
    pub fn new() -> Self {
        Packer(zstd::bulk::Compressor::new(PACK_LEVEL).ok())
    }

    /// `None` for no notes.
    pub fn pack(&mut self, notes: &str) -> Option<Vec<u8>> {
        if notes.is_empty() {
            return None;
        }
        // Compressing into memory cannot fail short of memory itself; stored raw in that case,
        // which `Unpacker` also reads.
        Some(
            self.0
                .as_mut()
                .and_then(|p| p.compress(notes.as_bytes()).ok())
                .unwrap_or_else(|| notes.as_bytes().to_vec()),
        )
    }
}

/// Unpacks notes, reusing its working memory from one episode to the next (making it afresh costs
/// more than unpacking a few KB).
pub(super) struct Unpacker(Option<zstd::bulk::Decompressor<'static>>);

impl Unpacker {
    pub fn new() -> Self {
        Unpacker(zstd::bulk::Decompressor::new().ok())
    }

    /// The notes of an episode row: `notes` (packed) when set, else `notes_raw` (rows stored
    /// before notes were packed, until [`super::Library::pack_old_notes`] has been through them).
    pub fn unpack(&mut self, packed: Option<&[u8]>, raw: &str) -> String {
        let Some(packed) = packed else {
            return raw.to_string();
        };
        if !packed.starts_with(&ZSTD_MAGIC) {
            return String::from_utf8_lossy(packed).into_owned();
        }
        let size = zstd::zstd_safe::get_frame_content_size(packed)
            .ok()
            .flatten()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(packed.len() * 8)
            .min(MAX_NOTES);
        let unpacked = match &mut self.0 {
            Some(decompressor) => decompressor.decompress(packed, size),
            None => zstd::bulk::decompress(packed, size),
        };
        match unpacked {
            Ok(bytes) => String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            Err(error) => {
                tracing::warn!(%error, "stored show notes could not be unpacked");
                String::new()
            }
        }
    }
}

/// The four bytes every zstd frame starts with.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Notes larger than this are not unpacked (a feed's whole body is capped far below it).
const MAX_NOTES: usize = 64 * 1024 * 1024;

/// Digests written since xxh3 replaced SHA-256 start with this; older ones are 64 hex digits.
pub(crate) const DIGEST_PREFIX: &str = "xxh3:";

/// Whether `stored` is a SHA-256 digest written by an earlier version.
pub(crate) fn is_sha256(stored: &str) -> bool {
    !stored.starts_with(DIGEST_PREFIX)
}

/// The digest of a feed's body, to tell the same body when it comes again.
pub(crate) fn body_digest(body: &[u8]) -> String {
    format!("{DIGEST_PREFIX}{:032x}", xxh3_128(body))
}

/// The digest an earlier version stored for `body`.
pub(crate) fn body_sha256(body: &[u8]) -> String {
    crate::hex(&Sha256::digest(body))
}

/// A digest of everything stored about an episode, so an unchanged one is not rewritten.
/// `scratch` is reused for the fields written out as text.
pub(super) fn episode_digest(episode: &ParsedEpisode, scratch: &mut String) -> String {
    let mut hash = Xxh3::new();
    absorb(&mut hash, episode, scratch);
    format!("{DIGEST_PREFIX}{:032x}", hash.digest128())
}

/// The digest earlier versions stored for an episode (the same fields, through SHA-256), which
/// a library they wrote still holds for every episode not rewritten since.
pub(super) fn episode_sha256(episode: &ParsedEpisode, scratch: &mut String) -> String {
    let mut hash = Sha256::new();
    absorb(&mut hash, episode, scratch);
    crate::hex(&hash.finalize())
}

/// Whether `stored` is the digest of `episode`, as this version or an earlier one wrote it;
/// `digest` is this version's.
pub(super) fn same_episode(
    stored: &str,
    digest: &str,
    episode: &ParsedEpisode,
    scratch: &mut String,
) -> bool {
    if is_sha256(stored) {
        stored == episode_sha256(episode, scratch)
    } else {
        stored == digest
    }
}

/// What both digests take in.
trait Absorb {
    fn absorb(&mut self, bytes: &[u8]);
}

impl Absorb for Sha256 {
    fn absorb(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

impl Absorb for Xxh3 {
    fn absorb(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// Every stored field of `episode`, into `hash` (the same bytes as ever, so that digests stored
/// by earlier versions still match through SHA-256).
fn absorb(hash: &mut impl Absorb, episode: &ParsedEpisode, scratch: &mut String) {
    let mut digest = Fields { hash, scratch };
    digest.field(episode.title.as_bytes());
    digest.debug(format_args!("{:?}", episode.published_at));
    digest.debug(format_args!("{:?}", episode.duration_secs));
    digest.text(&episode.enclosure_url);
    digest.text(&episode.enclosure_type);
    digest.debug(format_args!("{:?}", episode.enclosure_length));
    digest.field(episode.notes.as_bytes());
    digest.text(&episode.link);
    digest.debug(format_args!(
        "{:?}{:?}{:?}{:?}",
        episode.season, episode.episode_number, episode.episode_type, episode.explicit
    ));
    digest.text(&episode.artwork_url);
    digest.text(&episode.chapters_url);
    digest.debug(format_args!(
        "{:?}{:?}",
        episode.transcripts, episode.persons
    ));
    // Only when there are some, so episodes without them keep the digests stored before.
    if !episode.psc_chapters.is_empty() {
        digest.debug(format_args!("{:?}", episode.psc_chapters));
    }
}

/// Fields hashed one after another, each preceded by its length.
struct Fields<'a, H> {
    hash: &'a mut H,
    scratch: &'a mut String,
}

impl<H: Absorb> Fields<'_, H> {
    fn field(&mut self, bytes: &[u8]) {
        self.hash.absorb(&(bytes.len() as u64).to_le_bytes());
        self.hash.absorb(bytes);
    }

    /// An optional text; a lone NUL when there is none.
    fn text(&mut self, value: &Option<String>) {
        self.field(value.as_deref().unwrap_or("\u{0}").as_bytes());
    }

    /// A value as its `Debug` text, written into the reused scratch string.
    fn debug(&mut self, args: std::fmt::Arguments) {
        use std::fmt::Write;
        self.scratch.clear();
        // Writing into a String cannot fail.
        let _ = self.scratch.write_fmt(args);
        self.hash.absorb(&(self.scratch.len() as u64).to_le_bytes());
        self.hash.absorb(self.scratch.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unpack(packed: Option<&[u8]>, raw: &str) -> String {
        Unpacker::new().unpack(packed, raw)
    }

    #[test]
    fn notes_come_back_as_they_went_in() {
        let notes = "<p>Cost of <b>HTTP/2</b> – 12:26</p>".repeat(40);
        let packed = Packer::new().pack(&notes).unwrap();
        assert!(packed.len() < notes.len() / 4, "{} bytes", packed.len());
        assert_eq!(unpack(Some(&packed), ""), notes);
        assert_eq!(Packer::new().pack(""), None);
        assert_eq!(unpack(None, "old raw notes"), "old raw notes");
    }

    /// How digests were made before: the stored ones must still match.
    fn digest_as_before(episode: &ParsedEpisode) -> String {
        let mut hash = Sha256::new();
        let mut field = |bytes: &[u8]| {
            hash.update((bytes.len() as u64).to_le_bytes());
            hash.update(bytes);
        };
        let text = |value: &Option<String>| value.as_deref().unwrap_or("\u{0}").to_string();
        field(episode.title.as_bytes());
        field(format!("{:?}", episode.published_at).as_bytes());
        field(format!("{:?}", episode.duration_secs).as_bytes());
        field(text(&episode.enclosure_url).as_bytes());
        field(text(&episode.enclosure_type).as_bytes());
        field(format!("{:?}", episode.enclosure_length).as_bytes());
        field(episode.notes.as_bytes());
        field(text(&episode.link).as_bytes());
        field(
            format!(
                "{:?}{:?}{:?}{:?}",
                episode.season, episode.episode_number, episode.episode_type, episode.explicit
            )
            .as_bytes(),
        );
        field(text(&episode.artwork_url).as_bytes());
        field(text(&episode.chapters_url).as_bytes());
        field(format!("{:?}{:?}", episode.transcripts, episode.persons).as_bytes());
        hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn episode_digests_are_the_ones_stored_by_earlier_versions() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/feeds");
        let mut scratch = String::new();
        let mut compared = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "xml") {
                continue;
            }
            let url = url::Url::parse("https://feeds.example/feed.xml").unwrap();
            let Ok(feed) = crate::feed::parse_feed(&std::fs::read(&path).unwrap(), &url) else {
                continue;
            };
            for episode in &feed.episodes {
                assert_eq!(
                    episode_sha256(episode, &mut scratch),
                    digest_as_before(episode)
                );
                compared += 1;
            }
        }
        assert!(compared >= 20, "{compared} episodes compared");
    }

    fn feed(notes: &str) -> ParsedFeed {
        let xml = format!(
            r#"<rss version="2.0"><channel><title>Digests</title>
<item><title>One</title><guid>one</guid><description>{notes}</description>
<enclosure url="https://cdn.example/1.mp3" type="audio/mpeg"/></item>
<item><title>Two</title><guid>two</guid><description>Second</description></item>
</channel></rss>"#
        );
        let url = url::Url::parse("https://feeds.example/feed.xml").unwrap();
        crate::feed::parse_feed(xml.as_bytes(), &url).unwrap()
    }

    #[test]
    fn a_digest_names_its_kind_and_changes_with_any_field() {
        let mut scratch = String::new();
        let episode = &feed("First").episodes[0];
        let digest = episode_digest(episode, &mut scratch);
        assert!(
            digest.starts_with(DIGEST_PREFIX) && !is_sha256(&digest),
            "{digest}"
        );
        assert_eq!(digest.len(), DIGEST_PREFIX.len() + 32);
        assert_eq!(episode_digest(episode, &mut scratch), digest);
        let mut edited = episode.clone();
        edited.enclosure_length = Some(1);
        assert_ne!(episode_digest(&edited, &mut scratch), digest);
        assert!(same_episode(&digest, &digest, episode, &mut scratch));
        let old = episode_sha256(episode, &mut scratch);
        assert!(is_sha256(&old));
        assert!(same_episode(&old, &digest, episode, &mut scratch));
        assert!(!same_episode(&old, &digest, &edited, &mut scratch));
        assert!(is_sha256(&body_sha256(b"body")) && !is_sha256(&body_digest(b"body")));
    }

    #[tokio::test]
    async fn episodes_stored_with_sha256_digests_are_not_rewritten_when_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let library = super::super::Library::open(&dir.path().join("earshot.db"))
            .await
            .unwrap();
        let meta = super::super::FeedMeta::default();
        let url = "https://feeds.example/feed.xml";
        let stored = library
            .store_feed(url, &PreparedFeed::new(feed("First")), &meta, None, 1)
            .await
            .unwrap();
        assert_eq!(stored.new_episodes, 2);
        library.index_backlog().await.unwrap();
        // As an earlier version would have left them.
        let mut scratch = String::new();
        for episode in &feed("First").episodes {
            sqlx::query("UPDATE episodes SET content_sha256 = ? WHERE guid = ?")
                .bind(episode_sha256(episode, &mut scratch))
                .bind(&episode.guid)
                .execute(library.pool())
                .await
                .unwrap();
        }
        let backlog = || async {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM search_backlog")
                .fetch_one(library.pool())
                .await
                .unwrap()
        };
        library
            .store_feed(url, &PreparedFeed::new(feed("First")), &meta, None, 2)
            .await
            .unwrap();
        assert_eq!(backlog().await, 0, "nothing was rewritten");
        // A change is still a change.
        library
            .store_feed(url, &PreparedFeed::new(feed("Edited")), &meta, None, 3)
            .await
            .unwrap();
        assert_eq!(backlog().await, 1, "the edited episode was rewritten");
        let digest: String =
            sqlx::query_scalar("SELECT content_sha256 FROM episodes WHERE guid = 'one'")
                .fetch_one(library.pool())
                .await
                .unwrap();
        assert!(digest.starts_with(DIGEST_PREFIX), "{digest}");
    }

    #[test]
    fn damaged_packed_notes_read_as_none_rather_than_failing() {
        let mut packed = Packer::new().pack(&"notes ".repeat(100)).unwrap();
        packed.truncate(packed.len() / 2);
        assert_eq!(unpack(Some(&packed), ""), "");
        assert_eq!(unpack(Some(b"plain bytes"), ""), "plain bytes");
    }
}
