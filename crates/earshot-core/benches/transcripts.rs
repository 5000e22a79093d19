//! Transcript parsing, measured (`cargo bench -p earshot-core --bench transcripts`): a generated
//! two-hour episode (about 150 words a minute, two speakers) in each format, and a 1 MB WebVTT
//! file, each parsed and tidied many times; the median time and the speed in MB/s of input are
//! printed. The goal is at least 50 MB/s (a 1 MB WebVTT in 20 ms or less). Figures are printed,
//! not asserted.

use std::time::{Duration, Instant};

use earshot_core::transcript::{TranscriptFormat, parse_transcript};

const WORDS: &[&str] = &[
    "the",
    "stream",
    "server",
    "and",
    "we",
    "talked",
    "about",
    "latency",
    "what",
    "happens",
    "when",
    "a",
    "connection",
    "drops",
    "halfway",
    "through",
    "request",
    "so",
    "Postgres",
    "vacuum",
    "really",
    "matters",
    "here",
    "because",
    "café",
    "naïve",
    "über",
    "you",
    "know",
];

/// A pseudo-random word source (no dependency, the same text every run).
struct Words(u64);

impl Words {
    fn next(&mut self) -> &'static str {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        WORDS[(self.0 % WORDS.len() as u64) as usize]
    }

    /// A sentence of `n` words, capitalised and ended.
    fn sentence(&mut self, n: usize) -> String {
        let mut out = String::new();
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(self.next());
        }
        out.push('.');
        out
    }
}

fn clock(secs: f64, separator: char) -> String {
    let ms = (secs * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}{separator}{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Cues of about four seconds (ten words) over `secs`: (start, end, speaker, text).
fn cues(secs: f64) -> Vec<(f64, f64, &'static str, String)> {
    let mut words = Words(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::new();
    let mut at = 0.0;
    while at < secs {
        let speaker = if (out.len() / 3) % 2 == 0 {
            "Sam Rivera"
        } else {
            "Ana Lee"
        };
        out.push((at, at + 4.0, speaker, words.sentence(10)));
        at += 4.0;
    }
    out
}

fn vtt(secs: f64) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for (i, (start, end, speaker, text)) in cues(secs).iter().enumerate() {
        out.push_str(&format!(
            "{}\n{} --> {} align:start\n<v {speaker}>{text}\n\n",
            i + 1,
            clock(*start, '.'),
            clock(*end, '.')
        ));
    }
    out
}

fn srt(secs: f64) -> String {
    let mut out = String::new();
    for (i, (start, end, speaker, text)) in cues(secs).iter().enumerate() {
        let middle = text.match_indices(' ').nth(4).map_or(0, |(at, _)| at);
        let (first, second) = text.split_at(middle);
        out.push_str(&format!(
            "{}\r\n{} --> {}\r\n{speaker}: {first}\r\n{second}\r\n\r\n",
            i + 1,
            clock(*start, ','),
            clock(*end, ',')
        ));
    }
    out
}

/// Word-level segments, as transcription services write them.
fn json(secs: f64) -> String {
    let mut segments = Vec::new();
    for (start, _, speaker, text) in cues(secs) {
        let words: Vec<&str> = text.split(' ').collect();
        let step = 4.0 / words.len() as f64;
        for (i, word) in words.iter().enumerate() {
            let t = start + i as f64 * step;
            segments.push(format!(
                r#"{{"speaker":"{speaker}","startTime":{t:.3},"endTime":{:.3},"body":"{word}"}}"#,
                t + step * 0.9
            ));
        }
    }
    format!(
        r#"{{"version":"1.0.0","segments":[{}]}}"#,
        segments.join(",\n")
    )
}

fn html(secs: f64) -> String {
    let mut out = String::from("<!DOCTYPE html><html><head><title>t</title></head><body>\n");
    for (start, _, speaker, text) in cues(secs) {
        let s = start as u64;
        out.push_str(&format!(
            "<cite>{speaker}:</cite>\n<time>{}:{:02}:{:02}</time>\n<p>{text}</p>\n",
            s / 3600,
            s / 60 % 60,
            s % 60
        ));
    }
    out.push_str("</body></html>\n");
    out
}

fn measure(name: &str, format: TranscriptFormat, body: &str, secs: f64) {
    let runs = (200_000_000 / body.len().max(1)).clamp(5, 200);
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut cues = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let parsed = parse_transcript(Some(format), body.as_bytes(), Some(secs))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        times.push(started.elapsed());
        cues = parsed.cues.len();
    }
    times.sort();
    let median = times[times.len() / 2];
    let mb = body.len() as f64 / 1_000_000.0;
    println!(
        "{name:<28} {:>7.2} MB  {cues:>6} cues  median {:>7.2} ms  {:>7.1} MB/s",
        mb,
        median.as_secs_f64() * 1000.0,
        mb / median.as_secs_f64()
    );
}

fn main() {
    // `cargo test --all-targets` runs bench binaries too; measuring belongs to `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "transcripts benchmark: run it with `cargo bench -p earshot-core --bench transcripts`"
        );
        return;
    }
    let two_hours = 2.0 * 3600.0;
    println!("Transcript parsing (parse + tidy), median of many runs:");
    measure(
        "WebVTT, 2 h",
        TranscriptFormat::Vtt,
        &vtt(two_hours),
        two_hours,
    );
    measure(
        "SRT, 2 h",
        TranscriptFormat::Srt,
        &srt(two_hours),
        two_hours,
    );
    measure(
        "JSON (word-level), 2 h",
        TranscriptFormat::Json,
        &json(two_hours),
        two_hours,
    );
    measure(
        "HTML, 2 h",
        TranscriptFormat::Html,
        &html(two_hours),
        two_hours,
    );
    // About 1 MB of WebVTT.
    let mut secs = two_hours;
    let mut body = vtt(secs);
    while body.len() < 1_000_000 {
        secs *= 1_000_000.0 / body.len() as f64 * 1.01;
        body = vtt(secs);
    }
    measure("WebVTT, 1 MB", TranscriptFormat::Vtt, &body, secs);
}
