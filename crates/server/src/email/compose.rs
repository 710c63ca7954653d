//! The automatic emails, composed in the shopper's language from the
//! assistant's sentence tables (`email_*` keys of [`crate::text`],
//! which merchants reword through `strings`): `multipart/alternative` with a
//! plain-text part and an HTML part in the store's name and brand colour.
//!
//! Everything from outside — what the shopper typed, the store's name, item
//! titles — is HTML-escaped in the HTML part and never fills a template
//! (placeholders are replaced in one pass, so a `{reference}` typed by
//! someone stays as typed).

use super::{Composed, EmailConfig};
use crate::sites::Site;
use crate::text::Text;
use aisle_core::locale::Locale;
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use rand::Rng;

/// Most characters of the shopper's own words quoted back in an email.
pub const MAX_QUOTED_CHARS: usize = 2000;
/// Items listed in a "return request received" email.
const MAX_ITEMS: usize = 50;
/// The widget's default accent, when the site sets no brand colour.
const DEFAULT_BRAND: &str = "#1f5f8b";

/// What one email says, before it is laid out.
struct Content<'a> {
    subject: String,
    paragraphs: Vec<String>,
    /// Heading and lines of a list (items to return).
    list: Option<(&'a str, Vec<String>)>,
    /// The shopper's own words, quoted back.
    quoted: Option<String>,
    /// The heading above `quoted` (default: "Your message").
    quoted_heading: Option<String>,
    /// `In-Reply-To` and `References` of a reply.
    thread: Option<&'a Thread>,
}

/// Where a reply sits in its email thread.
#[derive(Debug, Clone, Default)]
pub struct Thread {
    /// The Message-ID answered (the shopper's last email, else ours).
    pub in_reply_to: Option<String>,
    /// Every Message-ID of the thread, oldest first.
    pub references: Vec<String>,
}

/// "We received your request T-…", to `recipient`; `said` is what the
/// shopper wrote (quoted back), `None` when the ticket's text is the server's.
pub fn ticket_received(
    site: &Site,
    config: &EmailConfig,
    lang: Locale,
    reference: &str,
    recipient: &str,
    said: Option<&str>,
) -> anyhow::Result<Composed> {
    let t = texts(site, lang);
    let values = [("store", site.name.as_str()), ("reference", reference)];
    let content = Content {
        subject: fill(t.email_ticket_subject, &values),
        paragraphs: vec![fill(t.email_ticket_body, &values)],
        list: None,
        quoted: said.map(quote),
        quoted_heading: None,
        thread: None,
    };
    build(site, config, lang, reference, recipient, &content)
}

/// "You left before {agent} answered": the agent's messages the shopper did
/// not see, quoted, for live chat `conversation`.
pub fn missed_reply(
    site: &Site,
    config: &EmailConfig,
    lang: Locale,
    conversation: &str,
    recipient: &str,
    agent: &str,
    lines: &[String],
) -> anyhow::Result<Composed> {
    let t = texts(site, lang);
    let agent = quote(agent);
    let values = [("store", site.name.as_str()), ("agent", agent.as_str())];
    let said: Vec<String> = lines.iter().map(|l| quote(l)).collect();
    let content = Content {
        subject: fill(t.email_missed_subject, &values),
        paragraphs: vec![
            fill(t.email_missed_body, &values),
            t.email_missed_next.to_owned(),
        ],
        list: None,
        quoted: Some(said.join("\n\n")),
        quoted_heading: Some(agent.clone()),
        thread: None,
    };
    build(site, config, lang, conversation, recipient, &content)
}

/// Most characters of a conversation copied into a transcript email (the
/// newest lines are kept; the message stays far below
/// [`super::MAX_MESSAGE_BYTES`] even in Thai or Chinese).
pub const MAX_TRANSCRIPT_CHARS: usize = 12_000;

