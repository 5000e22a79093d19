//! Chapters in an M4A (MP4) file: the Nero chapter list (`moov/udta/chpl`), which ffmpeg, mp4v2,
//! Auphonic and most podcast encoders write: per chapter a start in 100 ns units and a UTF-8
//! title. QuickTime chapter tracks (a text track named by `tref/chap`, Apple's own tools) are
//! not read: their titles live in sample data that may sit anywhere in the file, beyond the head
//! that is fetched. Files whose `moov` box comes after the audio (not "fast start") have no
//! chapters in their head; for a downloaded file, [`box_header`] walks to it.
//!
//! Invariants: never panics on any input; every box length is checked against what is left.

use super::{Chapter, ChapterSource};

/// The chapters in `moov/udta/chpl` when `bytes` (the file's head, or its `moov` box alone)
/// holds them, in time order.
pub fn parse_mp4_chapters(bytes: &[u8]) -> Vec<Chapter> {
    let Some(moov) = boxes(bytes)
        .find(|(kind, _)| kind == b"moov")
        .map(|(_, b)| b)
    else {
        return Vec::new();
    };
    let Some(udta) = boxes(moov)
        .find(|(kind, _)| kind == b"udta")
        .map(|(_, b)| b)
    else {
        return Vec::new();
    };
    let Some(chpl) = boxes(udta)
        .find(|(kind, _)| kind == b"chpl")
        .map(|(_, b)| b)
    else {
        return Vec::new();
    };
    let mut chapters = nero(chpl).unwrap_or_default();
    chapters.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs));
    chapters
}

/// Whether `head` starts like an MP4 file (`ftyp` first).
pub fn is_mp4(head: &[u8]) -> bool {
    head.get(4..8) == Some(b"ftyp")
}

/// A top-level box's type and whole length, from its first 16 bytes (or fewer, for a box whose
/// length fits 32 bits): how a file is walked box by box to a `moov` after the audio. None for
/// a length that cannot be (shorter than its header).
pub fn box_header(header: &[u8]) -> Option<([u8; 4], u64)> {
    let kind: [u8; 4] = header.get(4..8)?.try_into().ok()?;
    let size = match u32::from_be_bytes(header.get(..4)?.try_into().ok()?) {
        1 => u64::from_be_bytes(header.get(8..16)?.try_into().ok()?),
        n => u64::from(n),
    };
    (size >= 8).then_some((kind, size))
}

/// The boxes in `bytes`, as (type, content); stops at the first one cut short.
fn boxes(bytes: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        let header = rest.get(..8)?;
        let kind: [u8; 4] = header[4..8].try_into().ok()?;
        let size = u32::from_be_bytes(header[..4].try_into().ok()?) as usize;
        let (content_start, size) = match size {
            0 => (8, rest.len()),
            1 => {
                let large = u64::from_be_bytes(rest.get(8..16)?.try_into().ok()?);
                (16, usize::try_from(large).ok()?)
            }
            n => (8, n),
        };
        if size < content_start {
            return None;
        }
        let content = rest.get(content_start..size)?;
        rest = &rest[size..];
        Some((kind, content))
    })
}

/// A `chpl` box's content: version and flags, four reserved bytes from version 1 on, a count,
/// then per chapter a 64-bit start in 100 ns units and a length-prefixed UTF-8 title.
fn nero(content: &[u8]) -> Option<Vec<Chapter>> {
    let version = *content.first()?;
    let mut at = if version >= 1 { 8 } else { 4 };
    let count = *content.get(at)?;
    at += 1;
    let mut chapters = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let start = u64::from_be_bytes(content.get(at..at + 8)?.try_into().ok()?);
        let length = usize::from(*content.get(at + 8)?);
        let title = content.get(at + 9..at + 9 + length)?;
        at += 9 + length;
        let title = super::clean_title(&String::from_utf8_lossy(title));
        if title.is_empty() {
            continue;
        }
        chapters.push(Chapter {
            start_secs: start as f64 / 10_000_000.0,
            title,
            url: None,
            image: None,
            source: ChapterSource::Mp4,
        });
    }
    Some(chapters)
}

/// Writes a small M4A head with a Nero chapter list, for tests.
pub mod write {
    fn mp4_box(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
        let mut out = u32::try_from(content.len() + 8)
            .unwrap_or(u32::MAX)
            .to_be_bytes()
            .to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(content);
        out
    }

    /// `ftyp`, then `moov` holding `mvhd`-like filler and `udta/chpl` with `chapters` (start in
    /// seconds, title), then `mdat` with `audio`.
    pub fn m4a(chapters: &[(f64, &str)], audio: &[u8]) -> Vec<u8> {
        let mut chpl = vec![1, 0, 0, 0, 0, 0, 0, 0];
        chpl.push(u8::try_from(chapters.len()).unwrap_or(u8::MAX));
        for (start, title) in chapters {
            chpl.extend_from_slice(&((start * 10_000_000.0) as u64).to_be_bytes());
            chpl.push(u8::try_from(title.len()).unwrap_or(u8::MAX));
            chpl.extend_from_slice(title.as_bytes());
        }
        let udta = mp4_box(b"udta", &mp4_box(b"chpl", &chpl));
        let mut moov = mp4_box(b"mvhd", &[0; 100]);
        moov.extend(udta);
        let mut file = mp4_box(b"ftyp", b"M4A \0\0\0\0M4A mp42isom");
        file.extend(mp4_box(b"moov", &moov));
        file.extend(mp4_box(b"mdat", audio));
        file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nero_chapters_are_read_from_a_fast_start_head() {
        let file = write::m4a(
            &[
                (0.0, "Intro"),
                (754.25, "Cost of HTTP/2"),
                (60.0, "Sponsor ❤"),
            ],
            &[0; 1000],
        );
        assert!(is_mp4(&file));
        let chapters = parse_mp4_chapters(&file);
        let got: Vec<(f64, &str)> = chapters
            .iter()
            .map(|c| (c.start_secs, c.title.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (0.0, "Intro"),
                (60.0, "Sponsor ❤"),
                (754.25, "Cost of HTTP/2")
            ]
        );
        assert!(chapters.iter().all(|c| c.source == ChapterSource::Mp4));
        // Cut anywhere: no panic, and never a chapter that was not there.
        for len in 0..file.len() {
            assert!(parse_mp4_chapters(&file[..len]).len() <= 3);
        }
    }

    #[test]
    fn the_moov_box_is_found_by_the_top_level_lengths() {
        let file = write::m4a(&[(0.0, "A"), (1.0, "B")], &[0; 10]);
        let mut at = 0usize;
        let (kind, len) = loop {
            let (kind, len) = box_header(&file[at..]).expect("a box");
            if &kind == b"moov" {
                break (kind, len);
            }
            at += len as usize;
        };
        assert_eq!(&kind, b"moov");
        assert_eq!(parse_mp4_chapters(&file[at..at + len as usize]).len(), 2);
        assert_eq!(box_header(b"\0\0\0\x04free"), None);
        assert_eq!(
            box_header(b"\0\0\0\x01mdat\0\0\0\x01\0\0\0\0"),
            Some((*b"mdat", 1 << 32))
        );
    }

    #[test]
    fn a_file_without_chapters_has_none() {
        assert!(parse_mp4_chapters(&write::m4a(&[], &[1, 2, 3])).is_empty());
        assert!(parse_mp4_chapters(b"not an mp4 at all").is_empty());
        assert!(parse_mp4_chapters(b"\0\0\0\x01moov\0\0\0\0\0\0\0\x04").is_empty());
    }
}
