//! Sites: the stores this server serves, with the origins allowed to embed them.
//!
//! Loaded from the database into memory at start ([`SiteRegistry::load`]) because
//! every WebSocket upgrade and API request needs them.

use aisle_core::policy::Policy;
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

/// One store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The id merchants put in `data-site`.
    pub id: String,
    /// The store's display name.
    pub name: String,
    /// Origins (`https://shop.example`) whose pages may embed the widget.
    pub allowed_origins: Vec<String>,
    /// The merchant's self-service settings.
    pub config: SiteConfig,
}

/// What a merchant configures for self-service (`sites.config`, JSON).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    /// Return window, cancel limit.
    pub policy: Policy,
    /// Quick responses, in the order shoppers see them.
    pub faq: Vec<FaqEntry>,
}

/// One quick response: a question shown as a button and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqEntry {
    /// Stable id (feedback is counted per id).
    pub id: String,
    /// Locale tag → question.
    pub question: BTreeMap<String, String>,
    /// Locale tag → answer.
    pub answer: BTreeMap<String, String>,
}

/// The text for `locale` from a locale → text map: exact tag, then the
/// language, then English, then any.
pub fn localized<'a>(texts: &'a BTreeMap<String, String>, locale: &str) -> &'a str {
    aisle_core::campaign::pick_localized(
        texts.iter().map(|(t, s)| (t.as_str(), s.as_str())),
        locale,
    )
    .unwrap_or_default()
}

impl Site {
    /// Whether a page at `origin` may talk to this site. `own_host` is the `Host`
    /// the request was sent to: pages this server serves itself (the demo store)
    /// are always allowed.
    pub fn allows_origin(&self, origin: &str, own_host: Option<&str>) -> bool {
        let origin = origin.trim_end_matches('/');
        let authority = origin.split_once("://").map(|(_, rest)| rest);
        let same_origin = authority
            .zip(own_host)
            .is_some_and(|(a, h)| a.eq_ignore_ascii_case(h));
        same_origin
            || self
                .allowed_origins
                .iter()
                .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
    }
}

/// All sites, shared by the request handlers.
#[derive(Debug, Clone, Default)]
pub struct SiteRegistry {
    sites: Arc<RwLock<HashMap<String, Site>>>,
}

impl SiteRegistry {
    /// Reads every site from the database.
    pub async fn load(db: &SqlitePool) -> anyhow::Result<Self> {
        let rows: Vec<(String, String, String, String)> =
            sqlx::query_as("SELECT id, name, allowed_origins, config FROM sites")
                .fetch_all(db)
                .await?;
        let mut sites = HashMap::new();
        for (id, name, origins, config) in rows {
            let allowed_origins: Vec<String> = serde_json::from_str(&origins)?;
            let config: SiteConfig = serde_json::from_str(&config)
                .map_err(|e| anyhow::anyhow!("site {id}: invalid config: {e}"))?;
            sites.insert(
                id.clone(),
                Site {
                    id,
                    name,
                    allowed_origins,
                    config,
                },
            );
        }
        Ok(SiteRegistry {
            sites: Arc::new(RwLock::new(sites)),
        })
    }

    /// Whether any site allows `origin` (for CORS preflights, which precede the site lookup).
    pub fn any_allows(&self, origin: &str) -> bool {
        self.sites
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .any(|s| s.allows_origin(origin, None))
    }

    /// The site with this id, if served here.
    pub fn get(&self, id: &str) -> Option<Site> {
        self.sites
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_exactly_ignoring_case_and_trailing_slash() {
        let site = Site {
            id: "demo".into(),
            name: "Demo".into(),
            allowed_origins: vec!["https://shop.example/".into()],
            config: SiteConfig::default(),
        };
        assert!(site.allows_origin("https://shop.example", None));
        assert!(site.allows_origin("HTTPS://SHOP.EXAMPLE", None));
        assert!(!site.allows_origin("https://shop.example.evil.test", None));
        assert!(!site.allows_origin("http://shop.example", None));
        assert!(site.allows_origin("http://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(!site.allows_origin("http://127.0.0.1:9999", Some("127.0.0.1:8080")));
    }
}
