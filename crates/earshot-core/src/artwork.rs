//! Show artwork, fetched once by Rust and cached on disk (`<data dir>/artwork/<show id>`), so the
//! web view never loads a remote image. Only real images are kept: the type is sniffed from the
//! bytes, never trusted from the server.

use std::path::PathBuf;

use crate::error::Result;
use crate::model::ShowId;

/// Artwork larger than this is ignored rather than cached.
pub const ARTWORK_LIMIT_BYTES: u64 = 20_000_000;

#[derive(Debug, Clone)]
pub struct ArtworkStore {
    dir: PathBuf,
}

/// A cached image and its sniffed MIME type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artwork {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
}

impl ArtworkStore {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    fn path(&self, show: ShowId) -> PathBuf {
        self.dir.join(show.0.to_string())
    }

    /// Writes `bytes` as the show's artwork if they are an image; returns whether it was kept.
    pub async fn store(&self, show: ShowId, bytes: &[u8]) -> Result<bool> {
        if sniff_image(bytes).is_none() {
            return Ok(false);
        }
        tokio::fs::create_dir_all(&self.dir).await?;
        let path = self.path(show);
        let partial = path.with_extension("part");
        tokio::fs::write(&partial, bytes).await?;
        tokio::fs::rename(&partial, &path).await?;
        Ok(true)
    }

    /// Forgets a show's artwork; a file that is already gone is fine.
    pub async fn remove(&self, show: ShowId) {
        if let Err(error) = tokio::fs::remove_file(self.path(show)).await
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(show = show.0, %error, "artwork not removed");
        }
    }

    pub async fn load(&self, show: ShowId) -> Option<Artwork> {
        let bytes = tokio::fs::read(self.path(show)).await.ok()?;
        let mime = sniff_image(&bytes)?;
        Some(Artwork { bytes, mime })
    }
}

/// The MIME type of an image from its first bytes, or `None` when it is not a supported image.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0x89, b'P', b'N', b'G', ..] => Some("image/png"),
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [b'G', b'I', b'F', b'8', ..] => Some("image/gif"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("image/webp"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_images_are_cached() {
        let dir = tempfile::tempdir().unwrap();
        let store = ArtworkStore::new(dir.path().join("artwork"));
        assert!(
            !store
                .store(ShowId(1), b"<html>captive portal</html>")
                .await
                .unwrap()
        );
        assert!(store.load(ShowId(1)).await.is_none());
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0];
        assert!(store.store(ShowId(1), &png).await.unwrap());
        let art = store.load(ShowId(1)).await.unwrap();
        assert_eq!(art.mime, "image/png");
        assert_eq!(art.bytes, png);
    }
}
