//! `chapters` and `transcript`: what is inside an episode, fetched (and kept in the library)
//! when it is not kept yet, as the app does when the episode is opened.

use std::fmt;

use earshot_core::{ChapterSource, Core, EpisodeId};
use serde::Serialize;

use super::find_episode;
use crate::Fatal;
use crate::report::{Report, clock};

/// `chapters`: the episode's chapters, from the best source it has.
pub async fn chapters(core: &Core, episode: &str) -> Result<ChaptersReport, Fatal> {
    let id = find_episode(core, episode).await?;
    let chapters = core.chapters(id).await?;
    Ok(ChaptersReport {
        episode: id,
        chapters: chapters
            .into_iter()
            .map(|c| ListedChapter {
                start_secs: c.start_secs,
                title: c.title,
                source: c.source,
                url: c.url,
            })
            .collect(),
    })
}

/// A JSON array of chapters; a line each as text.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct ChaptersReport {
    /// Named in the text remarks only.
    #[serde(skip)]
    pub episode: EpisodeId,
    pub chapters: Vec<ListedChapter>,
}

/// A chapter as `chapters` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedChapter {
    pub start_secs: f64,
    pub title: String,
    /// `podcast`, `psc`, `id3`, `mp4` or `notes`.
    pub source: ChapterSource,
    pub url: Option<String>,
}

impl Report for ChaptersReport {
    fn remarks(&self) -> Vec<String> {
        if self.chapters.is_empty() {
            vec![format!("{} has no chapters", self.episode)]
        } else {
            Vec::new()
        }
    }
}

impl fmt::Display for ChaptersReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chapter in &self.chapters {
            writeln!(f, "{:>8}  {}", clock(chapter.start_secs), chapter.title)?;
        }
        Ok(())
    }
}

/// `transcript`: the episode's transcript, in the listener's language when it offers several.
pub async fn transcript(core: &Core, episode: &str) -> Result<TranscriptReport, Fatal> {
    let id = find_episode(core, episode).await?;
    let cues = core
        .transcript(id)
        .await?
        .map(|t| t.cues)
        .unwrap_or_default();
    Ok(TranscriptReport {
        episode: id,
        cues: cues
            .into_iter()
            .map(|c| ListedCue {
                start_secs: c.start_secs,
                end_secs: c.end_secs,
                speaker: c.speaker,
                text: c.text,
            })
            .collect(),
    })
}

/// A JSON array of cues; a line each as text, with the speaker when it changes.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct TranscriptReport {
    /// Named in the text remarks only.
    #[serde(skip)]
    pub episode: EpisodeId,
    pub cues: Vec<ListedCue>,
}

/// A cue as `transcript` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedCue {
    pub start_secs: f64,
    pub end_secs: f64,
    pub speaker: Option<String>,
    pub text: String,
}

impl Report for TranscriptReport {
    fn remarks(&self) -> Vec<String> {
        if self.cues.is_empty() {
            vec![format!(
                "{} has no transcript that could be read",
                self.episode
            )]
        } else {
            Vec::new()
        }
    }
}

impl fmt::Display for TranscriptReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut last: Option<&str> = None;
        for cue in &self.cues {
            let speaker = cue.speaker.as_deref();
            match speaker {
                Some(name) if speaker != last => {
                    writeln!(f, "{:>8}  {name}: {}", clock(cue.start_secs), cue.text)?
                }
                _ => writeln!(f, "{:>8}  {}", clock(cue.start_secs), cue.text)?,
            }
            last = speaker;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transcript_names_each_new_speaker_once() {
        let cue = |start: f64, speaker: Option<&str>, text: &str| ListedCue {
            start_secs: start,
            end_secs: start + 1.0,
            speaker: speaker.map(str::to_string),
            text: text.to_string(),
        };
        let report = TranscriptReport {
            episode: EpisodeId(7),
            cues: vec![
                cue(0.0, Some("Ana"), "Hello."),
                cue(2.0, Some("Ana"), "Still me."),
                cue(65.0, Some("Tom"), "Hi."),
            ],
        };
        assert_eq!(
            report.to_string(),
            "    0:00  Ana: Hello.\n    0:02  Still me.\n    1:05  Tom: Hi.\n"
        );
        assert!(report.remarks().is_empty());
    }
}
