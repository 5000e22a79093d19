//! Chapters in an MP3's ID3v2 tag (the ID3v2 Chapter Frame Addendum): `CHAP` frames, each with a
//! start time in milliseconds and sub-frames for its title (`TIT2`), link (`WXXX`) and picture
//! (`APIC`), and `CTOC` tables of contents that list them. Versions 2.3 and 2.4 (2.2 has no
//! chapters). Works on the head of the file only: a tag cut short by the read limit yields the
//! chapters whose frames are whole.
//!
//! Invariants: nothing here panics on any input (every length is checked against what is left);
//! titles are plain text; links are http(s); a picture is an http(s) address (`APIC` with MIME
//! `-->`) or a `data:` URL of a small embedded JPEG or PNG.

use super::{Chapter, ChapterSource, web_url};

/// Embedded chapter pictures larger than this are left out (they would travel to the UI in
/// every chapter list).
pub const PICTURE_LIMIT_BYTES: usize = 256 * 1024;

/// The chapters in the ID3v2 tag at the start of `head`, in time order. Empty when there is no
/// tag or no chapter in it.
pub fn parse_id3_chapters(head: &[u8]) -> Vec<Chapter> {
    let Some(tag) = Tag::read(head) else {
        return Vec::new();
    };
    let mut chapters = Vec::new();
    let mut listed: Option<Vec<Vec<u8>>> = None;
    for frame in tag.frames() {
        match frame.id {
            b"CHAP" => {
                if let Some(chapter) = chap(&frame.body, tag.version) {
                    chapters.push(chapter);
                }
            }
            b"CTOC" => {
                if let Some((top_level, children)) = ctoc(&frame.body)
                    && top_level
                {
                    listed.get_or_insert_with(Vec::new).extend(children);
                }
            }
            _ => {}
        }
    }
    // A top-level table of contents names the chapters meant for listing; chapters outside it
    // (sub-chapters, or ones left over from editing) are not shown.
    let mut chapters: Vec<Chapter> = match listed {
        Some(ids) if !ids.is_empty() => chapters
            .into_iter()
            .filter(|(id, _)| ids.contains(id))
            .map(|(_, c)| c)
            .collect(),
        _ => chapters.into_iter().map(|(_, c)| c).collect(),
    };
    chapters.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs));
    chapters
}

/// Whether `head` starts with an ID3v2 tag, and its whole length (header and footer included).
pub fn tag_length(head: &[u8]) -> Option<usize> {
    if head.len() < 10 || &head[..3] != b"ID3" {
        return None;
    }
    let size = syncsafe(&head[6..10])?;
    let footer = if head[5] & 0x10 != 0 { 10 } else { 0 };
    Some(10 + size + footer)
}

struct Tag<'a> {
    version: u8,
    /// The frames, after the header (and extended header); unsynchronised when the tag was.
    frames: std::borrow::Cow<'a, [u8]>,
}

struct Frame<'a> {
    id: &'a [u8; 4],
    body: std::borrow::Cow<'a, [u8]>,
}

impl<'a> Tag<'a> {
    fn read(head: &'a [u8]) -> Option<Self> {
        let length = tag_length(head)?;
        let version = head[3];
        if !(3..=4).contains(&version) {
            return None;
        }
        let flags = head[5];
        let end = length.min(head.len());
        let mut body: std::borrow::Cow<'a, [u8]> = std::borrow::Cow::Borrowed(&head[10..end]);
        // v2.3 unsynchronises the whole tag; v2.4 does it frame by frame (see `frames`).
        if flags & 0x80 != 0 && version == 3 {
            body = std::borrow::Cow::Owned(resync(&body));
        }
        if flags & 0x40 != 0 {
            let skip = match version {
                3 => 4 + be32(body.get(..4)?)?,
                _ => syncsafe(body.get(..4)?)?,
            };
            body = match body {
                std::borrow::Cow::Borrowed(b) => std::borrow::Cow::Borrowed(b.get(skip..)?),
                std::borrow::Cow::Owned(b) => std::borrow::Cow::Owned(b.get(skip..)?.to_vec()),
            };
        }
        Some(Tag {
            version,
            frames: body,
        })
    }

