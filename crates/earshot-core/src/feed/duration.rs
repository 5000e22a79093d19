//! `itunes:duration` read from the raw XML, because feed-rs reads `MM:SS` as seconds. Publishers
//! write `SS`, `MM:SS`, `H:MM:SS`, with fractions, or garbage; garbage means "unknown", never an
//! error.

use quick_xml::events::Event;

/// Parses one `itunes:duration` value into seconds.
pub fn parse_duration(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    if parts.len() > 3 {
        return None;
    }
    let mut total = 0.0;
    for (index, part) in parts.iter().enumerate() {
        let last = index + 1 == parts.len();
        let valid = !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_digit() || (last && c == '.'))
            && part.chars().filter(|c| *c == '.').count() <= 1;
        if !valid {
            return None;
        }
        let value: f64 = part.parse().ok()?;
        if index > 0 && value >= 60.0 {
            return None;
        }
        total = total * 60.0 + value;
    }
    (total > 0.0 && total.is_finite()).then_some(total)
}

/// The raw `itunes:duration` of every `<item>`/`<entry>`, in document order (`None` where an
/// item has none). Returns an empty list if the document cannot be scanned.
pub fn item_durations(body: &[u8]) -> Vec<Option<String>> {
    let mut reader = quick_xml::Reader::from_reader(body);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut durations = Vec::new();
    let mut current: Option<Option<String>> = None;
    let mut in_duration = false;
    loop {
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(_) => return Vec::new(),
        };
        match event {
            Event::Start(start) => {
                let name = start.name();
                let local = start.local_name();
                match local.as_ref() {
                    b"item" | b"entry" if name.prefix().is_none() => current = Some(None),
                    b"duration" if name.prefix().is_some() && current.is_some() => {
                        in_duration = true;
                    }
                    _ => {}
                }
            }
            Event::Text(text) if in_duration => {
                if let Some(slot) = current.as_mut() {
                    *slot = Some(String::from_utf8_lossy(&text).into_owned());
                }
            }
            Event::CData(text) if in_duration => {
                if let Some(slot) = current.as_mut() {
                    *slot = Some(String::from_utf8_lossy(&text).into_owned());
                }
            }
            Event::End(end) => {
                let local = end.local_name();
                match local.as_ref() {
                    b"item" | b"entry" if end.name().prefix().is_none() => {
                        if let Some(found) = current.take() {
                            durations.push(found);
                        }
                    }
                    b"duration" => in_duration = false,
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    durations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_forms() {
        assert_eq!(parse_duration("1466"), Some(1466.0));
        assert_eq!(parse_duration("24:26"), Some(1466.0));
        assert_eq!(parse_duration("1:02:21"), Some(3741.0));
        assert_eq!(parse_duration("01:02:21"), Some(3741.0));
        assert_eq!(parse_duration(" 5:30 "), Some(330.0));
        assert_eq!(parse_duration("90.5"), Some(90.5));
        assert_eq!(parse_duration("1:00:00.25"), Some(3600.25));
        assert_eq!(parse_duration("120:00"), Some(7200.0));
    }

    #[test]
    fn garbage_is_unknown() {
        for text in [
            "", "abc", "1:2:3:4", "12:75", "-5", "0", "1h 2m", "::", "1.2.3",
        ] {
            assert_eq!(parse_duration(text), None, "{text}");
        }
    }

    #[test]
    fn durations_are_found_per_item() {
        let xml = br#"<rss xmlns:itunes="x"><channel><itunes:duration>9</itunes:duration>
            <item><title>a</title><itunes:duration>24:26</itunes:duration></item>
            <item><title>b</title></item>
            <item><itunes:duration><![CDATA[1:00]]></itunes:duration></item></channel></rss>"#;
        assert_eq!(
            item_durations(xml),
            vec![Some("24:26".to_string()), None, Some("1:00".to_string())]
        );
    }
}