/// One line of a transcript: who said it (`None`: the shopper) and what.
pub struct TranscriptLine {
    /// The agent's display name; `None` for the shopper.
    pub agent: Option<String>,
    /// The words, as typed.
    pub text: String,
}

/// The copy of a conversation the shopper asked for, to `recipient`: the
/// newest lines that fit in [`MAX_TRANSCRIPT_CHARS`], oldest first, each
/// labelled with who said it; `older`: the conversation has lines before
/// `lines`.
pub fn transcript(
    site: &Site,
    config: &EmailConfig,
    lang: Locale,
    conversation: &str,
    recipient: &str,
    lines: &[TranscriptLine],
    older: bool,
) -> anyhow::Result<Composed> {
    let t = texts(site, lang);
    let values = [("store", site.name.as_str())];
    let mut kept = Vec::new();
    let mut budget = MAX_TRANSCRIPT_CHARS;
    for line in lines.iter().rev() {
        let who = line.agent.as_deref().unwrap_or(t.email_transcript_you);
        let said = format!("{who}: {}", line.text);
        let n = said.chars().count();
        if n > budget {
            break;
        }
        budget -= n;
        kept.push(said);
    }
    let earlier = older || kept.len() < lines.len();
    kept.reverse();
    let mut paragraphs = vec![fill(t.email_transcript_body, &values)];
    if earlier {
        paragraphs.push(t.email_transcript_earlier.to_owned());
    }
    let content = Content {
        subject: fill(t.email_transcript_subject, &values),
        paragraphs,
        list: None,
        quoted: Some(kept.join("\n\n")),
        quoted_heading: Some(t.email_transcript_heading.to_owned()),
        thread: None,
    };
    build(site, config, lang, conversation, recipient, &content)
}

/// A message to an agent of the site (an invitation to the team, a
/// password-reset link): plain text in `lang` (the language of the console
/// that asked for it), never quoting anything a shopper wrote. `reference`
/// names it in the outbox (`agent-{id}`).
pub fn to_agent(
    config: &EmailConfig,
    lang: Locale,
    reference: &str,
    recipient: &str,
    subject: &str,
    body: &str,
) -> anyhow::Result<Composed> {
    let from: Mailbox = config.from.parse()?;
    let to: Mailbox = recipient.parse()?;
    let domain = from.email.domain().to_owned();
    let message_id = format!(
        "<{:032x}.{}@{domain}>",
        rand::rng().random::<u128>(),
        reference
    );
    let header = |name: &'static str, value: &str| {
        HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_owned())
    };
    let message = Message::builder()
        .from(from.clone())
        .to(to.clone())
        .subject(subject)
        .message_id(Some(message_id.clone()))
        .date_now()
        .raw_header(header("Content-Language", lang.tag()))
        .raw_header(header("Auto-Submitted", "auto-generated"))
        .header(lettre::message::header::ContentType::TEXT_PLAIN)
        .body(body.to_owned())?;
    Ok(Composed {
        message_id,
        sender: from.email.to_string(),
        recipient: to.email.to_string(),
        bytes: message.formatted(),
        lang: lang.tag(),
    })
}

/// A return request as its email tells it.
#[derive(Debug, Clone, Copy)]
pub struct ReturnRequest<'a> {
    /// The order.
    pub number: u32,
    /// (SKU, title, quantity) of each item.
    pub items: &'a [(String, String, u32)],
    /// What the shopper wrote.
    pub comment: &'a str,
}

