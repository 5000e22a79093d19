//! Feeds that look like real shows, in two shapes (see [`Shape`]): iTunes tags, enclosures with
//! lengths, and HTML show notes. Deterministic for a given seed, so every tool in a run, and
//! every run, sees the same bytes.

/// What the episodes' notes look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// 1–3 KB of notes: paragraphs with a link each and a short timecode list.
    Standard,
    /// Notes as tech shows write them: a paragraph, about 25 timecoded items (`0:05:30 …`), a
    /// sponsor line with entities and tracking links, two link lists; and beside them an
    /// `itunes:summary`, an episode link and `itunes:episode`.
    NotesHeavy,
}

impl Shape {
    pub fn name(self) -> &'static str {
        match self {
            Shape::Standard => "standard",
            Shape::NotesHeavy => "notes-heavy",
        }
    }

    /// A word found in every feed's notes and in no title.
    pub fn notes_word(self) -> &'static str {
        match self {
            Shape::Standard => "notes",
            Shape::NotesHeavy => "sponsor",
        }
    }
}

/// Words that open the vocabulary (the most frequent ones).
const COMMON: &[&str] = &[
    "the", "and", "of", "to", "in", "we", "a", "is", "that", "it", "for", "on", "with", "this",
    "you", "about", "how", "why", "what", "our", "guest", "talk", "episode", "show", "today",
];

/// Topic words, placed at moderate frequency (ranks 100 to 160), as a show's subjects are.
const TOPICS: &[&str] = &[
    "database",
    "replication",
    "latency",
    "kubernetes",
    "protocol",
    "backend",
    "frontend",
    "queue",
    "index",
    "cache",
    "consensus",
    "storage",
    "network",
    "compiler",
    "memory",
    "thread",
    "socket",
    "certificate",
    "browser",
    "server",
    "client",
    "stream",
    "packet",
    "router",
    "kernel",
    "scheduler",
    "transaction",
    "isolation",
    "snapshot",
    "shard",
    "partition",
    "leader",
    "follower",
    "timeout",
    "retry",
    "budget",
    "interview",
    "history",
    "gardening",
    "cooking",
    "football",
    "election",
    "economy",
    "climate",
    "music",
    "novel",
    "science",
    "health",
    "sleep",
    "coffee",
];

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "za", "be", "do", "fu", "gi", "ha", "ji", "ko",
    "li", "ma", "no", "pe", "ri", "su", "ta", "wo", "ye", "chi", "sho", "tra", "ple", "ist",
];

/// A vocabulary of about 6,000 words whose use follows Zipf's law, as natural text does: a few
/// words everywhere, most words rare.
struct Vocabulary {
    words: Vec<String>,
    /// Cumulative weights, for sampling by rank.
    cumulative: Vec<f64>,
}

impl Vocabulary {
    fn new() -> Self {
        let size = 6_000;
        let mut words: Vec<String> = COMMON.iter().map(|w| (*w).to_string()).collect();
        let mut n = 0usize;
        while words.len() < size {
            if words.len() == 100 {
                words.extend(TOPICS.iter().map(|w| (*w).to_string()));
            }
            let mut word = String::new();
            let mut k = n + 7;
            for _ in 0..(2 + n % 3) {
                word.push_str(SYLLABLES[k % SYLLABLES.len()]);
                k = k / SYLLABLES.len() + 3 * (n % 11) + 1;
            }
            n += 1;
            if !words.contains(&word) {
                words.push(word);
            }
        }
        let mut total = 0.0;
        let cumulative = (0..words.len())
            .map(|rank| {
                total += 1.0 / (rank as f64 + 1.0);
                total
            })
            .collect();
        Self { words, cumulative }
    }

    fn sample(&self, rng: &mut Rng) -> &str {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let target = (rng.next() % 1_000_000) as f64 / 1_000_000.0 * total;
        let rank = self.cumulative.partition_point(|c| *c < target);
        self.words
            .get(rank)
            .or(self.words.last())
            .map_or("word", String::as_str)
    }
}

thread_local! {
    static VOCABULARY: Vocabulary = Vocabulary::new();
}

/// A xorshift generator: fast, deterministic, good enough for text.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn sentence(&mut self, words: u64) -> String {
        let mut out = String::new();
        VOCABULARY.with(|vocabulary| {
            for i in 0..words {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(vocabulary.sample(self));
            }
        });
        if let Some(first) = out.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        out.push('.');
        out
    }
}

