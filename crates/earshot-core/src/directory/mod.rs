//! Podcast directories: search iTunes, fyyd and Podcast Index at once, Apple's charts, and
//! Apple Podcasts page addresses resolved to feeds. (Being written: see issue 15.)

use std::path::PathBuf;

use crate::{Core, Result};

/// Where each directory lives. Read from the environment so tests and mirrors can point
/// elsewhere: `EARSHOT_ITUNES_URL`, `EARSHOT_FYYD_URL`, `EARSHOT_PODCASTINDEX_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEndpoints {
    pub itunes: String,
    pub fyyd: String,
    pub podcast_index: String,
}

impl DirectoryEndpoints {
    pub fn from_env() -> Self {
        let var = |name: &str, default: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_string())
                .trim_end_matches('/')
                .to_string()
        };
        Self {
            itunes: var("EARSHOT_ITUNES_URL", "https://itunes.apple.com"),
            fyyd: var("EARSHOT_FYYD_URL", "https://api.fyyd.de"),
            podcast_index: var(
                "EARSHOT_PODCASTINDEX_URL",
                "https://api.podcastindex.org/api/1.0",
            ),
        }
    }
}

/// The directory clients and the chart cache.
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub struct Directories {
    #[allow(dead_code)]
    endpoints: DirectoryEndpoints,
    #[allow(dead_code)]
    cache_dir: PathBuf,
}

impl Directories {
    pub fn new(_user_agent: &str, endpoints: DirectoryEndpoints, cache_dir: PathBuf) -> Self {
        Self {
            endpoints,
            cache_dir,
        }
    }
}

impl Core {
    /// The feed address behind what the listener typed: an Apple Podcasts page address is
    /// resolved through the iTunes lookup; anything else is given back as it is.
    pub(crate) async fn directory_address(&self, input: &str) -> Result<String> {
        Ok(input.to_string())
    }
}
