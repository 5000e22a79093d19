//! File names for downloaded episodes, made from the show's and the episode's titles. Whatever a
//! feed says, the result is one plain name per folder level inside the download folder: no path
//! separators, no `.` or `..`, no names Windows reserves, no control characters, and short
//! enough for every file system.

use std::path::{Path, PathBuf};

/// The longest name part in bytes, before a ` (2)` and an extension are added; well under the
/// 255 bytes most file systems allow.
pub const MAX_NAME_BYTES: usize = 120;

/// Names Windows will not create, with or without an extension.
const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// `text` made safe as one file or folder name, or `fallback` when nothing usable is left.
pub fn component(text: &str, fallback: &str) -> String {
    let mut cleaned = String::with_capacity(text.len());
    for c in text.chars() {
        let c = match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() || c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' && (cleaned.is_empty() || cleaned.ends_with(' ')) {
            continue;
        }
        cleaned.push(c);
    }
    // Leading dots hide a file (and make `..`); trailing dots and spaces are dropped by Windows.
    let mut name = truncate(cleaned.trim_matches(['.', ' ']), MAX_NAME_BYTES)
        .trim_end_matches(['.', ' '])
        .to_string();
    if name.is_empty() {
        name = fallback.to_string();
    }
    if is_reserved(&name) {
        name.insert(0, '_');
    }
    name
}

fn truncate(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn is_reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("").trim_end();
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(stem))
}

/// The extension for an episode file: the enclosure's own when it is a known media type, else
/// one for its MIME type, else `audio`.
pub fn extension(enclosure_url: &str, mime: Option<&str>) -> &'static str {
    const KNOWN: [&str; 16] = [
        "mp3", "m4a", "m4b", "aac", "mp4", "m4v", "ogg", "oga", "opus", "flac", "wav", "webm",
        "mov", "mkv", "mpga", "3gp",
    ];
    let from_url = url::Url::parse(enclosure_url).ok().and_then(|url| {
        let last = url.path_segments()?.next_back()?.to_ascii_lowercase();
        let (_, ext) = last.rsplit_once('.')?;
        KNOWN.iter().find(|k| **k == ext).copied()
    });
    if let Some(ext) = from_url {
        return ext;
    }
    let mime = mime
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "audio/mpeg" | "audio/mp3" | "audio/mpeg3" => "mp3",
        "audio/mp4" | "audio/x-m4a" | "audio/m4a" => "m4a",
        "audio/aac" | "audio/aacp" => "aac",
        "audio/ogg" | "application/ogg" => "ogg",
        "audio/opus" => "opus",
        "audio/flac" | "audio/x-flac" => "flac",
        "audio/wav" | "audio/x-wav" | "audio/wave" => "wav",
        "audio/webm" | "video/webm" => "webm",
        "video/mp4" => "mp4",
        "video/x-m4v" => "m4v",
        "video/quicktime" => "mov",
        _ => "audio",
    }
}

/// Where an episode's file goes: `<folder>/<show>/<episode>.<ext>`, with ` (2)`, ` (3)`… added
/// when `taken` says a name is in use (on disk or by another download). Always inside `folder`.
pub fn episode_path(
    folder: &Path,
    show_title: &str,
    episode_title: &str,
    ext: &str,
    taken: impl Fn(&Path) -> bool,
) -> PathBuf {
    let dir = folder.join(component(show_title, "Show"));
    let stem = component(episode_title, "Episode");
    let ext = component(ext, "audio");
    let mut candidate = dir.join(format!("{stem}.{ext}"));
    let mut n = 2;
    while taken(&candidate) && n < 10_000 {
        candidate = dir.join(format!("{stem} ({n}).{ext}"));
        n += 1;
    }
    candidate
}

/// Whether `path` lies inside `folder` by plain name steps only (no `..`, no root): what every
/// path built here satisfies, checked again before anything is written or deleted.
pub fn is_inside(folder: &Path, path: &Path) -> bool {
    use std::path::Component;
    path.strip_prefix(folder).is_ok_and(|rest| {
        rest.components().count() > 0
            && rest.components().all(|c| matches!(c, Component::Normal(_)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_dots_cannot_climb_out() {
        assert_eq!(component("../../etc/passwd", "x"), "_.._etc_passwd");
        assert_eq!(component("..", "fallback"), "fallback");
        assert_eq!(component(".hidden", "x"), "hidden");
        assert_eq!(component("a\\b/c", "x"), "a_b_c");
        assert_eq!(component("C:\\Windows", "x"), "C__Windows");
        assert_eq!(component("  what? why!  ", "x"), "what_ why!");
        assert_eq!(
            component("tab\there\nnewline\u{0}nul", "x"),
            "tab here newline nul"
        );
        assert_eq!(component("", "Episode"), "Episode");
        assert_eq!(component(" . . ", "Episode"), "Episode");
    }

    #[test]
    fn windows_reserved_names_are_prefixed() {
        assert_eq!(component("CON", "x"), "_CON");
        assert_eq!(component("con.mp3", "x"), "_con.mp3");
        assert_eq!(component("Lpt9", "x"), "_Lpt9");
        assert_eq!(component("CONTROL", "x"), "CONTROL");
        assert_eq!(component("trailing. . .", "x"), "trailing");
    }

    #[test]
    fn long_and_unicode_titles_are_cut_on_a_character() {
        let long = "é".repeat(300);
        let name = component(&long, "x");
        assert!(name.len() <= MAX_NAME_BYTES);
        assert!(name.chars().all(|c| c == 'é'));
        assert_eq!(component("Ünïcödé 🎧 ep", "x"), "Ünïcödé 🎧 ep");
    }

    #[test]
    fn extension_from_url_then_mime() {
        assert_eq!(extension("https://x/a/ep.MP3?x=1", None), "mp3");
        assert_eq!(extension("https://x/a/ep.php", Some("audio/mp4")), "m4a");
        assert_eq!(
            extension("https://x/a/ep", Some("audio/ogg; codecs=opus")),
            "ogg"
        );
        assert_eq!(extension("https://x/a/ep", None), "audio");
    }

    #[test]
    fn paths_stay_inside_and_are_unique() {
        let folder = Path::new("/downloads");
        let taken = [PathBuf::from("/downloads/Show/Ep.mp3")];
        let path = episode_path(folder, "Show", "Ep", "mp3", |p| {
            taken.iter().any(|t| t == p)
        });
        assert_eq!(path, PathBuf::from("/downloads/Show/Ep (2).mp3"));
        let hostile = episode_path(folder, "../..", "../../etc/passwd", "mp3", |_| false);
        assert!(is_inside(folder, &hostile), "{}", hostile.display());
        assert_eq!(hostile, PathBuf::from("/downloads/_/_.._etc_passwd.mp3"));
        assert!(!is_inside(folder, Path::new("/downloads/../etc/passwd")));
        assert!(!is_inside(folder, Path::new("/etc/passwd")));
        assert!(!is_inside(folder, folder));
    }
}
