//! `itunes:duration` read from the raw XML, because feed-rs reads `MM:SS` as seconds. Publishers
//! write `SS`, `MM:SS`, `H:MM:SS`, with fractions, or garbage; garbage means "unknown", never an
//! error.

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
}