    fn frames(&self) -> Vec<Frame<'_>> {
        frames(&self.frames, self.version)
    }
}

/// The frames in `bytes`, up to padding, the end, or the first frame cut short.
fn frames(bytes: &[u8], version: u8) -> Vec<Frame<'_>> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(header) = bytes.get(at..at + 10) {
        if header[0] == 0 {
            break; // padding
        }
        let Ok(id) = <&[u8; 4]>::try_from(&header[..4]) else {
            break;
        };
        if !id
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            break;
        }
        let size = match version {
            4 => syncsafe(&header[4..8]),
            _ => be32(&header[4..8]),
        };
        let Some(size) = size else { break };
        let Some(raw) = bytes.get(at + 10..at + 10 + size) else {
            break; // cut short by the read limit
        };
        at += 10 + size;
        let format = header[9];
        if let Some(body) = frame_body(raw, format, version) {
            found.push(Frame { id, body });
        }
    }
    found
}

/// A frame's content with its format flags undone; None for compressed or encrypted frames,
/// which chapter writers do not make.
fn frame_body(raw: &[u8], format: u8, version: u8) -> Option<std::borrow::Cow<'_, [u8]>> {
    match version {
        4 => {
            if format & 0x0c != 0 {
                return None;
            }
            let mut raw = raw;
            if format & 0x40 != 0 {
                raw = raw.get(1..)?; // group id
            }
            if format & 0x01 != 0 {
                raw = raw.get(4..)?; // data length indicator
            }
            if format & 0x02 != 0 {
                Some(std::borrow::Cow::Owned(resync(raw)))
            } else {
                Some(std::borrow::Cow::Borrowed(raw))
            }
        }
        _ => {
            if format & 0xc0 != 0 {
                return None;
            }
            if format & 0x20 != 0 {
                return raw.get(1..).map(std::borrow::Cow::Borrowed);
            }
            Some(std::borrow::Cow::Borrowed(raw))
        }
    }
}

/// A `CHAP` frame: its element id and chapter (untitled ones are named by their number later).
fn chap(body: &[u8], version: u8) -> Option<(Vec<u8>, Chapter)> {
    let nul = body.iter().position(|b| *b == 0)?;
    let id = body[..nul].to_vec();
    let times = body.get(nul + 1..nul + 17)?;
    let start_ms = be32(&times[..4])?;
    let mut title = None;
    let mut url = None;
    let mut image = None;
    for frame in frames(body.get(nul + 17..)?, version) {
        match frame.id {
            b"TIT2" => title = text_frame(&frame.body),
            b"WXXX" => url = wxxx(&frame.body),
            b"APIC" => image = apic(&frame.body),
            _ => {}
        }
    }
    let title = title
        .map(|t| super::clean_title(&t))
        .filter(|t| !t.is_empty())?;
    Some((
        id,
        Chapter {
            start_secs: start_ms as f64 / 1000.0,
            title,
            url,
            image,
            source: ChapterSource::Id3,
        },
    ))
}

/// A `CTOC` frame: whether it is the top-level table, and the element ids it lists.
fn ctoc(body: &[u8]) -> Option<(bool, Vec<Vec<u8>>)> {
    let nul = body.iter().position(|b| *b == 0)?;
    let flags = *body.get(nul + 1)?;
    let count = *body.get(nul + 2)?;
    let mut rest = body.get(nul + 3..)?;
    let mut children = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let end = rest.iter().position(|b| *b == 0)?;
        children.push(rest[..end].to_vec());
        rest = &rest[end + 1..];
    }
    Some((flags & 0x02 != 0, children))
}

/// A text frame's (first) value.
fn text_frame(body: &[u8]) -> Option<String> {
    let (&encoding, text) = body.split_first()?;
    let (value, _) = decode_terminated(encoding, text);
    Some(value)
}

/// A user link frame: an encoded description, then the address in Latin-1.
fn wxxx(body: &[u8]) -> Option<String> {
    let (&encoding, rest) = body.split_first()?;
    let (_, after) = decode_terminated(encoding, rest);
    let link: String = after
        .iter()
        .take_while(|b| **b != 0)
        .map(|b| char::from(*b))
        .collect();
    web_url(link.trim())
}