/// "We received your return request R-…" for `request`.
pub fn return_received(
    site: &Site,
    config: &EmailConfig,
    lang: Locale,
    reference: &str,
    recipient: &str,
    request: ReturnRequest<'_>,
) -> anyhow::Result<Composed> {
    let ReturnRequest {
        number,
        items,
        comment,
    } = request;
    let t = texts(site, lang);
    let number = format!("#{number}");
    let values = [
        ("store", site.name.as_str()),
        ("reference", reference),
        ("number", number.as_str()),
    ];
    let content = Content {
        subject: fill(t.email_return_subject, &values),
        paragraphs: vec![fill(t.email_return_body, &values)],
        list: Some((
            t.email_return_items,
            items
                .iter()
                .take(MAX_ITEMS)
                .map(|(_, title, quantity)| format!("{quantity} × {}", quote(title)))
                .collect(),
        )),
        quoted: (!comment.trim().is_empty()).then(|| quote(comment)),
        quoted_heading: None,
        thread: None,
    };
    build(site, config, lang, reference, recipient, &content)
}

/// An agent's answer to ticket `reference`, signed by `agent`, in the
/// thread `thread` (subject "Re: " the ticket-received subject).
pub fn agent_reply(
    site: &Site,
    config: &EmailConfig,
    lang: Locale,
    reference: &str,
    recipient: &str,
    (agent, body): (&str, &str),
    thread: &Thread,
) -> anyhow::Result<Composed> {
    let t = texts(site, lang);
    let values = [("store", site.name.as_str()), ("reference", reference)];
    let content = Content {
        subject: format!("Re: {}", fill(t.email_ticket_subject, &values)),
        paragraphs: vec![quote(body), format!("— {}", quote(agent))],
        list: None,
        quoted: None,
        quoted_heading: None,
        thread: Some(thread),
    };
    build(site, config, lang, reference, recipient, &content)
}

/// The language's sentences with the merchant's overrides.
fn texts(site: &Site, lang: Locale) -> Text<'_> {
    site.text(lang)
}

/// Shopper text as quoted: trimmed, at most [`MAX_QUOTED_CHARS`], no control
/// characters but line breaks and tabs.
fn quote(text: &str) -> String {
    text.trim()
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .take(MAX_QUOTED_CHARS)
        .collect()
}

