//! Reading what can be read of a feed that feed-rs refuses as a whole. feed-rs gives up on the
//! entire document for one element it does not support: a text whose `type` it does not know
//! (`XHTML`, `application/xhtml+xml`, `type="xhtml"` on a `media:description`), an Atom
//! `<content>` without the text it expects, and so on.
//!
//! First every text whose type names HTML is typed `html` (so XHTML's inner markup becomes the
//! HTML content), which is often all it takes. Else the document is cut at its elements and
//! feed-rs is asked about each one on its own, inside the same root and container start tags.
//! An element it refuses is retried with its `type` neutralised (one that names HTML read as
//! `html`, any other dropped for the default, text), else taken apart into its own children
//! (down to what is in an entry's fields), else left out. Every change is logged.
//!
//! Invariants: the result is the original bytes with some elements cut out and some start tags
//! rewritten, nothing re-serialised; the whole result is checked with feed-rs before it is used;
//! a document that quick-xml cannot read to its end as well-formed XML, or that has no feed root,
//! is not salvaged, so the caller's error stands.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Range;

use feed_rs::model::Feed;
use feed_rs::parser::{ParseErrorKind, ParseFeedError, Parser};
use quick_xml::events::{BytesStart, Event};

/// How far down elements are taken apart: the root (0), the channel or Atom entries (1), RSS
/// items or Atom entries' fields (2), RSS items' fields (3), what is in those (a `media:group`'s
/// `media:title`, 4).
const LEVELS: usize = 4;

/// The feed read from `doc` with what feed-rs refuses in it neutralised or left out, and the
/// document it was read from, or `None` when nothing can be saved. `error` is what feed-rs said
/// of the whole `doc`; `feed` names the feed in the log.
pub(super) fn salvage(
    doc: &[u8],
    parser: &Parser,
    error: &ParseFeedError,
    feed: &str,
) -> Option<(Feed, Vec<u8>)> {
    if matches!(
        error,
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot)
    ) {
        return None;
    }
    // Most often every entry has the same construct (a generator's XHTML content): one pass over
    // the document, one more parse.
    let (doc, error) = match html_types_as_html(doc) {
        Some((neutral, count)) => {
            tracing::warn!(
                feed,
                "read {count} texts whose type names HTML (such as XHTML) as html: {error}"
            );
            match parser.parse(neutral.as_slice()) {
                Ok(read) => return Some((read, neutral)),
                Err(error) => (Cow::Owned(neutral), error.to_string()),
            }
        }
        None => (Cow::Borrowed(doc), error.to_string()),
    };
    let root = tree(&doc)?;
    let salvage = Salvage {
        doc: &doc,
        parser,
        feed,
        read: RefCell::new(None),
    };
    let path = format!("<{}>", root.name);
    let kept = salvage.keep(
        &root,
        Context {
            before: &doc[..root.open.start],
            after: &doc[root.close.end..],
            path: &path,
            depth: 0,
        },
        Some(error),
    )?;
    let read = salvage.read.into_inner()?;
    let mut rebuilt = doc[..root.open.start].to_vec();
    rebuilt.extend_from_slice(&kept);
    rebuilt.extend_from_slice(&doc[root.close.end..]);
    Some((read, rebuilt))
}