/// A picture frame: a link (MIME `-->`), or a small embedded JPEG or PNG as a `data:` URL.
fn apic(body: &[u8]) -> Option<String> {
    let (&encoding, rest) = body.split_first()?;
    let mime_end = rest.iter().position(|b| *b == 0)?;
    let mime = String::from_utf8_lossy(&rest[..mime_end]).to_ascii_lowercase();
    let rest = rest.get(mime_end + 2..)?; // the terminator, then the picture type
    let (_, data) = decode_terminated(encoding, rest);
    if mime == "-->" {
        let link: String = data
            .iter()
            .take_while(|b| **b != 0)
            .map(|b| char::from(*b))
            .collect();
        return web_url(link.trim());
    }
    if data.len() > PICTURE_LIMIT_BYTES {
        return None;
    }
    let kind = if data.starts_with(&[0xff, 0xd8, 0xff]) {
        "image/jpeg"
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else {
        return None;
    };
    Some(format!("data:{kind};base64,{}", base64(data)))
}

/// Decodes text in an ID3 `encoding` up to its terminator; returns it and the bytes after.
fn decode_terminated(encoding: u8, bytes: &[u8]) -> (String, &[u8]) {
    match encoding {
        1 | 2 => {
            let mut end = bytes.len() & !1;
            let mut after = end;
            let mut i = 0;
            while i + 1 < bytes.len() {
                if bytes[i] == 0 && bytes[i + 1] == 0 {
                    end = i;
                    after = i + 2;
                    break;
                }
                i += 2;
            }
            let units = &bytes[..end];
            let (big_endian, units) = match (encoding, units) {
                (1, [0xff, 0xfe, rest @ ..]) => (false, rest),
                (1, [0xfe, 0xff, rest @ ..]) => (true, rest),
                (1, rest) => (false, rest),
                (_, rest) => (true, rest),
            };
            let words = units.chunks_exact(2).map(|pair| {
                if big_endian {
                    u16::from_be_bytes([pair[0], pair[1]])
                } else {
                    u16::from_le_bytes([pair[0], pair[1]])
                }
            });
            let text = char::decode_utf16(words)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            (text, bytes.get(after..).unwrap_or_default())
        }
        _ => {
            let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
            let text = if encoding == 3 {
                String::from_utf8_lossy(&bytes[..end]).into_owned()
            } else {
                bytes[..end].iter().map(|b| char::from(*b)).collect()
            };
            (text, bytes.get(end + 1..).unwrap_or_default())
        }
    }
}

/// Undoes unsynchronisation: every `FF 00` back to `FF`.
fn resync(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut previous = 0u8;
    for &b in bytes {
        if !(previous == 0xff && b == 0) {
            out.push(b);
        }
        previous = b;
    }
    out
}

fn syncsafe(bytes: &[u8]) -> Option<usize> {
    let b: [u8; 4] = bytes.try_into().ok()?;
    if b.iter().any(|x| x & 0x80 != 0) {
        return None;
    }
    Some(
        (usize::from(b[0]) << 21)
            | (usize::from(b[1]) << 14)
            | (usize::from(b[2]) << 7)
            | usize::from(b[3]),
    )
}

fn be32(bytes: &[u8]) -> Option<usize> {
    let b: [u8; 4] = bytes.try_into().ok()?;
    usize::try_from(u32::from_be_bytes(b)).ok()
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Writes ID3v2 tags with chapters, for tests here and in the integration tests (which prepend
/// them to real MP3 frames). Not a general tag writer.
pub mod write {
    /// One chapter to write.
    pub struct Chap<'a> {
        pub id: &'a str,
        pub start_ms: u32,
        pub end_ms: u32,
        pub title: &'a str,
        pub url: Option<&'a str>,
        /// (MIME type, bytes); MIME `-->` for a link.
        pub picture: Option<(&'a str, &'a [u8])>,
    }

    /// An ID3v2.`version` tag (3 or 4) with a top-level `CTOC` listing `chapters` and a
    /// `CHAP` frame for each, titles in UTF-16 (v2.3) or UTF-8 (v2.4), and `padding` zero bytes.
    pub fn tag(version: u8, chapters: &[Chap<'_>], padding: usize) -> Vec<u8> {
        let mut frames = Vec::new();
        let mut toc = b"toc\0".to_vec();
        toc.push(0x03); // top level, ordered
        toc.push(u8::try_from(chapters.len()).unwrap_or(u8::MAX));
        for chapter in chapters {
            toc.extend_from_slice(chapter.id.as_bytes());
            toc.push(0);
        }
        frames.extend(frame(version, b"CTOC", &toc));
        for chapter in chapters {
            let mut body = chapter.id.as_bytes().to_vec();
            body.push(0);
            body.extend_from_slice(&chapter.start_ms.to_be_bytes());
            body.extend_from_slice(&chapter.end_ms.to_be_bytes());
            body.extend_from_slice(&[0xff; 8]); // no byte offsets
            body.extend(frame(version, b"TIT2", &text(version, chapter.title)));
            if let Some(url) = chapter.url {
                let mut wxxx = vec![0u8, 0]; // Latin-1, empty description
                wxxx.extend_from_slice(url.as_bytes());
                body.extend(frame(version, b"WXXX", &wxxx));
            }
            if let Some((mime, data)) = chapter.picture {
                let mut apic = vec![0u8];
                apic.extend_from_slice(mime.as_bytes());
                apic.extend_from_slice(&[0, 0x03, 0]); // front cover, empty description
                apic.extend_from_slice(data);
                body.extend(frame(version, b"APIC", &apic));
            }
            frames.extend(frame(version, b"CHAP", &body));
        }
        frames.extend(std::iter::repeat_n(0u8, padding));
        let mut tag = b"ID3".to_vec();
        tag.extend_from_slice(&[version, 0, 0]);
        tag.extend_from_slice(&syncsafe(frames.len()));
        tag.extend(frames);
        tag
    }

    fn text(version: u8, value: &str) -> Vec<u8> {
        if version == 4 {
            let mut out = vec![3u8];
            out.extend_from_slice(value.as_bytes());
            return out;
        }
        let mut out = vec![1u8, 0xff, 0xfe];
        for unit in value.encode_utf16() {
            out.extend_from_slice(&unit.to_le_bytes());
        }
        out
    }

    fn frame(version: u8, id: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = id.to_vec();
        if version == 4 {
            out.extend_from_slice(&syncsafe(body.len()));
        } else {
            out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_be_bytes());
        }
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(body);
        out
    }

    fn syncsafe(n: usize) -> [u8; 4] {
        [
            ((n >> 21) & 0x7f) as u8,
            ((n >> 14) & 0x7f) as u8,
            ((n >> 7) & 0x7f) as u8,
            (n & 0x7f) as u8,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::write::{Chap, tag};
    use super::*;

    const JPEG: &[u8] = &[0xff, 0xd8, 0xff, 0xe0, 1, 2, 3];

    fn three() -> Vec<Chap<'static>> {
        vec![
            Chap {
                id: "ch1",
                start_ms: 90_500,
                end_ms: 200_000,
                title: "Zweites Kapitel: Über Streams",
                url: Some("https://example.com/streams"),
                picture: Some(("image/jpeg", JPEG)),
            },
            Chap {
                id: "ch0",
                start_ms: 0,
                end_ms: 90_500,
                title: "Intro",
                url: Some("javascript:alert(1)"),
                picture: Some(("-->", b"https://example.com/intro.png")),
            },
            Chap {
                id: "ch2",
                start_ms: 200_000,
                end_ms: 300_000,
                title: "  <b>Wrap</b>-up ",
                url: None,
                picture: None,
            },
        ]
    }

    #[test]
    fn chapters_with_titles_links_and_pictures_are_read_from_both_tag_versions() {
        for version in [3, 4] {
            let mut file = tag(version, &three(), 64);
            file.extend_from_slice(&[0xff, 0xfb, 0x90, 0x64]); // an MP3 frame header follows
            let chapters = parse_id3_chapters(&file);
            let titles: Vec<&str> = chapters.iter().map(|c| c.title.as_str()).collect();
            assert_eq!(
                titles,
                ["Intro", "Zweites Kapitel: Über Streams", "<b>Wrap</b>-up"],
                "v2.{version}"
            );
            assert_eq!(chapters[1].start_secs, 90.5);
            assert_eq!(
                chapters[1].url.as_deref(),
                Some("https://example.com/streams")
            );
            assert_eq!(chapters[0].url, None, "javascript: links are dropped");
            assert_eq!(
                chapters[0].image.as_deref(),
                Some("https://example.com/intro.png")
            );
            assert_eq!(
                chapters[1].image.as_deref(),
                Some("data:image/jpeg;base64,/9j/4AECAw==")
            );
            assert!(chapters.iter().all(|c| c.source == ChapterSource::Id3));
        }
    }

    #[test]
    fn a_tag_cut_short_gives_the_chapters_that_are_whole() {
        let file = tag(3, &three(), 0);
        let whole = parse_id3_chapters(&file);
        assert_eq!(whole.len(), 3);
        // Cut inside the last CHAP frame: the first two remain.
        let cut = parse_id3_chapters(&file[..file.len() - 5]);
        assert_eq!(cut.len(), 2);
        for len in 0..file.len() {
            let _ = parse_id3_chapters(&file[..len]);
        }
    }

    #[test]
    fn chapters_outside_the_top_level_table_are_not_listed() {
        let mut file = tag(4, &three()[..2], 0);
        // A stray CHAP frame after the tag's frames, not in the table of contents.
        let extra = tag(4, &three()[2..], 0);
        let stray_frames = &extra[10..];
        let ctoc_len = 10 + 4 + 2 + 4; // "toc\0", flags, count, "ch2\0"
        file.extend_from_slice(&stray_frames[ctoc_len..]);
        let size = file.len() - 10;
        file[6..10].copy_from_slice(&[
            ((size >> 21) & 0x7f) as u8,
            ((size >> 14) & 0x7f) as u8,
            ((size >> 7) & 0x7f) as u8,
            (size & 0x7f) as u8,
        ]);
        let titles: Vec<String> = parse_id3_chapters(&file)
            .into_iter()
            .map(|c| c.title)
            .collect();
        assert_eq!(titles, ["Intro", "Zweites Kapitel: Über Streams"]);
    }

    #[test]
    fn no_tag_or_garbage_means_no_chapters() {
        assert!(parse_id3_chapters(b"").is_empty());
        assert!(parse_id3_chapters(&[0xff, 0xfb, 0x90, 0x64, 0, 0]).is_empty());
        assert!(
            parse_id3_chapters(b"ID3\x03\x00\x00\x7f\x7f\x7f\x7fCHAP\xff\xff\xff\xff").is_empty()
        );
        assert!(parse_id3_chapters(b"ID3\x02\x00\x00\x00\x00\x00\x10").is_empty());
    }

    #[test]
    fn unsynchronised_tags_are_read() {
        // A v2.3 tag whose start time holds an FF byte, unsynchronised as a whole.
        let chapters = [Chap {
            id: "a",
            start_ms: 0x00ff_0001,
            end_ms: 0x00ff_1000,
            title: "Late",
            url: None,
            picture: None,
        }];
        let plain = tag(3, &chapters, 0);
        let mut frames = Vec::new();
        for &b in &plain[10..] {
            frames.push(b);
            if b == 0xff {
                frames.push(0);
            }
        }
        let mut file = plain[..10].to_vec();
        file[5] = 0x80;
        let size = frames.len();
        file[6..10].copy_from_slice(&[
            ((size >> 21) & 0x7f) as u8,
            ((size >> 14) & 0x7f) as u8,
            ((size >> 7) & 0x7f) as u8,
            (size & 0x7f) as u8,
        ]);
        file.extend(frames);
        let read = parse_id3_chapters(&file);
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].start_secs, f64::from(0x00ff_0001u32) / 1000.0);
    }
}