/// Show notes of 1–3 KB.
fn notes(rng: &mut Rng, episode: usize) -> String {
    let target = 1000 + rng.below(2000) as usize;
    let mut html = String::with_capacity(target + 400);
    html.push_str("<p>");
    html.push_str(&rng.sentence(14));
    html.push_str(" <b>");
    html.push_str(&rng.sentence(4));
    html.push_str("</b></p><ul>");
    let mut minute = 0;
    for _ in 0..4 {
        minute += 3 + rng.below(12);
        html.push_str(&format!(
            "<li>{}:{:02} {}</li>",
            minute,
            rng.below(60),
            rng.sentence(5)
        ));
    }
    html.push_str("</ul>");
    while html.len() < target {
        html.push_str("<p>");
        let words = 12 + rng.below(20);
        html.push_str(&rng.sentence(words));
        html.push_str(&format!(
            " See <a href=\"https://links.example/{episode}/{}\">the notes</a>.</p>",
            rng.below(1000)
        ));
    }
    html
}

/// Notes of a tech show: a paragraph, ~25 timecoded items, a sponsor line with entities and
/// tracking links, and two link lists. Returns the HTML and a plain summary for
/// `itunes:summary` (already XML-escaped).
fn heavy_notes(rng: &mut Rng, show: usize, episode: usize) -> (String, String) {
    let mut html = String::with_capacity(4096);
    let words = 45 + rng.below(30);
    let paragraph = rng.sentence(words);
    html.push_str("<p>");
    html.push_str(&paragraph);
    html.push_str("</p>\n<p><strong>Chapters</strong></p>\n<ul>\n");
    let items = 22 + rng.below(7);
    let mut at = 0;
    for _ in 0..items {
        let words = 4 + rng.below(6);
        html.push_str(&format!(
            "<li>{}:{:02}:{:02} {}</li>\n",
            at / 3600,
            at / 60 % 60,
            at % 60,
            rng.sentence(words).trim_end_matches('.')
        ));
        at += 60 + rng.below(240);
    }
    html.push_str("</ul>\n");
    let campaign = rng.below(100_000);
    html.push_str(&format!(
        "<p>Sponsor: Brick &amp; Mortar&#8217;s Cloud &mdash; {} Try it free at \
         <a href=\"https://track.example/c/{campaign}?utm_source=show{show}&amp;utm_medium=podcast&amp;utm_campaign=ep{episode}\" rel=\"sponsored\">brickmortar.example/show{show}</a> \
         &amp; use code SHOW{show} for 20&#37; off&hellip; Also: <a href=\"https://pdst.example/e/{campaign}/brickmortar.example/start?ref=ep{episode}\">brickmortar.example/start</a></p>\n",
        rng.sentence(10)
    ));
    for heading in ["Links", "Guests &amp; projects"] {
        html.push_str(&format!("<p><strong>{heading}</strong></p>\n<ul>\n"));
        for _ in 0..(4 + rng.below(4)) {
            let path = rng.below(1_000_000);
            let words = 2 + rng.below(4);
            html.push_str(&format!(
                "<li><a href=\"https://links.example/{show}/{episode}/{path}\">{}</a></li>\n",
                rng.sentence(words).trim_end_matches('.')
            ));
        }
        html.push_str("</ul>\n");
    }
    (html, paragraph)
}

/// One show's feed in `shape`. `base` is the server's address for enclosures and links.
pub fn feed(seed: u64, show: usize, episodes: usize, base: &str, shape: Shape) -> String {
    match shape {
        Shape::Standard => standard_feed(seed, show, episodes, base),
        Shape::NotesHeavy => heavy_feed(seed, show, episodes, base),
    }
}

fn channel(seed: u64, show: usize, base: &str, rng: &mut Rng) -> String {
    let title = format!(
        "Bench Show {show}: {}",
        rng.sentence(3).trim_end_matches('.')
    );
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:podcast="https://podcastindex.org/namespace/1.0">
<channel>
<title>{title}</title>
<link>{base}/show/{show}</link>
<language>en</language>
<description>{description}</description>
<itunes:author>Host {show}</itunes:author>
<itunes:image href="{base}/art/{show}.png"/>
<itunes:category text="Technology"/>
<podcast:guid>bench-{seed}-{show}</podcast:guid>
"#,
        description = rng.sentence(30),
    )
}

