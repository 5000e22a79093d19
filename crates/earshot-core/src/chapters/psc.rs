//! Podlove Simple Chapters (`psc:chapters`, namespace `http://podlove.org/simple-chapters`) in a
//! feed item: `<psc:chapter start="00:01:02.500" title="…" href="…" image="…"/>`, the start in
//! Normal Play Time (`HH:MM:SS.mmm`, `MM:SS`, or seconds, with an optional fraction).
//!
//! Two ways in: [`psc_chapter`] for a feed reader that meets the `psc:chapter` elements as
//! events (the refresh's own scanner, once it collects them), and [`parse_psc`] over an item's
//! XML text.

use quick_xml::events::Event;

use super::{Chapter, ChapterSource, web_url};

/// One `psc:chapter` element's attributes as a chapter; None without a valid start or title.
pub fn psc_chapter(
    start: &str,
    title: &str,
    href: Option<&str>,
    image: Option<&str>,
) -> Option<Chapter> {
    let start_secs = parse_npt(start)?;
    let title = super::clean_title(title);
    if title.is_empty() {
        return None;
    }
    Some(Chapter {
        start_secs,
        title,
        url: href.and_then(|h| web_url(h.trim())),
        image: image.and_then(|i| web_url(i.trim())),
        source: ChapterSource::Psc,
    })
}

/// The Podlove chapters in `xml` (an `item`, or a `psc:chapters` element), in time order. The
/// namespace prefix is whatever the feed bound; elements named `chapter` inside a `chapters`
/// element count.
pub fn parse_psc(xml: &str) -> Vec<Chapter> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut chapters = Vec::new();
    let mut inside = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if e.local_name().as_ref() == b"chapters" => inside += 1,
            Ok(Event::End(e)) if e.local_name().as_ref() == b"chapters" => {
                inside = inside.saturating_sub(1);
            }
            Ok(Event::Start(e) | Event::Empty(e))
                if inside > 0 && e.local_name().as_ref() == b"chapter" =>
            {
                let attr = |name: &[u8]| -> Option<String> {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == name)
                        .and_then(|a| crate::feed::attribute_text(&a.value))
                };
                if let (Some(start), Some(title)) = (attr(b"start"), attr(b"title"))
                    && let Some(chapter) = psc_chapter(
                        &start,
                        &title,
                        attr(b"href").as_deref(),
                        attr(b"image").as_deref(),
                    )
                {
                    chapters.push(chapter);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    chapters.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs));
    chapters
}

/// Normal Play Time: `[[HH:]MM:]SS[.fraction]`, as seconds.
pub fn parse_npt(text: &str) -> Option<f64> {
    let text = text.trim();
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let mut secs = 0u64;
    let parts: Vec<&str> = whole.split(':').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() || part.len() > 6 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u64 = part.parse().ok()?;
        // Minutes and seconds after the first part stay below 60.
        if i > 0 && n >= 60 {
            return None;
        }
        secs = secs * 60 + n;
    }
    let mut value = secs as f64;
    if let Some(fraction) = fraction {
        if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        value += format!("0.{fraction}").parse::<f64>().ok()?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_play_time_in_its_forms() {
        assert_eq!(parse_npt("00:00:00.000"), Some(0.0));
        assert_eq!(parse_npt("01:02:03.5"), Some(3723.5));
        assert_eq!(parse_npt("12:26"), Some(746.0));
        assert_eq!(parse_npt("90"), Some(90.0));
        assert_eq!(parse_npt(" 7.25 "), Some(7.25));
        assert_eq!(parse_npt("1:60"), None);
        assert_eq!(parse_npt("a:00"), None);
        assert_eq!(parse_npt("1:2:3:4"), None);
        assert_eq!(parse_npt(""), None);
        assert_eq!(parse_npt("1."), None);
    }

    #[test]
    fn an_items_podlove_chapters() {
        let xml = include_str!("../../../../tests/fixtures/chapters/psc_item.xml");
        let chapters = parse_psc(xml);
        let got: Vec<(f64, &str)> = chapters
            .iter()
            .map(|c| (c.start_secs, c.title.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (0.0, "Intro"),
                (187.0, "Podlove & Simple Chapters"),
                (1235.5, "Outro")
            ]
        );
        assert_eq!(chapters[1].url.as_deref(), Some("https://podlove.org/"));
        assert_eq!(
            chapters[1].image.as_deref(),
            Some("https://example.com/psc.jpg")
        );
        assert_eq!(chapters[2].url, None, "not a web link");
        assert!(chapters.iter().all(|c| c.source == ChapterSource::Psc));
    }

    #[test]
    fn chapters_outside_psc_chapters_or_without_start_are_ignored() {
        let xml = r#"<item><chapter start="1" title="Loose"/>
            <psc:chapters xmlns:psc="http://podlove.org/simple-chapters">
            <psc:chapter start="oops" title="Bad start"/><psc:chapter start="5" title=""/>
            <psc:chapter start="6" title="Good"/></psc:chapters></item>"#;
        let titles: Vec<String> = parse_psc(xml).into_iter().map(|c| c.title).collect();
        assert_eq!(titles, ["Good"]);
        assert!(parse_psc("<not xml").is_empty());
    }
}
