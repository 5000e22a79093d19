//! Which directories the listener lets Earshot ask, the Podcast Index account, and the country
//! whose store and charts to use. Read from the app's settings by
//! [`crate::preferences::directories`].

use serde::{Deserialize, Serialize};

use crate::model::DirectorySource;

/// The listener's directory choices. `Debug` never shows the Podcast Index key or secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DirectorySettings {
    pub itunes: bool,
    pub fyyd: bool,
    /// Asked only when a key and a secret are given too.
    pub podcast_index: bool,
    pub podcast_index_key: Option<String>,
    pub podcast_index_secret: Option<String>,
    /// Lowercase ISO 3166 code (`us`, `gb`): the iTunes store and charts to use.
    pub country: String,
}

impl Default for DirectorySettings {
    /// Every directory on; the country of the system's locale, else `us`.
    fn default() -> Self {
        Self {
            itunes: true,
            fyyd: true,
            podcast_index: true,
            podcast_index_key: None,
            podcast_index_secret: None,
            country: locale_country(),
        }
    }
}

impl std::fmt::Debug for DirectorySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let given = |v: &Option<String>| if v.is_some() { "<given>" } else { "<none>" };
        f.debug_struct("DirectorySettings")
            .field("itunes", &self.itunes)
            .field("fyyd", &self.fyyd)
            .field("podcast_index", &self.podcast_index)
            .field("podcast_index_key", &given(&self.podcast_index_key))
            .field("podcast_index_secret", &given(&self.podcast_index_secret))
            .field("country", &self.country)
            .finish()
    }
}

impl DirectorySettings {
    /// The directories a search asks, in the order their answers are merged.
    pub fn enabled_sources(&self) -> Vec<DirectorySource> {
        let mut sources = Vec::new();
        if self.itunes {
            sources.push(DirectorySource::Itunes);
        }
        if self.fyyd {
            sources.push(DirectorySource::Fyyd);
        }
        if self.podcast_index_credentials().is_some() {
            sources.push(DirectorySource::PodcastIndex);
        }
        sources
    }

    /// The key and secret, when Podcast Index is on and both are given.
    pub(super) fn podcast_index_credentials(
        &self,
    ) -> Option<super::podcast_index::Credentials<'_>> {
        fn given(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        match (
            self.podcast_index,
            given(&self.podcast_index_key),
            given(&self.podcast_index_secret),
        ) {
            (true, Some(key), Some(secret)) => {
                Some(super::podcast_index::Credentials { key, secret })
            }
            _ => None,
        }
    }

    /// The country as a store code: the setting when it is two letters, else the locale's.
    pub fn store_country(&self) -> String {
        country_code(&self.country).unwrap_or_else(locale_country)
    }
}

/// `gb` from `GB` or ` gb `; `None` for anything that is not two ASCII letters.
pub fn country_code(text: &str) -> Option<String> {
    let text = text.trim();
    (text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| text.to_ascii_lowercase())
}

/// The region of a locale name (`en-GB`, `en_GB.UTF-8`, `zh-Hant-TW`), lowercased.
pub fn locale_region(locale: &str) -> Option<String> {
    let locale = locale.split(['.', '@']).next().unwrap_or(locale);
    locale
        .split(['-', '_'])
        .skip(1)
        .find(|part| part.len() == 2 && part.bytes().all(|b| b.is_ascii_alphabetic()))
        .map(str::to_ascii_lowercase)
}

/// The system locale's country, else `us`.
pub fn locale_country() -> String {
    sys_locale::get_locale()
        .as_deref()
        .and_then(locale_region)
        .unwrap_or_else(|| "us".to_string())
}

/// The main language of a country's podcasts, for Podcast Index's trending list. Countries
/// with several (or none listed here) give `None`: every language.
pub(super) fn country_language(country: &str) -> Option<&'static str> {
    Some(match country {
        "us" | "gb" | "au" | "nz" | "ie" | "ca" | "za" | "in" | "sg" => "en",
        "de" | "at" => "de",
        "fr" => "fr",
        "es" | "mx" | "ar" | "co" | "cl" | "pe" => "es",
        "it" => "it",
        "nl" => "nl",
        "br" | "pt" => "pt",
        "se" => "sv",
        "no" => "no",
        "dk" => "da",
        "fi" => "fi",
        "pl" => "pl",
        "cz" => "cs",
        "jp" => "ja",
        "kr" => "ko",
        "ru" => "ru",
        "tr" => "tr",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_come_from_locale_names() {
        assert_eq!(locale_region("en-GB").as_deref(), Some("gb"));
        assert_eq!(locale_region("de_AT.UTF-8").as_deref(), Some("at"));
        assert_eq!(locale_region("zh-Hant-TW").as_deref(), Some("tw"));
        assert_eq!(locale_region("fr"), None);
        assert_eq!(locale_region("C"), None);
    }

    #[test]
    fn podcast_index_needs_both_key_and_secret() {
        let mut settings = DirectorySettings {
            country: "us".into(),
            ..DirectorySettings::default()
        };
        assert_eq!(
            settings.enabled_sources(),
            [DirectorySource::Itunes, DirectorySource::Fyyd]
        );
        settings.podcast_index_key = Some("k".into());
        settings.podcast_index_secret = Some("  ".into());
        assert_eq!(settings.enabled_sources().len(), 2);
        settings.podcast_index_secret = Some("s".into());
        assert_eq!(settings.enabled_sources().len(), 3);
        settings.podcast_index = false;
        settings.itunes = false;
        assert_eq!(settings.enabled_sources(), [DirectorySource::Fyyd]);
    }

    #[test]
    fn debug_hides_the_account() {
        let settings = DirectorySettings {
            podcast_index_key: Some("KEY123".into()),
            podcast_index_secret: Some("SECRET456".into()),
            country: "us".into(),
            ..DirectorySettings::default()
        };
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("KEY123") && !shown.contains("SECRET456"),
            "{shown}"
        );
    }
}