/// Replaces each `{key}` of `template` in one pass (a value that itself
/// reads `{reference}` stays as it is).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            values
                .iter()
                .find(|(k, _)| *k == &after[..close])
                .map(|(_, v)| (close, *v))
        });
        match value {
            Some((close, v)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `text` safe inside HTML text and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The site's brand colour if it is exactly `#rrggbb`, else the default.
fn brand(site: &Site) -> &str {
    site.config
        .brand_color
        .as_deref()
        .filter(|c| {
            c.len() == 7 && c.starts_with('#') && c.bytes().skip(1).all(|b| b.is_ascii_hexdigit())
        })
        .unwrap_or(DEFAULT_BRAND)
}

/// Lays `content` out as text and HTML and builds the message.
fn build(
    site: &Site,
    config: &EmailConfig,
    lang: Locale,
    reference: &str,
    recipient: &str,
    content: &Content<'_>,
) -> anyhow::Result<Composed> {
    let t = texts(site, lang);
    let store = [("store", site.name.as_str())];
    let signoff = fill(t.email_signoff, &store);
    let footer = fill(t.email_footer, &store);

    let mut text = format!("{}\n\n", t.email_greeting);
    for p in &content.paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    if let Some((heading, lines)) = &content.list {
        text.push_str(heading);
        text.push('\n');
        for line in lines {
            text.push_str("- ");
            text.push_str(line);
            text.push('\n');
        }
        text.push('\n');
    }
    let quoted_heading = content
        .quoted_heading
        .as_deref()
        .unwrap_or(t.email_your_message);
    if let Some(quoted) = &content.quoted {
        text.push_str(quoted_heading);
        text.push('\n');
        for line in quoted.lines() {
            text.push_str("> ");
            text.push_str(line);
            text.push('\n');
        }
        text.push('\n');
    }
    text.push_str(&format!("{signoff}\n\n-- \n{footer}\n"));

    let brand = brand(site);
    let e = escape_html;
    let mut body = format!("<p style=\"margin:0 0 16px\">{}</p>\n", e(t.email_greeting));
    for p in &content.paragraphs {
        body.push_str(&format!(
            "<p style=\"margin:0 0 16px;white-space:pre-wrap\">{}</p>\n",
            e(p)
        ));
    }
    body.push_str(&format!(
        "<p style=\"margin:0 0 16px;font-size:20px;font-weight:bold;color:{brand}\">{}</p>\n",
        e(reference)
    ));
    if let Some((heading, lines)) = &content.list {
        body.push_str(&format!(
            "<h2 style=\"margin:0 0 8px;font-size:15px\">{}</h2>\n<ul style=\"margin:0 0 16px;padding-left:20px\">\n",
            e(heading)
        ));
        for line in lines {
            body.push_str(&format!("<li>{}</li>\n", e(line)));
        }
        body.push_str("</ul>\n");
    }
    if let Some(quoted) = &content.quoted {
        body.push_str(&format!(
            "<h2 style=\"margin:0 0 8px;font-size:15px\">{}</h2>\n<blockquote style=\"margin:0 0 16px;padding:8px 12px;border-left:4px solid {brand};background:#f6f6f6;white-space:pre-wrap\">{}</blockquote>\n",
            e(quoted_heading),
            e(quoted)
        ));
    }
    body.push_str(&format!("<p style=\"margin:0\">{}</p>\n", e(&signoff)));
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width\">\n<title>{subject}</title>\n</head>\n\
<body style=\"margin:0;padding:24px 0;background:#f0f0f0;font-family:-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans Thai','Noto Sans CJK SC',sans-serif;color:#222222\">\n\
<div style=\"max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;overflow:hidden\">\n\
<div style=\"background:{brand};color:#ffffff;padding:16px 24px;font-size:18px;font-weight:bold\">{store}</div>\n\
<div style=\"padding:24px;line-height:1.5\">\n{body}</div>\n\
<div style=\"padding:12px 24px;font-size:12px;color:#555555;border-top:1px solid #e5e5e5\">{footer}</div>\n\
</div>\n</body>\n</html>\n",
        lang = lang.tag(),
        subject = e(&content.subject),
        store = e(&site.name),
        footer = e(&footer),
    );

    let from: Mailbox = config.from.parse()?;
    let to: Mailbox = recipient.parse()?;
    let domain = from.email.domain().to_owned();
    let message_id = format!(
        "<{:032x}.{}@{domain}>",
        rand::rng().random::<u128>(),
        reference
    );
    let header = |name: &'static str, value: &str| {
        HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_owned())
    };
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to.clone())
        .subject(content.subject.clone())
        .message_id(Some(message_id.clone()))
        .date_now()
        .raw_header(header("Content-Language", lang.tag()))
        .raw_header(header("X-Aisle-Reference", reference));
    if content.thread.is_none() {
        // RFC 3834: an automatic message; auto-responders do not answer it
        // (an agent's reply, written by a person, is not marked).
        builder = builder.raw_header(header("Auto-Submitted", "auto-generated"));
    }
    if let Some(reply_to) = &config.reply_to {
        builder = builder.reply_to(reply_to.parse()?);
    }
    if let Some(thread) = content.thread {
        if let Some(id) = &thread.in_reply_to {
            builder = builder.in_reply_to(id.clone());
        }
        if !thread.references.is_empty() {
            builder = builder.references(thread.references.join(" "));
        }
    }
    let message = builder.multipart(MultiPart::alternative_plain_html(text, html))?;
    Ok(Composed {
        message_id,
        sender: from.email.to_string(),
        recipient: to.email.to_string(),
        bytes: message.formatted(),
        lang: lang.tag(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once() {
        assert_eq!(
            fill(
                "{store}: {reference}",
                &[("store", "{reference}"), ("reference", "T-1")]
            ),
            "{reference}: T-1"
        );
        assert_eq!(fill("a {b", &[("b", "x")]), "a {b");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<img src=x onerror=\"a('b')\">&"),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;"
        );
    }
}
