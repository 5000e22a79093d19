//! Reading directory answers leniently. Directories send the same field as a string one day and
//! a number the next (fyyd's `categories` is a list or a bare number; iTunes ids are numbers in
//! search results and strings in charts), leave fields out, or send `null`: every reader here
//! takes what it can and gives `None` for the rest, so one odd field never loses a whole answer.

use serde_json::Value;

/// A field's text: trimmed, non-empty; a number is given as its digits.
pub(super) fn text(value: &Value, key: &str) -> Option<String> {
    match value.get(key)? {
        Value::String(s) => {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A field as a whole, non-negative number, whether sent as a number or as text.
pub(super) fn number(value: &Value, key: &str) -> Option<u64> {
    match value.get(key)? {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < 1e15)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The value at a path of keys (`["feed", "entry"]`).
pub(super) fn at<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(value, |v, key| v.get(key))
}

/// A list's items; a lone object is a list of one (Apple's chart sends its only entry that way);
/// anything else is empty.
pub(super) fn items(value: Option<&Value>) -> Vec<&Value> {
    match value {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(object @ Value::Object(_)) => vec![object],
        _ => Vec::new(),
    }
}

/// A web address as a directory gave it (`http` is kept as given: plenty of artwork is served
/// only that way), or `None` when it is not an http(s) address at all.
pub(super) fn web_address(candidate: Option<String>) -> Option<String> {
    let candidate = candidate?;
    let url = url::Url::parse(&candidate).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty()))
        .then_some(candidate)
}

/// The longest a directory's description is kept, in characters.
const DESCRIPTION_CHARS: usize = 300;

/// A description as short plain text: markup and entities gone, whitespace collapsed, cut at a
/// word boundary with an ellipsis past [`DESCRIPTION_CHARS`].
pub(super) fn short_description(html: Option<String>) -> Option<String> {
    let plain = crate::feed::plain_text(&html?);
    let words: Vec<&str> = plain.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    let mut out = String::new();
    for word in words {
        let extra = usize::from(!out.is_empty()) + word.chars().count();
        if out.chars().count() + extra > DESCRIPTION_CHARS {
            if out.is_empty() {
                out.extend(word.chars().take(DESCRIPTION_CHARS));
            }
            out.push('…');
            return Some(out);
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_and_texts_are_read_whichever_way_they_come() {
        let v = json!({ "a": "42", "b": 42, "c": 4.0, "d": -1, "e": "x", "f": null, "g": "  " });
        assert_eq!(number(&v, "a"), Some(42));
        assert_eq!(number(&v, "b"), Some(42));
        assert_eq!(number(&v, "c"), Some(4));
        assert_eq!(number(&v, "d"), None);
        assert_eq!(number(&v, "e"), None);
        assert_eq!(number(&v, "f"), None);
        assert_eq!(text(&v, "b").as_deref(), Some("42"));
        assert_eq!(text(&v, "g"), None);
        assert_eq!(text(&v, "missing"), None);
    }

    #[test]
    fn a_lone_object_is_a_list_of_one() {
        let v = json!({ "one": { "x": 1 }, "many": [1, 2], "none": "text" });
        assert_eq!(items(v.get("one")).len(), 1);
        assert_eq!(items(v.get("many")).len(), 2);
        assert!(items(v.get("none")).is_empty());
        assert!(items(v.get("absent")).is_empty());
    }

    #[test]
    fn only_web_addresses_are_addresses() {
        assert!(web_address(Some("http://a.example/x.png".into())).is_some());
        assert!(web_address(Some("javascript:alert(1)".into())).is_none());
        assert!(web_address(Some("not a url".into())).is_none());
    }

    #[test]
    fn descriptions_become_short_plain_text() {
        assert_eq!(
            short_description(Some(
                "<p>Hello &amp; <b>welcome</b></p>\n\n<script>x()</script>".into()
            ))
            .as_deref(),
            Some("Hello & welcome")
        );
        let long = "word ".repeat(200);
        let short = short_description(Some(long)).expect("text");
        assert!(short.chars().count() <= DESCRIPTION_CHARS + 1);
        assert!(short.ends_with("word…"));
        assert_eq!(short_description(Some("<br/>".into())), None);
    }
}
