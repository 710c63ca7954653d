//! The `order_source` block of a site file: which store the orders come
//! from (demo, Shopify, WooCommerce or the merchant's own push), and how each
//! block is checked. The clients that use these live in `crate::stores`;
//! these types live here, with the site, so the site's settings depend on
//! nothing that reads them.

use serde::{Deserialize, Serialize};

/// A site's order source, as the site file names it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum OrderSourceConfig {
    /// The orders seeded by `--demo` (tables `orders`, `order_items`, `order_events`).
    #[default]
    Demo,
    /// A Shopify store, through the Admin GraphQL API.
    Shopify(ShopifyConfig),
    /// A WooCommerce store, through its REST API (v3).
    Woocommerce(WooConfig),
    /// The merchant's own system pushes orders; requests go to its webhook.
    Push(PushConfig),
}

impl OrderSourceConfig {
    /// Whether this is the default (kept out of exported site files).
    pub fn is_demo(&self) -> bool {
        *self == OrderSourceConfig::Demo
    }

    /// Which kind of source this is (`demo`, `shopify`, `woocommerce`, `push`), for
    /// logs and tickets.
    pub fn kind(&self) -> &'static str {
        match self {
            OrderSourceConfig::Demo => "demo",
            OrderSourceConfig::Shopify(_) => "shopify",
            OrderSourceConfig::Woocommerce(_) => "woocommerce",
            OrderSourceConfig::Push(_) => "push",
        }
    }
}

/// The Admin API version used when the site file names none.
pub const DEFAULT_API_VERSION: &str = "2025-10";

/// The `order_source` block of a site file for Shopify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopifyConfig {
    /// The shop's domain (`northwind.myshopify.com`).
    pub shop: String,
    /// The environment variable holding the Admin API access token.
    pub token_env: String,
    /// Admin API version (`2025-10`).
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// Products with this tag are final sale (not returnable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_sale_tag: Option<String>,
    /// Replaces `https://{shop}/admin/api/{api_version}/graphql.json` (for a
    /// proxy, or tests); plain `http://` only to a loopback address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// The environment variable holding the webhook signing secret; without
    /// it, webhooks from the store are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret_env: Option<String>,
    /// Create returns already approved (`returnCreate`) instead of requests
    /// the merchant approves in the admin (`returnRequest`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub auto_approve_returns: bool,
}

fn default_api_version() -> String {
    DEFAULT_API_VERSION.to_owned()
}

impl ShopifyConfig {
    /// The GraphQL endpoint.
    pub fn endpoint(&self) -> String {
        self.api_url.clone().unwrap_or_else(|| {
            format!(
                "https://{}/admin/api/{}/graphql.json",
                self.shop, self.api_version
            )
        })
    }

    /// Every problem with the block: (field, message).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let host_ok = !self.shop.is_empty()
            && self.shop.len() <= 255
            && self.shop.contains('.')
            && self
                .shop
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if !host_ok {
            problems.push((
                "shop",
                format!(
                    "\"{}\" is not a shop domain like \"northwind.myshopify.com\"",
                    self.shop
                ),
            ));
        }
        if !is_env_name(&self.token_env) {
            problems.push((
                "token_env",
                "the name of an environment variable (A-Z, 0-9, _), such as \"AISLE_SHOPIFY_TOKEN\"; the token itself never goes in the file".into(),
            ));
        }
        let v = self.api_version.as_bytes();
        let version_ok =
            v.len() == 7 && v[4] == b'-' && v[..4].iter().chain(&v[5..]).all(u8::is_ascii_digit);
        if !version_ok {
            problems.push((
                "api_version",
                format!(
                    "\"{}\" is not an API version like \"{DEFAULT_API_VERSION}\"",
                    self.api_version
                ),
            ));
        }
        check_shared(
            self.final_sale_tag.as_deref(),
            self.webhook_secret_env.as_deref(),
            &mut problems,
        );
        if let Some(url) = &self.api_url
            && let Err(why) = check_api_url(url)
        {
            problems.push(("api_url", why));
        }
        problems
    }
}

/// The `order_source` block of a site file for WooCommerce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WooConfig {
    /// The store's address (`https://shop.example`); `http://` only to a
    /// loopback address.
    pub url: String,
    /// The environment variable holding the REST API consumer key (`ck_…`).
    pub key_env: String,
    /// The environment variable holding the consumer secret (`cs_…`).
    pub secret_env: String,
    /// Refund the order through the payment gateway when a shopper cancels.
    #[serde(default)]
    pub refund_on_cancel: bool,
    /// Products with this tag are final sale (not returnable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_sale_tag: Option<String>,
    /// The environment variable holding the webhook signing secret; without
    /// it, webhooks from the store are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret_env: Option<String>,
}

impl WooConfig {
    /// Every problem with the block: (field, message).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if let Err(why) = check_api_url(&self.url) {
            problems.push(("url", why));
        }
        for (field, name) in [("key_env", &self.key_env), ("secret_env", &self.secret_env)] {
            if !is_env_name(name) {
                problems.push((
                    field,
                    "the name of an environment variable (A-Z, 0-9, _), such as \"AISLE_WC_KEY\"; the key itself never goes in the file".into(),
                ));
            }
        }
        check_shared(
            self.final_sale_tag.as_deref(),
            self.webhook_secret_env.as_deref(),
            &mut problems,
        );
        problems
    }
}

/// The site file's block for a push source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushConfig {
    /// Where cancel and return requests are POSTed (`https://…`; `http://`
    /// only to a loopback address).
    pub webhook_url: String,
    /// The environment variable holding the secret the requests are signed with.
    pub secret_env: String,
    /// The order in the merchant's admin, `{number}` replaced (for agents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_url: Option<String>,
}

impl PushConfig {
    /// Every problem with the block: (field, message).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if let Err(why) = check_api_url(&self.webhook_url) {
            problems.push(("webhook_url", why));
        }
        if !is_env_name(&self.secret_env) {
            problems.push((
                "secret_env",
                "the name of an environment variable (A-Z, 0-9, _); the secret itself never goes in the file".into(),
            ));
        }
        if let Some(admin) = &self.admin_url {
            let example = admin.replace("{number}", "1001");
            if let Err(why) = check_api_url(&example) {
                problems.push(("admin_url", why));
            } else if !admin.contains("{number}") {
                problems.push((
                    "admin_url",
                    "must contain {number}, replaced by the order number".into(),
                ));
            }
        }
        problems
    }
}

/// `https://…`, or `http://` to a loopback address only.
pub(crate) fn check_api_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("\"{url}\" is not a URL: {e}"))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match parsed.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if loopback {
                Ok(())
            } else {
                Err("plain http:// is accepted only for loopback addresses; use https://".into())
            }
        }
        other => Err(format!("\"{other}\" URLs are not supported; use https://")),
    }
}

/// Whether `name` can name an environment variable (`AISLE_SHOPIFY_TOKEN`).
pub(crate) fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// The checks every platform's block shares: the final-sale tag and the
/// webhook secret's variable name.
pub(crate) fn check_shared(
    final_sale_tag: Option<&str>,
    webhook_secret_env: Option<&str>,
    problems: &mut Vec<(&'static str, String)>,
) {
    if final_sale_tag.is_some_and(|t| t.trim().is_empty() || t.len() > 255) {
        problems.push(("final_sale_tag", "1 to 255 characters".into()));
    }
    if webhook_secret_env.is_some_and(|name| !is_env_name(name)) {
        problems.push((
            "webhook_secret_env",
            "the name of an environment variable (A-Z, 0-9, _); the secret itself never goes in the file".into(),
        ));
    }
}
