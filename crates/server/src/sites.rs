//! Sites: the stores this server serves, with the origins allowed to embed them.
//!
//! Loaded from the database into memory at start ([`SiteRegistry::load`]) because
//! every WebSocket upgrade and API request needs them.

use sqlx::SqlitePool;
use std::collections::HashMap;
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
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT id, name, allowed_origins FROM sites")
                .fetch_all(db)
                .await?;
        let mut sites = HashMap::new();
        for (id, name, origins) in rows {
            let allowed_origins: Vec<String> = serde_json::from_str(&origins)?;
            sites.insert(
                id.clone(),
                Site {
                    id,
                    name,
                    allowed_origins,
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
        };
        assert!(site.allows_origin("https://shop.example", None));
        assert!(site.allows_origin("HTTPS://SHOP.EXAMPLE", None));
        assert!(!site.allows_origin("https://shop.example.evil.test", None));
        assert!(!site.allows_origin("http://shop.example", None));
        assert!(site.allows_origin("http://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(!site.allows_origin("http://127.0.0.1:9999", Some("127.0.0.1:8080")));
    }
}