/// `doc` with every text construct whose `type` names HTML without being `html` (`xhtml`,
/// `XHTML`, `application/xhtml+xml`, `text/html`) typed `html`, which every feed-rs reader of
/// texts takes, and how many were; `None` when there are none or `doc` cannot be read.
fn html_types_as_html(doc: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut reader = quick_xml::Reader::from_reader(doc);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut copied = 0;
    let mut count = 0;
    loop {
        let at = usize::try_from(reader.buffer_position()).ok()?;
        let event = reader.read_event_into(&mut buf).ok()?;
        let end = usize::try_from(reader.buffer_position()).ok()?;
        match event {
            Event::Start(start) | Event::Empty(start)
                if matches!(
                    start.local_name().as_ref(),
                    b"title" | b"subtitle" | b"summary" | b"rights" | b"content" | b"description"
                ) =>
            {
                if let Some((tag, was)) = neutral_start_tag(&doc[at..end])
                    && neutral_type(&was).is_some()
                {
                    out.extend_from_slice(&doc[copied..at]);
                    out.extend_from_slice(&tag);
                    copied = end;
                    count += 1;
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    out.extend_from_slice(&doc[copied..]);
    (count > 0).then_some((out, count))
}

/// An element of the document, by byte ranges.
#[derive(Debug)]
struct Node {
    /// The qualified name as written, for the log.
    name: String,
    /// The start tag, `<` to `>` (the whole element when it is empty, `<… />`).
    open: Range<usize>,
    /// The end tag; empty, at `open.end`, for an empty element.
    close: Range<usize>,
    /// Child elements, recorded down to [`LEVELS`].
    children: Vec<Node>,
}

impl Node {
    fn whole(&self) -> Range<usize> {
        self.open.start..self.close.end
    }
}

/// The root element of `doc`, or `None` when `doc` is not well-formed XML with one.
fn tree(doc: &[u8]) -> Option<Node> {
    let mut reader = quick_xml::Reader::from_reader(doc);
    let mut buf = Vec::new();
    let mut open: Vec<Node> = Vec::new();
    // Open elements below `LEVELS`, not recorded.
    let mut deeper = 0usize;
    let mut root = None;
    loop {
        let at = usize::try_from(reader.buffer_position()).ok()?;
        let event = reader.read_event_into(&mut buf).ok()?;
        let end = usize::try_from(reader.buffer_position()).ok()?;
        let node = |start: &BytesStart<'_>| Node {
            name: String::from_utf8_lossy(start.name().as_ref()).into_owned(),
            open: at..end,
            close: end..end,
            children: Vec::new(),
        };
        let recorded = deeper == 0 && open.len() <= LEVELS;
        match event {
            Event::Start(start) if recorded => open.push(node(&start)),
            Event::Start(_) => deeper += 1,
            Event::Empty(start) if recorded => {
                close(node(&start), &mut open, &mut root);
            }
            Event::End(_) if deeper > 0 => deeper -= 1,
            Event::End(_) => {
                let mut done = open.pop()?;
                done.close = at..end;
                close(done, &mut open, &mut root);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    (open.is_empty() && deeper == 0).then_some(root).flatten()
}

/// Hands a finished element to its parent, or makes it the root.
fn close(node: Node, open: &mut [Node], root: &mut Option<Node>) {
    match open.last_mut() {
        Some(parent) => parent.children.push(node),
        None => {
            root.get_or_insert(node);
        }
    }
}

struct Salvage<'a> {
    doc: &'a [u8],
    parser: &'a Parser,
    feed: &'a str,
    /// The feed as read from the rebuilt root, the last thing tried.
    read: RefCell<Option<Feed>>,
}

/// Where an element is tried: the document before and after it, with no siblings.
#[derive(Clone, Copy)]
struct Context<'a> {
    before: &'a [u8],
    after: &'a [u8],
    /// The element's place, for the log: `<rss>/<channel>/<item> 3/<media:description>`.
    path: &'a str,
    depth: usize,
}

impl Salvage<'_> {
    /// What feed-rs says of `element` in `context`.
    fn try_in(&self, context: Context<'_>, element: &[u8]) -> Result<Feed, String> {
        let mut doc =
            Vec::with_capacity(context.before.len() + element.len() + context.after.len());
        doc.extend_from_slice(context.before);
        doc.extend_from_slice(element);
        doc.extend_from_slice(context.after);
        self.parser.parse(doc.as_slice()).map_err(|e| e.to_string())
    }

    /// Whether feed-rs takes `element` in `context`. What it reads of the root is the result.
    fn takes(&self, context: Context<'_>, element: &[u8]) -> bool {
        let Ok(read) = self.try_in(context, element) else {
            return false;
        };
        if context.depth == 0 {
            self.read.replace(Some(read));
        }
        true
    }

    /// The bytes of `node` that feed-rs accepts in `context`, or `None` when it is to be left
    /// out. `refused` is feed-rs's error for the whole node, when already known.
    fn keep(&self, node: &Node, context: Context<'_>, refused: Option<String>) -> Option<Vec<u8>> {
        let whole = &self.doc[node.whole()];
        let error = match refused {
            Some(error) => error,
            None => match self.try_in(context, whole) {
                Ok(_) => return Some(whole.to_vec()),
                Err(error) => error,
            },
        };
        if let Some((open, was)) = neutral_start_tag(&self.doc[node.open.clone()]) {
            let mut neutral = open;
            neutral.extend_from_slice(&self.doc[node.open.end..node.close.end]);
            if self.takes(context, &neutral) {
                let read_as = neutral_type(&was).unwrap_or("text");
                tracing::warn!(
                    feed = self.feed,
                    "read {} with type {was} as {read_as}: {error}",
                    context.path
                );
                return Some(neutral);
            }
        }
        if context.depth < LEVELS && !node.children.is_empty() {
            let rebuilt = self.without_what_fails(node, context);
            if self.takes(context, &rebuilt) {
                return Some(rebuilt);
            }
        }
        if context.depth > 0 {
            tracing::warn!(feed = self.feed, "left out {}: {error}", context.path);
        }
        None
    }

    /// `node` with each child kept as [`Self::keep`] says, and the text between them as is.
    fn without_what_fails(&self, node: &Node, context: Context<'_>) -> Vec<u8> {
        let open = &self.doc[node.open.clone()];
        let close = &self.doc[node.close.clone()];
        let before = [context.before, open].concat();
        let after = [close, context.after].concat();
        let mut rebuilt = open.to_vec();
        let mut at = node.open.end;
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for child in &node.children {
            let nth = match counts.iter_mut().find(|(name, _)| *name == child.name) {
                Some((_, count)) => {
                    *count += 1;
                    *count
                }
                None => {
                    counts.push((&child.name, 1));
                    1
                }
            };
            let path = format!("{}/<{}> {nth}", context.path, child.name);
            let inner = Context {
                before: &before,
                after: &after,
                path: &path,
                depth: context.depth + 1,
            };
            rebuilt.extend_from_slice(&self.doc[at..child.open.start]);
            if let Some(kept) = self.keep(child, inner, None) {
                rebuilt.extend_from_slice(&kept);
            }
            at = child.close.end;
        }
        rebuilt.extend_from_slice(&self.doc[at..node.close.end]);
        rebuilt
    }
}

/// `html` for a `type` that names HTML (`xhtml`, `XHTML`, `application/xhtml+xml`,
/// `text/HTML`), else `None`: no type, which feed-rs reads as text.
fn neutral_type(value: &str) -> Option<&'static str> {
    value
        .to_ascii_lowercase()
        .contains("html")
        .then_some("html")
}

/// `start` (a start tag or an empty element, as written) with its `type` attribute made one that
/// feed-rs reads (see [`neutral_type`]), and the type it had; `None` when it has no `type` or it
/// would not change.
fn neutral_start_tag(start: &[u8]) -> Option<(Vec<u8>, String)> {
    let mut reader = quick_xml::Reader::from_reader(start);
    let (tag, empty) = match reader.read_event().ok()? {
        Event::Start(tag) => (tag, false),
        Event::Empty(tag) => (tag, true),
        _ => return None,
    };
    let was = tag
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == b"type")
        .map(|a| String::from_utf8_lossy(&a.value).trim().to_string())?;
    let neutral = neutral_type(&was);
    if neutral == Some(was.as_str()) {
        return None;
    }
    let mut out = Vec::with_capacity(start.len());
    out.push(b'<');
    out.extend_from_slice(tag.name().as_ref());
    for attribute in tag.attributes() {
        let attribute = attribute.ok()?;
        if attribute.key.as_ref() == b"type" {
            continue;
        }
        // The value as written (still escaped), in quotes it cannot contain.
        let quote = if attribute.value.contains(&b'"') {
            b'\''
        } else {
            b'"'
        };
        out.push(b' ');
        out.extend_from_slice(attribute.key.as_ref());
        out.extend_from_slice(&[b'=', quote]);
        out.extend_from_slice(&attribute.value);
        out.push(quote);
    }
    if let Some(neutral) = neutral {
        out.extend_from_slice(br#" type=""#);
        out.extend_from_slice(neutral.as_bytes());
        out.push(b'"');
    }
    out.extend_from_slice(if empty { b"/>" } else { b">" });
    Some((out, was))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_records_elements_by_their_bytes() {
        let doc = br#"<?xml version="1.0"?><rss><channel><title>t</title><item><a><b><c/></b></a></item><x/></channel></rss>"#;
        let root = tree(doc).unwrap();
        assert_eq!(&doc[root.whole()], &doc[21..]);
        let channel = &root.children[0];
        let names: Vec<&str> = channel.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["title", "item", "x"]);
        let item = &channel.children[1];
        assert_eq!(&doc[item.whole()], b"<item><a><b><c/></b></a></item>");
        assert_eq!(&doc[channel.children[2].whole()], b"<x/>");
        // What is in an item's fields is the last level recorded.
        let inside = &item.children[0].children;
        assert_eq!(&doc[inside[0].whole()], b"<b><c/></b>");
        assert!(inside[0].children.is_empty());
    }

    #[test]
    fn a_document_that_is_not_well_formed_has_no_tree() {
        assert!(tree(b"<rss><channel><item></channel></rss>").is_none());
        assert!(tree(b"<rss><channel><item>").is_none());
        assert!(tree(b"not xml").is_none());
    }

    #[test]
    fn a_type_naming_html_becomes_html_and_any_other_goes() {
        let (tag, was) = neutral_start_tag(br#"<content type="XHTML" xml:lang='en'>"#).unwrap();
        assert_eq!(
            String::from_utf8(tag).unwrap(),
            r#"<content xml:lang="en" type="html">"#
        );
        assert_eq!(was, "XHTML");
        let (tag, _) = neutral_start_tag(br#"<media:title a='say "hi"' type="text"/>"#).unwrap();
        assert_eq!(
            String::from_utf8(tag).unwrap(),
            r#"<media:title a='say "hi"'/>"#
        );
        assert_eq!(neutral_start_tag(br#"<summary type="html">"#), None);
        assert_eq!(neutral_start_tag(b"<summary>"), None);
    }
}
