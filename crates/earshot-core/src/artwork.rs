//! Show artwork, fetched once by Rust and cached on disk (`<data dir>/artwork/<show id>`), so the
//! web view never loads a remote image. Only real images are kept: the type is sniffed from the
//! bytes, never trusted from the server.
//!
//! Lists show small copies: the first time a size is asked for, the original is decoded (with
//! limits on its dimensions and memory), scaled down and kept in `artwork/thumbs/`, so a grid of
//! 3000-pixel covers costs a few kilobytes each to draw. A new original discards the old copies.

use std::path::PathBuf;

use sha2::Digest;

use crate::error::Result;
use crate::model::ShowId;

/// Artwork larger than this is ignored rather than cached.
pub const ARTWORK_LIMIT_BYTES: u64 = 20_000_000;

/// The sizes (longest side, in pixels) small copies are made at; a request is served the
/// smallest of these at least as large as asked, or the original beyond the largest.
pub const THUMBNAIL_SIZES: [u32; 3] = [128, 320, 640];

/// Images wider or taller than this are not decoded.
const MAX_DIMENSION: u32 = 12_000;

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

    /// The cached original on disk, when there is one (for the OS media controls).
    pub fn file(&self, show: ShowId) -> Option<PathBuf> {
        Some(self.path(show)).filter(|p| p.is_file())
    }

    fn thumb_path(&self, show: ShowId, size: u32) -> PathBuf {
        self.dir.join("thumbs").join(format!("{}-{size}", show.0))
    }

    async fn remove_thumbs(&self, show: ShowId) {
        for size in THUMBNAIL_SIZES {
            let _ = tokio::fs::remove_file(self.thumb_path(show, size)).await;
        }
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
        self.remove_thumbs(show).await;
        tokio::fs::rename(&partial, &path).await?;
        Ok(true)
    }

    /// Forgets a show's artwork; a file that is already gone is fine.
    pub async fn remove(&self, show: ShowId) {
        self.remove_thumbs(show).await;
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

    /// The artwork no larger than `size` pixels on its longest side (made and kept the first
    /// time); the original when `size` is beyond the largest thumbnail or it cannot be scaled.
    pub async fn load_sized(&self, show: ShowId, size: u32) -> Option<Artwork> {
        let Some(size) = THUMBNAIL_SIZES.iter().copied().find(|s| *s >= size) else {
            return self.load(show).await;
        };
        let thumb = self.thumb_path(show, size);
        if let Ok(bytes) = tokio::fs::read(&thumb).await
            && let Some(mime) = sniff_image(&bytes)
        {
            return Some(Artwork { bytes, mime });
        }
        let original = self.load(show).await?;
        let scaled = tokio::task::spawn_blocking(move || match scale(&original.bytes, size) {
            Ok(Some(bytes)) => Artwork {
                mime: sniff_image(&bytes).unwrap_or(original.mime),
                bytes,
            },
            Ok(None) => original,
            Err(error) => {
                tracing::debug!(show = show.0, %error, "artwork not scaled");
                original
            }
        })
        .await
        .ok()?;
        let keep = async {
            tokio::fs::create_dir_all(thumb.parent()?).await.ok()?;
            let partial = thumb.with_extension("part");
            tokio::fs::write(&partial, &scaled.bytes).await.ok()?;
            tokio::fs::rename(&partial, &thumb).await.ok()
        };
        if keep.await.is_none() {
            tracing::debug!(show = show.0, "thumbnail not kept");
        }
        Some(scaled)
    }
}

impl ArtworkStore {
    fn listed_path(&self, url: &str, size: u32) -> PathBuf {
        let key = crate::hex(&sha2::Sha256::digest(url.as_bytes()));
        self.dir.join("listed").join(format!("{key}-{size}"))
    }

    /// The small copy kept of a directory listing's artwork (`url`), when there is one.
    pub async fn load_listed(&self, url: &str, size: u32) -> Option<Artwork> {
        let bytes = tokio::fs::read(self.listed_path(url, listed_size(size)))
            .await
            .ok()?;
        let mime = sniff_image(&bytes)?;
        Some(Artwork { bytes, mime })
    }