fn heavy_feed(seed: u64, show: usize, episodes: usize, base: &str) -> String {
    let mut rng = Rng::new(seed.wrapping_mul(37).wrapping_add(show as u64 + 7));
    let mut xml = channel(seed, show, base, &mut rng);
    xml.reserve(episodes * 4400);
    let newest: i64 = 1_795_000_000;
    for n in (0..episodes).rev() {
        let published = newest - (episodes - 1 - n) as i64 * 7 * 86_400;
        let date = rfc2822(published);
        let secs = 1800 + rng.below(5400);
        let headline = rng.sentence(6);
        let (notes, summary) = heavy_notes(&mut rng, show, n);
        xml.push_str(&format!(
            r#"<item>
<title>{n}: {headline}</title>
<guid isPermaLink="false">bench-{show}-{n}</guid>
<pubDate>{date}</pubDate>
<link>https://show{show}.example/episodes/{n}</link>
<itunes:episode>{n}</itunes:episode>
<itunes:episodeType>full</itunes:episodeType>
<itunes:duration>{h}:{m:02}:{s:02}</itunes:duration>
<itunes:explicit>false</itunes:explicit>
<itunes:summary>{summary}</itunes:summary>
<enclosure url="{base}/audio/{show}/{n}.mp3" length="{length}" type="audio/mpeg"/>
<description><![CDATA[{notes}]]></description>
</item>
"#,
            headline = headline.trim_end_matches('.'),
            h = secs / 3600,
            m = secs / 60 % 60,
            s = secs % 60,
            length = secs * 16_000,
        ));
    }
    xml.push_str("</channel>\n</rss>\n");
    xml
}

fn standard_feed(seed: u64, show: usize, episodes: usize, base: &str) -> String {
    let mut rng = Rng::new(seed.wrapping_mul(31).wrapping_add(show as u64 + 1));
    let mut xml = channel(seed, show, base, &mut rng);
    xml.reserve(episodes * 2800);
    // Newest first, a week apart.
    let newest: i64 = 1_795_000_000;
    for n in (0..episodes).rev() {
        let published = newest - (episodes - 1 - n) as i64 * 7 * 86_400;
        let date = rfc2822(published);
        let secs = 600 + rng.below(5400);
        xml.push_str(&format!(
            r#"<item>
<title>Episode {n}: {headline}</title>
<guid isPermaLink="false">bench-{show}-{n}</guid>
<pubDate>{date}</pubDate>
<link>{base}/show/{show}/{n}</link>
<itunes:duration>{h}:{m:02}:{s:02}</itunes:duration>
<itunes:episode>{n}</itunes:episode>
<enclosure url="{base}/audio/{show}/{n}.mp3" length="{length}" type="audio/mpeg"/>
<description><![CDATA[{notes}]]></description>
</item>
"#,
            headline = rng.sentence(5).trim_end_matches('.'),
            h = secs / 3600,
            m = secs / 60 % 60,
            s = secs % 60,
            length = secs * 16_000,
            notes = notes(&mut rng, n),
        ));
    }
    xml.push_str("</channel>\n</rss>\n");
    xml
}

fn rfc2822(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|d| d.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc2822() {
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(rfc2822(1_794_297_600), "Tue, 10 Nov 2026 08:00:00 GMT");
    }

    #[test]
    fn a_feed_is_about_the_size_of_a_real_one_and_parses() {
        let xml = feed(7, 3, 300, "http://127.0.0.1:1", Shape::Standard);
        assert!(
            (600_000..1_100_000).contains(&xml.len()),
            "{} bytes",
            xml.len()
        );
        let url = url::Url::parse("http://127.0.0.1:1/feed.xml").unwrap();
        let parsed = earshot_core::feed::parse_feed(xml.as_bytes(), &url).unwrap();
        assert_eq!(parsed.episodes.len(), 300);
        assert!(parsed.episodes[0].duration_secs.is_some());
        assert_eq!(feed(7, 3, 300, "http://127.0.0.1:1", Shape::Standard), xml);
    }

    #[test]
    fn a_notes_heavy_feed_carries_what_tech_shows_carry_and_parses() {
        let xml = feed(7, 3, 300, "http://127.0.0.1:1", Shape::NotesHeavy);
        let url = url::Url::parse("http://127.0.0.1:1/feed.xml").unwrap();
        let parsed = earshot_core::feed::parse_feed(xml.as_bytes(), &url).unwrap();
        assert_eq!(parsed.episodes.len(), 300);
        let newest = &parsed.episodes[0];
        assert_eq!(newest.episode_number, Some(299));
        assert!(newest.link.is_some());
        assert!(
            newest.notes.matches("<li>").count() >= 30,
            "{}",
            newest.notes
        );
        assert!(newest.notes.contains("&amp;utm_medium") && newest.notes.contains("&hellip;"));
        assert!(xml.contains("<itunes:summary>"));
        let per_episode = xml.len() / 300;
        assert!(
            (3_000..6_000).contains(&per_episode),
            "{per_episode} bytes an episode"
        );
        assert_eq!(
            feed(7, 3, 300, "http://127.0.0.1:1", Shape::NotesHeavy),
            xml
        );
    }
}
