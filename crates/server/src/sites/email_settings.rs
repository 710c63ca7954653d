//! The `email` block of a site file: the sender, the reply-to address and
//! the store's mail server, and how the block is checked. The outbox and the
//! SMTP worker that use it live in `crate::email`.

use lettre::message::Mailbox;
use serde::{Deserialize, Serialize};

/// The `email` block of a site file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The sender, `"Northwind Outfitters <help@northwind.example>"`.
    pub from: String,
    /// Where shoppers' replies go, if not to `from`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// The mail server that sends for the store.
    pub smtp: SmtpConfig,
    /// The environment variable holding the secret that signs shoppers'
    /// answers posted to `POST /hooks/email/{site}`; without it, none are taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_secret_env: Option<String>,
}

/// How to reach the store's mail server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Host name or address (`smtp.example`).
    pub host: String,
    /// Port: 587 for STARTTLS, 465 for implicit TLS, as the provider says.
    pub port: u16,
    /// `starttls` (required, never falls back to plain text), `tls`
    /// (implicit, "SMTPS") or `none` (loopback hosts only).
    pub tls: SmtpTls,
    /// Login name; without it, no authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The environment variable holding the password (never the password).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
}

/// Transport security of the SMTP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS; refused if the server cannot.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only to a mail server on this machine.
    None,
}

/// Whether `host` names this machine (`localhost`, 127.0.0.0/8, `::1`).
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl EmailConfig {
    /// Every problem with the block: (path under `email`, message).
    pub fn problems(&self) -> Vec<(&'static [&'static str], String)> {
        let mut problems: Vec<(&'static [&'static str], String)> = Vec::new();
        match self.from.parse::<Mailbox>() {
            Ok(_) if self.from.len() > 320 => {
                problems.push((&["from"], "at most 320 characters".into()));
            }
            Ok(_) => {}
            Err(e) => problems.push((
                &["from"],
                format!(
                    "\"{}\" is not an address like \"Northwind Outfitters <help@northwind.example>\" ({e})",
                    self.from
                ),
            )),
        }
        if let Some(reply_to) = &self.reply_to
            && let Err(e) = reply_to.parse::<Mailbox>()
        {
            problems.push((
                &["reply_to"],
                format!("\"{reply_to}\" is not an address like \"help@northwind.example\" ({e})"),
            ));
        }
        if let Some(name) = &self.inbound_secret_env
            && !super::order_source::is_env_name(name)
        {
            problems.push((
                &["inbound_secret_env"],
                "the name of an environment variable (A-Z, 0-9, _); the secret itself never goes in the file".into(),
            ));
        }
        let smtp = &self.smtp;
        let host = smtp.host.trim_start_matches('[').trim_end_matches(']');
        let host_ok = !host.is_empty()
            && host.len() <= 255
            && (host.parse::<std::net::IpAddr>().is_ok()
                || host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'));
        if !host_ok {
            problems.push((
                &["smtp", "host"],
                format!("\"{}\" is not a host name like \"smtp.example\"", smtp.host),
            ));
        }
        if smtp.port == 0 {
            problems.push((&["smtp", "port"], "a port from 1 to 65535".into()));
        }
        if smtp.tls == SmtpTls::None && host_ok && !is_loopback(&smtp.host) {
            problems.push((
                &["smtp", "tls"],
                format!(
                    "\"none\" sends passwords and mail in clear text: it is accepted only for a mail server on this machine (localhost), not \"{}\"; use \"starttls\" or \"tls\"",
                    smtp.host
                ),
            ));
        }
        if let Some(user) = &smtp.username
            && (user.trim().is_empty() || user.len() > 255)
        {
            problems.push((&["smtp", "username"], "1 to 255 characters".into()));
        }
        match (&smtp.username, &smtp.password_env) {
            (_, Some(name)) if !super::order_source::is_env_name(name) => problems.push((
                &["smtp", "password_env"],
                "the name of an environment variable (A-Z, 0-9, _), such as \"AISLE_SMTP_PASSWORD\"; the password itself never goes in the file".into(),
            )),
            (Some(_), None) => problems.push((
                &["smtp", "password_env"],
                "a username needs the environment variable holding its password (\"password_env\")".into(),
            )),
            (None, Some(_)) => problems.push((
                &["smtp", "username"],
                "a password needs the username it belongs to".into(),
            )),
            _ => {}
        }
        problems
    }
}