    /// Keeps a small copy of a directory listing's artwork, scaled from `bytes`; what is kept
    /// (or None when `bytes` are no image).
    pub async fn store_listed(&self, url: &str, size: u32, bytes: Vec<u8>) -> Option<Artwork> {
        let mime = sniff_image(&bytes)?;
        let size = listed_size(size);
        let scaled = tokio::task::spawn_blocking(move || match scale(&bytes, size) {
            Ok(Some(scaled)) => Artwork {
                mime: sniff_image(&scaled).unwrap_or(mime),
                bytes: scaled,
            },
            Ok(None) | Err(_) => Artwork { bytes, mime },
        })
        .await
        .ok()?;
        let path = self.listed_path(url, size);
        let keep = async {
            tokio::fs::create_dir_all(path.parent()?).await.ok()?;
            let partial = path.with_extension("part");
            tokio::fs::write(&partial, &scaled.bytes).await.ok()?;
            tokio::fs::rename(&partial, &path).await.ok()
        };
        if keep.await.is_none() {
            tracing::debug!("listed artwork not kept");
        }
        Some(scaled)
    }

    /// Forgets small copies of listings' artwork last written before `before`.
    pub async fn forget_listed(&self, before: std::time::SystemTime) {
        let Ok(mut entries) = tokio::fs::read_dir(self.dir.join("listed")).await else {
            return;
        };
        while let Ok(Some(entry)) = entries.next_entry().await {
            let old = entry
                .metadata()
                .await
                .and_then(|m| m.modified())
                .is_ok_and(|at| at < before);
            if old {
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
    }
}

/// Listings are drawn small: the nearest thumbnail size, at most the largest.
fn listed_size(size: u32) -> u32 {
    THUMBNAIL_SIZES
        .iter()
        .copied()
        .find(|s| *s >= size)
        .unwrap_or(THUMBNAIL_SIZES[THUMBNAIL_SIZES.len() - 1])
}

/// `bytes` decoded and scaled to fit `size`×`size`: JPEG, or PNG when it has transparency.
/// `None` when it is already that small (the original serves).
fn scale(bytes: &[u8], size: u32) -> image::ImageResult<Option<Vec<u8>>> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode()?;
    if image.width() <= size && image.height() <= size {
        return Ok(None);
    }
    let small = image.thumbnail(size, size);
    let mut out = std::io::Cursor::new(Vec::new());
    if small.color().has_alpha() {
        small.write_to(&mut out, image::ImageFormat::Png)?;
    } else {
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
        small.to_rgb8().write_with_encoder(encoder)?;
    }
    Ok(Some(out.into_inner()))
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

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    #[tokio::test]
    async fn thumbnails_are_scaled_kept_and_replaced_with_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let store = ArtworkStore::new(dir.path().join("artwork"));
        let big = jpeg(1400, 1000);
        assert!(store.store(ShowId(7), &big).await.unwrap());
        let small = store.load_sized(ShowId(7), 300).await.unwrap();
        assert_eq!(small.mime, "image/jpeg");
        let decoded = image::load_from_memory(&small.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (320, 229));
        assert!(small.bytes.len() < big.len() / 4);
        assert!(dir.path().join("artwork/thumbs/7-320").exists(), "kept");
        // Beyond the largest thumbnail: the original.
        assert_eq!(store.load_sized(ShowId(7), 2000).await.unwrap().bytes, big);
        // A new original replaces the kept copies.
        let other = jpeg(800, 800);
        assert!(store.store(ShowId(7), &other).await.unwrap());
        let again = store.load_sized(ShowId(7), 300).await.unwrap();
        let decoded = image::load_from_memory(&again.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (320, 320));
        // Already small: served as is. Not decodable: the original, not an error.
        let tiny = jpeg(100, 80);
        assert!(store.store(ShowId(8), &tiny).await.unwrap());
        assert_eq!(store.load_sized(ShowId(8), 128).await.unwrap().bytes, tiny);
        let broken = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3];
        assert!(store.store(ShowId(9), &broken).await.unwrap());
        assert_eq!(
            store.load_sized(ShowId(9), 128).await.unwrap().bytes,
            broken
        );
        store.remove(ShowId(7)).await;
        assert!(!dir.path().join("artwork/thumbs/7-320").exists());
    }
}
