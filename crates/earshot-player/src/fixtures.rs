//! Test fixtures: real audio files rendered with GStreamer at test time, so no media is committed.

use std::path::Path;
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToneFormat {
    Mp3,
    OggOpus,
    OggVorbis,
    /// AAC in an MP4 container, whose index (`moov`) is written at the end.
    M4a,
    /// Vorbis audio beside a VP8 video track in WebM, like a show that carries a cover video.
    WebmWithVideo,
}

/// Writes `seconds` of a 440 Hz tone to `path` in `format`.
pub fn render_tone(path: &Path, seconds: u32, format: ToneFormat) -> Result<(), String> {
    gst::init().map_err(|e| e.to_string())?;
    let encoder = match format {
        ToneFormat::Mp3 => "lamemp3enc target=bitrate bitrate=64 cbr=true ! xingmux ! id3v2mux",
        ToneFormat::OggOpus => "opusenc ! oggmux",
        ToneFormat::OggVorbis => "vorbisenc ! oggmux",
        ToneFormat::M4a => "avenc_aac ! mp4mux",
        ToneFormat::WebmWithVideo => "vorbisenc ! queue ! mux. webmmux name=mux",
    };
    let location = path.to_str().ok_or("the path is not UTF-8")?;
    let video = if format == ToneFormat::WebmWithVideo {
        format!(
            "videotestsrc num-buffers={} ! video/x-raw,width=160,height=120,framerate=10/1 \
             ! vp8enc deadline=1 ! queue ! mux. ",
            seconds * 10
        )
    } else {
        String::new()
    };
    let description = format!(
        "{video}audiotestsrc wave=sine freq=440 volume=0.2 samplesperbuffer=4410 num-buffers={} \
         ! audio/x-raw,rate=44100,channels=2 ! audioconvert ! audioresample ! {encoder} \
         ! filesink location=\"{location}\"",
        seconds * 10
    );
    let pipeline = gst::parse::launch(&description).map_err(|e| e.to_string())?;
    let bus = pipeline.bus().ok_or("no bus")?;
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| e.to_string())?;
    let deadline = gst::ClockTime::from_seconds(120);
    let outcome =
        match bus.timed_pop_filtered(deadline, &[gst::MessageType::Eos, gst::MessageType::Error]) {
            Some(message) => match message.view() {
                gst::MessageView::Error(error) => Err(error.error().to_string()),
                _ => Ok(()),
            },
            None => Err("rendering timed out".to_string()),
        };
    let _ = pipeline.set_state(gst::State::Null);
    // Give the filesink a moment to flush on slow disks.
    std::thread::sleep(Duration::from_millis(10));
    outcome
}
