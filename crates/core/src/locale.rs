//! The six languages Aisle speaks, one definition for the server, the console,
//! the site file and (next) the widget and the loader.
//!
//! - [`Locale::from_tag`] reads a BCP 47 tag as a browser or a merchant writes
//!   it, with fallbacks: `fr-CA` → [`Locale::Fr`]; `zh-TW`, `zh-HK`, `zh-MO`
//!   and `zh-Hant…` → [`Locale::ZhHant`]; `zh`, `zh-CN`, `zh-SG` and
//!   `zh-Hans…` → [`Locale::ZhHans`]; case and `_` do not matter. `None` for a
//!   language Aisle does not speak.
//! - [`Locale::of`] is the same with English for anything else (what a reply
//!   to a shopper needs); [`Locale::negotiate`] picks the first supported tag
//!   of a browser's list.
//! - [`Locale::tag`] is the canonical tag (`en`, `fr`, `fi`, `zh-Hans`,
//!   `zh-Hant`, `th`); serde writes a `Locale` as that tag and reads any tag
//!   [`Locale::from_tag`] takes.
//! - [`Locale::ALL`] lists them in [`Locale::index`] order, the order of
//!   every per-language table.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One of the languages Aisle speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Locale {
    /// English (the fallback).
    #[default]
    En,
    /// French.
    Fr,
    /// Finnish.
    Fi,
    /// Simplified Chinese.
    ZhHans,
    /// Traditional Chinese.
    ZhHant,
    /// Thai.
    Th,
}

impl Locale {
    /// Every locale, in [`Locale::index`] order.
    pub const ALL: [Locale; 6] = [
        Locale::En,
        Locale::Fr,
        Locale::Fi,
        Locale::ZhHans,
        Locale::ZhHant,
        Locale::Th,
    ];

    /// Position in [`Locale::ALL`] (and in every per-language table).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The canonical BCP 47 tag: `en`, `fr`, `fi`, `zh-Hans`, `zh-Hant`, `th`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
            Locale::Fi => "fi",
            Locale::ZhHans => "zh-Hans",
            Locale::ZhHant => "zh-Hant",
            Locale::Th => "th",
        }
    }

    /// The language's name in itself, for a language picker.
    pub fn name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Fr => "Français",
            Locale::Fi => "Suomi",
            Locale::ZhHans => "简体中文",
            Locale::ZhHant => "繁體中文",
            Locale::Th => "ไทย",
        }
    }

    /// The locale of a BCP 47 tag by its language, ignoring case and reading
    /// `_` as `-`: `fr-CA` → French; Chinese is Traditional for `zh-Hant`,
    /// `zh-TW`, `zh-HK` and `zh-MO`, Simplified otherwise (`zh`, `zh-CN`,
    /// `zh-SG`, `zh-Hans`). `None` for any other language.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = tag.split('-');
        match parts.next().unwrap_or_default() {
            "en" => Some(Locale::En),
            "fr" => Some(Locale::Fr),
            "fi" => Some(Locale::Fi),
            "th" => Some(Locale::Th),
            "zh" if parts.any(|p| matches!(p, "hant" | "tw" | "hk" | "mo")) => Some(Locale::ZhHant),
            "zh" => Some(Locale::ZhHans),
            _ => None,
        }
    }

    /// [`Locale::from_tag`], English when the language is not one of the six.
    pub fn of(tag: &str) -> Locale {
        Locale::from_tag(tag).unwrap_or_default()
    }

    /// The first of `tags` (a browser's preference order) Aisle speaks;
    /// English when none.
    pub fn negotiate<'a>(tags: impl IntoIterator<Item = &'a str>) -> Locale {
        tags.into_iter()
            .find_map(Locale::from_tag)
            .unwrap_or_default()
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

impl std::str::FromStr for Locale {
    type Err = String;

    fn from_str(tag: &str) -> Result<Locale, String> {
        Locale::from_tag(tag).ok_or_else(|| {
            format!("{tag:?} is not a language Aisle speaks (en, fr, fi, zh-Hans, zh-Hant, th)")
        })
    }
}

impl Serialize for Locale {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.tag())
    }
}

impl<'de> Deserialize<'de> for Locale {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Locale, D::Error> {
        let tag = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        tag.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_with_regions_and_scripts_fall_back_to_their_language() {
        for (tag, locale) in [
            ("en", Locale::En),
            ("EN_us", Locale::En),
            ("fr-FR", Locale::Fr),
            ("fr-CA", Locale::Fr),
            ("fi-FI", Locale::Fi),
            ("th-TH", Locale::Th),
            ("zh", Locale::ZhHans),
            ("zh-CN", Locale::ZhHans),
            ("zh-SG", Locale::ZhHans),
            ("zh-Hans", Locale::ZhHans),
            ("zh-Hans-CN", Locale::ZhHans),
            ("zh-TW", Locale::ZhHant),
            ("zh-HK", Locale::ZhHant),
            ("zh-MO", Locale::ZhHant),
            ("zh-Hant", Locale::ZhHant),
            ("zh-Hant-HK", Locale::ZhHant),
            ("zh_TW", Locale::ZhHant),
            (" fr ", Locale::Fr),
        ] {
            assert_eq!(Locale::from_tag(tag), Some(locale), "{tag}");
            assert_eq!(Locale::of(tag), locale, "{tag}");
        }
    }

    #[test]
    fn other_languages_are_none_or_english() {
        for tag in ["de-DE", "ja", "", "frisian", "x"] {
            assert_eq!(Locale::from_tag(tag), None, "{tag}");
            assert_eq!(Locale::of(tag), Locale::En, "{tag}");
        }
        assert_eq!(Locale::negotiate(["de-DE", "th-TH", "fr-FR"]), Locale::Th);
        assert_eq!(Locale::negotiate(["ja-JP"]), Locale::En);
        assert_eq!(Locale::negotiate([]), Locale::En);
    }

    #[test]
    fn every_locale_reads_back_from_its_tag_and_its_index() {
        for (i, locale) in Locale::ALL.into_iter().enumerate() {
            assert_eq!(Locale::from_tag(locale.tag()), Some(locale));
            assert_eq!(locale.index(), i);
            assert_eq!(locale.to_string(), locale.tag());
        }
    }

    #[test]
    fn serde_writes_the_tag_and_reads_any_supported_tag() {
        let json = serde_json::to_string(&Locale::ALL).unwrap();
        assert_eq!(json, r#"["en","fr","fi","zh-Hans","zh-Hant","th"]"#);
        let back: Vec<Locale> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Locale::ALL);
        assert_eq!(
            serde_json::from_str::<Locale>(r#""zh-TW""#).unwrap(),
            Locale::ZhHant
        );
        assert!(serde_json::from_str::<Locale>(r#""de""#).is_err());
    }
}
