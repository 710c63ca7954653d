//! Email to shoppers, end to end: a real SMTP server (aiosmtpd, started from
//! `support/smtp_sink.py`, with AUTH) and the real `aisle` binary serving the
//! demo with an `email` block; shoppers create tickets and returns through
//! `POST /api/sites/demo/assist` as the widget does, and the tests read what
//! the mail server received (raw MIME and its decoded parts) and what agents
//! see on `GET /api/agent/tickets`.
//!
//! The SMTP server's Python comes from `AISLE_SMTP_PYTHON`, else the venv
//! `cargo xtask setup` makes in `target/smtp-venv`. Run with
//! `cargo test -p aisle-server --test email`.

mod common;

use common::{
    SMTP_PASSWORD as PASSWORD, SMTP_PASSWORD_ENV as PASSWORD_ENV, Sink, Socket, free_port,
};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

const INBOUND_ENV: &str = "AISLE_TEST_INBOUND_SECRET";
const INBOUND_SECRET: &str = "inbound-test-secret";

/// The `aisle` binary serving the demo, whose site emails through `smtp_port`.
struct Server {
    _process: common::Process,
    addr: SocketAddr,
    http: reqwest::Client,
    /// The demo agent's session.
    token: String,
    _dir: tempfile::TempDir,
}

fn aisle() -> Command {
    let mut command = common::aisle();
    command
        .env(PASSWORD_ENV, PASSWORD)
        .env(INBOUND_ENV, INBOUND_SECRET)
        // The "you left before the answer" email waits one second here.
        .env("AISLE_MISSED_REPLY_AFTER", "1");
    command
}

/// The demo site file with an `email` block sending through 127.0.0.1:`smtp_port`.
fn site_file(smtp_port: u16) -> Value {
    common::site_with_email(
        smtp_port,
        json!({"reply_to": "care@northwind.example", "inbound_secret_env": INBOUND_ENV}),
    )
}

async fn serve(site: Option<Value>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("aisle.db").display());
    if let Some(site) = site {
        common::import_site(aisle(), dir.path(), &db, &site);
    }
    let (process, addr, http) = common::spawn_server(aisle(), true, &db, dir.path()).await;
    let login = common::http_log_in(&http, addr, common::ROBIN.0, common::ROBIN.1).await;
    let token = login["token"].as_str().expect("logged in").to_owned();
    Server {
        _process: process,
        addr,
        http,
        token,
        _dir: dir,
    }
}

impl Server {
    /// One self-service step as the widget sends it.
    async fn act(
        &self,
        session: &mut Option<String>,
        locale: &str,
        action: &str,
        values: &[(&str, &str)],
    ) -> Value {
        let reply: Value = self
            .http
            .post(format!("http://{}/api/sites/demo/assist", self.addr))
            .json(&json!({
                "session": session, "locale": locale, "action": action, "values": values,
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        *session = reply["session"].as_str().map(String::from);
        reply
    }

    /// A shopper leaves a message for the team (the message form, which is
    /// also the widget's offline form); the ticket reference they are told.
    async fn leave_message(&self, locale: &str, email: &str, message: &str) -> String {
        let mut session = None;
        self.act(&mut session, locale, "human", &[]).await;
        let reply = self
            .act(
                &mut session,
                locale,
                "message",
                &[("email", email), ("message", message)],
            )
            .await;
        reference_in(&reply, "T-")
    }

    /// The demo agent's tickets.
    async fn tickets(&self) -> Vec<Value> {
        let list: Value = self
            .http
            .get(format!("http://{}/api/agent/tickets", self.addr))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list["tickets"].as_array().unwrap().clone()
    }

    /// Waits (20 s at most) until the ticket's email status satisfies `ok`; that status.
    async fn await_email_status(&self, reference: &str, ok: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let tickets = self.tickets().await;
            let ticket = tickets
                .iter()
                .find(|t| t["reference"] == reference)
                .unwrap_or_else(|| panic!("no ticket {reference}"));
            if ok(&ticket["email_status"]) {
                return ticket["email_status"].clone();
            }
            assert!(
                Instant::now() < deadline,
                "email status of {reference} stuck at {}",
                ticket["email_status"]
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Server {
    /// Robin's console socket, online (so chats start).
    async fn agent_online(&self) -> Socket {
        let mut robin = ws(
            format!("ws://{}/ws/v1/agent", self.addr),
            ("authorization", format!("Bearer {}", self.token)),
        )
        .await;
        common::send(&mut robin, json!({"type": "hello"})).await;
        common::skip_to(&mut robin, "welcome").await;
        robin
    }

    /// A shopper's widget socket on the demo site, greeted.
    async fn shopper(&self) -> Socket {
        let addr = self.addr;
        let mut socket = ws(
            format!("ws://{addr}/ws/v1?site=demo"),
            ("origin", format!("http://{addr}")),
        )
        .await;
        common::send(&mut socket, json!({"type": "hello"})).await;
        common::skip_to(&mut socket, "welcome").await;
        socket
    }

    /// `method` `path` as the demo agent, with a JSON body; status and answer.
    async fn agent_call(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("http://{}{path}", self.addr))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn thread(&self, reference: &str) -> Value {
        self.http
            .get(format!(
                "http://{}/api/agent/tickets/{reference}/messages",
                self.addr
            ))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Posts a parsed email to the inbound hook, signed with `secret`.
    async fn inbound(&self, email: &Value, secret: &str) -> (u16, Value) {
        let body = email.to_string();
        let response = self
            .http
            .post(format!("http://{}/hooks/email/demo", self.addr))
            .header("content-type", "application/json")
            .header(
                "x-aisle-signature",
                aisle_server::hooks::sign(secret, body.as_bytes()),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// The first word of what the assistant said that starts with `prefix`.
fn reference_in(reply: &Value, prefix: &str) -> String {
    reply["said"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["text"].as_str())
        .flat_map(str::split_whitespace)
        .find_map(|w| {
            w.find(prefix).map(|i| {
                w[i..]
                    .trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                    .to_owned()
            })
        })
        .unwrap_or_else(|| panic!("no {prefix} reference in {reply}"))
}

/// The decoded body of the part of type `content_type`, with `\n` line ends.
fn part(summary: &Value, content_type: &str) -> String {
    summary["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["content_type"] == content_type)
        .and_then(|p| p["body"].as_str())
        .unwrap_or_else(|| panic!("no {content_type} part in {summary}"))
        .replace("\r\n", "\n")
}

/// The hostile strings of tests/hostile/strings.json that hold markup (one
/// per line of its `strings` array; lone surrogates, which JSON parsers
/// refuse, are skipped).
fn hostile_markup() -> Vec<String> {
    include_str!("../../../tests/hostile/strings.json")
        .lines()
        .map(|l| l.trim().trim_end_matches(','))
        .filter(|l| l.starts_with('"') && l.ends_with('"'))
        .filter_map(|l| serde_json::from_str::<String>(l).ok())
        .filter(|s| s.contains('<') && s.chars().count() < 300 && !s.chars().any(char::is_control))
        .collect()
}

fn header<'a>(summary: &'a Value, name: &str) -> Option<&'a str> {
    summary["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .and_then(|h| h[1].as_str())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_french_shopper_gets_ticket_received_as_text_and_html_with_hostile_text_escaped() {
    let sink = Sink::start(0);
    let server = serve(Some(site_file(sink.port))).await;
    let hostile = hostile_markup();
    let hostile: Vec<&str> = hostile.iter().map(String::as_str).take(8).collect();
    assert!(hostile.len() >= 5);
    let message = format!(
        "Ma commande {{reference}} est abîmée.\n{}",
        hostile.join("\n")
    );

    let reference = server
        .leave_message("fr-FR", "Camille@Example.com", &message)
        .await;
    let received = sink.await_messages(1).await;
    let (raw, mail) = &received[0];
    println!("--- received raw MIME ---\n{raw}--- end ---");

    assert_eq!(mail["mail_from"], "help@northwind.example");
    assert_eq!(mail["rcpt_tos"], json!(["camille@example.com"]));
    assert_eq!(
        mail["auth"], true,
        "logged in with the password from the environment"
    );
    assert_eq!(mail["content_type"], "multipart/alternative");
    assert!(raw.contains("Content-Type: multipart/alternative"), "{raw}");
    assert_eq!(
        mail["subject"],
        format!("Northwind Outfitters : nous avons reçu votre demande {reference}")
    );
    assert_eq!(header(mail, "Content-Language"), Some("fr"));
    assert_eq!(header(mail, "Reply-To"), Some("care@northwind.example"));
    assert_eq!(header(mail, "Auto-Submitted"), Some("auto-generated"));
    assert!(
        header(mail, "Message-ID").is_some_and(|id| id.ends_with("@northwind.example>")),
        "{mail}"
    );

    let text = part(mail, "text/plain");
    assert!(text.starts_with("Bonjour,"), "{text}");
    assert!(text.contains(&reference), "{text}");
    assert!(text.contains("Votre message"), "{text}");
    assert!(
        text.contains("> Ma commande {reference} est abîmée."),
        "typed text is quoted as typed: {text}"
    );
    for h in &hostile {
        assert!(
            text.contains(h.trim()),
            "the text part quotes {h:?}: {text}"
        );
    }

    let html = part(mail, "text/html");
    assert!(html.contains("<html lang=\"fr\">"), "{html}");
    assert!(html.contains("Northwind Outfitters"), "{html}");
    assert!(html.contains(&reference), "{html}");
    assert!(
        html.contains("background:#1f5f4a"),
        "the brand colour: {html}"
    );
    for h in &hostile {
        assert!(
            !html.contains(h.trim()),
            "{h:?} must not reach the HTML unescaped"
        );
    }
    assert!(
        html.contains("&lt;script&gt;__pwned=1;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    let tags: Vec<&str> = html
        .split('<')
        .skip(1)
        .map(|t| t.split([' ', '>', '/']).next().unwrap_or_default())
        .filter(|t| !t.is_empty())
        .collect();
    for tag in &tags {
        assert!(
            [
                "!DOCTYPE",
                "html",
                "head",
                "meta",
                "title",
                "body",
                "div",
                "p",
                "h2",
                "blockquote"
            ]
            .contains(tag),
            "unexpected <{tag}> in {html}"
        );
    }

    let status = server
        .await_email_status(&reference, |s| s["state"] == "sent")
        .await;
    assert_eq!(status["kind"], "ticket_received");
    assert_eq!(status["attempts"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_return_request_gets_its_email_in_the_shoppers_language() {
    let sink = Sink::start(0);
    let server = serve(Some(site_file(sink.port))).await;
    let mut session = None;
    let (s, l) = (&mut session, "fi");
    server.act(s, l, "return", &[]).await;
    server
        .act(
            s,
            l,
            "identify:return",
            &[("order", "1003"), ("email", "alan@example.com")],
        )
        .await;
    server
        .act(
            s,
            l,
            "return-items:1003",
            &[
                ("qty:0", "1"),
                ("qty:1", "0"),
                ("reason", "changed_mind"),
                ("comment", "<b>liian</b> lämmin"),
            ],
        )
        .await;
    let done = server.act(s, l, "return-confirm:1003", &[]).await;
    let reference = reference_in(&done, "R-");
    let received = sink.await_messages(1).await;
    let (raw, mail) = &received[0];
    assert!(raw.contains("multipart/alternative"), "{raw}");
    assert_eq!(mail["rcpt_tos"], json!(["alan@example.com"]));
    assert_eq!(
        mail["subject"],
        format!("Northwind Outfitters: palautuspyyntö {reference} vastaanotettu")
    );
    let text = part(mail, "text/plain");
    assert!(text.contains("tilaukselle #1003"), "{text}");
    assert!(text.contains("Palautettavat tuotteet\n- 1 × "), "{text}");
    let html = part(mail, "text/html");
    assert!(html.contains("&lt;b&gt;liian&lt;/b&gt; lämmin"), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mail_server_outage_loses_nothing() {
    let port = free_port();
    let server = serve(Some(site_file(port))).await;
    let reference = server
        .leave_message("en", "ada@example.com", "Where is my parcel?")
        .await;
    // Nothing listens yet: the ticket shows the failed attempt, still queued.
    let status = server
        .await_email_status(&reference, |s| {
            s["state"] == "queued" && s["attempts"].as_i64() >= Some(1)
        })
        .await;
    assert!(
        status["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{status}"
    );
    let sink = Sink::start(port);
    let received = sink.await_messages(1).await;
    assert!(received[0].0.contains(&reference));
    assert_eq!(
        received[0].1["subject"],
        format!("Northwind Outfitters: we received your request {reference}")
    );
    let status = server
        .await_email_status(&reference, |s| s["state"] == "sent")
        .await;
    assert!(status["attempts"].as_i64() >= Some(2), "{status}");
    assert_eq!(sink.received().len(), 1, "delivered once");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_recipient_shows_as_failed_on_the_ticket() {
    let sink = Sink::start(0);
    let server = serve(Some(site_file(sink.port))).await;
    let reference = server
        .leave_message("en", "bounce@example.com", "Hello?")
        .await;
    let status = server
        .await_email_status(&reference, |s| s["state"] == "failed")
        .await;
    let error = status["error"].as_str().unwrap();
    assert!(error.contains("550"), "{error}");
    assert_eq!(status["attempts"], 1, "a permanent failure is not retried");
    assert!(sink.received().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn one_address_gets_at_most_ten_automatic_emails_a_day() {
    let sink = Sink::start(0);
    let server = serve(Some(site_file(sink.port))).await;
    let mut references = Vec::new();
    for i in 0..11 {
        references.push(
            server
                .leave_message("en", "victim@example.com", &format!("Message {i}"))
                .await,
        );
    }
    let last = references.pop().unwrap();
    let status = server
        .await_email_status(&last, |s| s["state"] == "failed")
        .await;
    assert!(
        status["error"]
            .as_str()
            .is_some_and(|e| e.contains("10 automatic emails")),
        "{status}"
    );
    for reference in &references {
        server
            .await_email_status(reference, |s| s["state"] == "sent")
            .await;
    }
    assert_eq!(sink.received().len(), 10);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_site_without_an_email_block_sends_nothing() {
    let server = serve(None).await;
    let reference = server.leave_message("en", "ada@example.com", "Hello").await;
    let tickets = server.tickets().await;
    let ticket = tickets
        .iter()
        .find(|t| t["reference"] == reference)
        .unwrap();
    assert_eq!(ticket["email_status"], Value::Null);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_answers_by_email_and_the_shoppers_reply_comes_back_into_the_ticket() {
    let sink = Sink::start(0);
    let server = serve(Some(site_file(sink.port))).await;
    let reference = server
        .leave_message("zh-TW", "mei@example.com", "我的包裹在哪裡？")
        .await;
    let received = sink.await_messages(1).await;
    let first_id = header(&received[0].1, "Message-ID").unwrap().to_owned();

    let (status, answer) = server
        .agent_call(
            &format!("/api/agent/tickets/{reference}/reply"),
            json!({"body": "It left our warehouse today.\n<i>Tracking</i> follows."}),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    let received = sink.await_messages(2).await;
    let (raw, mail) = &received[1];
    println!("--- agent reply raw MIME ---\n{raw}--- end ---");
    assert_eq!(mail["content_type"], "multipart/alternative");
    assert_eq!(mail["rcpt_tos"], json!(["mei@example.com"]));
    assert_eq!(
        mail["subject"],
        format!("Re: Northwind Outfitters：我們已收到您的請求 {reference}"),
        "in the shopper's language"
    );
    assert_eq!(header(mail, "In-Reply-To"), Some(first_id.as_str()));
    assert_eq!(header(mail, "Auto-Submitted"), None, "written by a person");
    assert!(
        header(mail, "References").is_some_and(|r| r.contains(&first_id)),
        "{mail}"
    );
    let reply_id = header(mail, "Message-ID").unwrap().to_owned();
    assert_eq!(answer["message_id"], reply_id);
    assert!(
        part(mail, "text/plain").contains("It left our warehouse today.\n<i>Tracking</i> follows.")
    );
    assert!(part(mail, "text/html").contains("&lt;i&gt;Tracking&lt;/i&gt;"));
    let thread = server.thread(&reference).await;
    assert_eq!(thread["status"], "pending", "waiting on the shopper");
    assert_eq!(thread["assignee"], "Robin");

    // The shopper answers; their mail service posts the parsed email.
    let answer_email = json!({
        "from": "Mei <Mei@Example.com>",
        "to": "care@northwind.example",
        "subject": format!("Re: {}", mail["subject"].as_str().unwrap()),
        "text": "謝謝！<script>alert(1)</script>",
        "message_id": "<answer-1@mail.example>",
        "in_reply_to": reply_id,
        "references": format!("{first_id} {reply_id}"),
    });
    let (status, body) = server.inbound(&answer_email, "wrong secret").await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = server.inbound(&answer_email, INBOUND_SECRET).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ticket"], reference);
    let (status, _) = server.inbound(&answer_email, INBOUND_SECRET).await;
    assert_eq!(status, 200, "a replay is accepted and added once");
    let mut stranger = answer_email.clone();
    stranger["from"] = json!("someone@else.example");
    stranger["message_id"] = json!("<answer-2@mail.example>");
    assert_eq!(server.inbound(&stranger, INBOUND_SECRET).await.0, 403);
    let mut lost = answer_email.clone();
    lost["in_reply_to"] = json!("<unknown@mail.example>");
    lost["references"] = json!("<unknown@mail.example>");
    lost["message_id"] = json!("<answer-3@mail.example>");
    assert_eq!(server.inbound(&lost, INBOUND_SECRET).await.0, 404);

    let thread = server.thread(&reference).await;
    assert_eq!(thread["status"], "open", "the shopper answered");
    let messages = thread["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{thread}");
    assert_eq!(messages[0]["direction"], "agent");
    assert_eq!(messages[0]["agent"], "Robin");
    assert_eq!(messages[0]["email_status"]["state"], "sent");
    assert_eq!(messages[1]["direction"], "shopper");
    assert_eq!(messages[1]["body"], "謝謝！<script>alert(1)</script>");

    // A second reply threads under the shopper's answer.
    let (status, _) = server
        .agent_call(
            &format!("/api/agent/tickets/{reference}/reply"),
            json!({"body": "You're welcome."}),
        )
        .await;
    assert_eq!(status, 201);
    let received = sink.await_messages(3).await;
    assert_eq!(
        header(&received[2].1, "In-Reply-To"),
        Some("<answer-1@mail.example>")
    );
    let (status, _) = server
        .agent_call(
            &format!("/api/agent/tickets/{reference}/state"),
            json!({"state": "solved"}),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(server.thread(&reference).await["status"], "solved");
    let (status, _) = server
        .agent_call(
            &format!("/api/agent/tickets/{reference}/state"),
            json!({"state": "archived"}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = server
        .agent_call(
            &format!("/api/agent/tickets/{reference}/reply"),
            json!({"body": "x".repeat(10_001)}),
        )
        .await;
    assert_eq!(status, 400, "replies are bounded");
    // One rejection mapping: a body over the route's limit (10,000
    // characters of Thai, about 44 KB) is 413, a mistyped one 400 naming the field.
    let (status, body) = server
        .agent_call(
            &format!("/api/agent/tickets/{reference}/reply"),
            json!({"body": "x".repeat(48 * 1024)}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("too_large")),
        "{body}"
    );
    let (status, body) = server
        .agent_call(
            &format!("/api/agent/tickets/{reference}/state"),
            json!({"state": 3}),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (400, Some("state")),
        "{body}"
    );
    assert_eq!(
        server.thread(&reference).await["status"],
        "solved",
        "nothing changed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_holds_at_most_200_messages() {
    let sink = Sink::start(0);
    let server = serve(Some(site_file(sink.port))).await;
    let reference = server
        .leave_message("en", "long@example.com", "Hello")
        .await;
    let path = format!("/api/agent/tickets/{reference}/reply");
    for i in 0..200 {
        let (status, body) = server
            .agent_call(&path, json!({"body": format!("Reply {i}")}))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = server.agent_call(&path, json!({"body": "One more"})).await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("200 messages")),
        "{body}"
    );
    let thread = server.thread(&reference).await;
    assert_eq!(thread["messages"].as_array().unwrap().len(), 200);
    // The shopper's answer is refused too, with a status the mail service retries later.
    sink.await_messages(1).await;
    let answer = json!({
        "from": "long@example.com", "text": "Thanks", "message_id": "<a@x.example>",
        "in_reply_to": thread_last_id(&sink, &reference),
    });
    assert_eq!(server.inbound(&answer, INBOUND_SECRET).await.0, 429);
}

/// The Message-ID of the last email about `reference` the sink received.
fn thread_last_id(sink: &Sink, reference: &str) -> String {
    sink.received()
        .iter()
        .rev()
        .find(|(raw, _)| raw.contains(reference))
        .and_then(|(_, mail)| header(mail, "Message-ID").map(String::from))
        .expect("an email about the ticket")
}

#[tokio::test(flavor = "multi_thread")]
async fn starttls_never_falls_back_to_plain_text() {
    // This mail server offers no STARTTLS: nothing may be sent in clear text.
    let sink = Sink::start(0);
    let mut site = site_file(sink.port);
    site["email"]["smtp"]["tls"] = json!("starttls");
    let server = serve(Some(site)).await;
    let reference = server.leave_message("en", "ada@example.com", "Hello").await;
    let status = server
        .await_email_status(&reference, |s| s["attempts"].as_i64() >= Some(1))
        .await;
    assert_eq!(status["state"], "queued", "kept for a later try: {status}");
    assert!(
        status["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{status}"
    );
    assert!(sink.received().is_empty(), "nothing went out unencrypted");
}

#[test]
fn site_import_checks_the_email_block_and_export_writes_it_back_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("aisle.db").display());
    let file = dir.path().join("site.json");
    let mut site = site_file(2525);
    site["email"]["smtp"]["host"] = json!("smtp.example");
    std::fs::write(&file, serde_json::to_string_pretty(&site).unwrap()).unwrap();
    let import = || {
        aisle()
            .args(["site", "import"])
            .arg(&file)
            .args(["--db", &db])
            .output()
            .unwrap()
    };
    let out = import();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = serde_json::to_string_pretty(&site)
        .unwrap()
        .lines()
        .position(|l| l.contains("\"tls\""))
        .unwrap()
        + 1;
    assert!(
        stderr.contains(&format!(":{line}:")) && stderr.contains("$.email.smtp.tls: \"none\""),
        "{stderr}"
    );
    assert!(stderr.contains("nothing changed"), "{stderr}");

    site["email"]["smtp"]["host"] = json!("127.0.0.1");
    std::fs::write(&file, serde_json::to_string_pretty(&site).unwrap()).unwrap();
    assert!(import().status.success());
    let out = aisle()
        .args(["site", "export", "demo", "--db", &db])
        .output()
        .unwrap();
    assert!(out.status.success());
    let exported: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(exported["email"], site["email"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(PASSWORD));
}

/// A WebSocket to `url` with one header.
async fn ws(url: String, header: (&'static str, String)) -> Socket {
    common::connect(url, &[header]).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shopper_who_left_before_the_answer_gets_it_by_email_in_their_language() {
    let sink = Sink::start(0);
    let server = serve(Some(site_file(sink.port))).await;
    let addr = server.addr;
    let mut robin = ws(
        format!("ws://{addr}/ws/v1/agent"),
        ("authorization", format!("Bearer {}", server.token)),
    )
    .await;
    common::send(&mut robin, json!({"type": "hello"})).await;
    common::skip_to(&mut robin, "welcome").await;
    let shopper = || {
        ws(
            format!("ws://{addr}/ws/v1?site=demo"),
            ("origin", format!("http://{addr}")),
        )
    };
    // Léa asks, in French, and leaves before Robin answers.
    let mut lea = shopper().await;
    common::send(&mut lea, json!({"type": "hello"})).await;
    common::skip_to(&mut lea, "welcome").await;
    common::send(
        &mut lea,
        json!({"type": "start", "locale": "fr-FR", "context": {"email": "Lea@Example.com"}}),
    )
    .await;
    let id = common::skip_to(&mut lea, "started").await["conversation"]
        .as_str()
        .unwrap()
        .to_owned();
    common::send(&mut robin, json!({"type": "accept", "conversation": id})).await;
    common::skip_to(&mut robin, "conversation").await;
    common::skip_to(&mut lea, "agent_joined").await;
    drop(lea);
    let answer = "La parka taille normalement. <b>Prenez</b> votre taille habituelle.";
    for (n, text) in [answer, "Bonne journée !"].iter().enumerate() {
        common::send(
            &mut robin,
            json!({"type": "send", "conversation": id, "client_id": format!("r{n}"), "text": text}),
        )
        .await;
        common::skip_to(&mut robin, "ack").await;
    }
    let received = sink.await_messages(1).await;
    let (raw, mail) = &received[0];
    assert_eq!(mail["rcpt_tos"], json!(["lea@example.com"]));
    assert_eq!(
        mail["subject"],
        "Northwind Outfitters : Robin vous a répondu"
    );
    assert_eq!(header(mail, "Content-Language"), Some("fr"));
    let text = part(mail, "text/plain");
    assert!(
        text.contains("avant que Robin ne puisse répondre"),
        "{text}"
    );
    assert!(
        text.contains(&format!("> {answer}")),
        "the answer, as typed: {text}"
    );
    assert!(text.contains("> Bonne journée !"), "{text}");
    let html = part(mail, "text/html");
    assert!(
        html.contains("&lt;b&gt;Prenez&lt;/b&gt;"),
        "escaped: {html}"
    );
    assert!(!html.contains("<b>Prenez"), "{raw}");
    // One such email per chat, and none to a shopper who is still there.
    let mut max = shopper().await;
    common::send(&mut max, json!({"type": "hello"})).await;
    common::skip_to(&mut max, "welcome").await;
    common::send(
        &mut max,
        json!({"type": "start", "locale": "en", "context": {"email": "max@example.com"}}),
    )
    .await;
    let stays = common::skip_to(&mut max, "started").await["conversation"]
        .as_str()
        .unwrap()
        .to_owned();
    common::send(&mut robin, json!({"type": "accept", "conversation": stays})).await;
    common::skip_to(&mut max, "agent_joined").await;
    common::send(
        &mut robin,
        json!({"type": "send", "conversation": stays, "client_id": "m1", "text": "Hi Max"}),
    )
    .await;
    common::skip_to(&mut max, "message").await;
    common::send(
        &mut robin,
        json!({"type": "send", "conversation": id, "client_id": "r9", "text": "Still there?"}),
    )
    .await;
    common::skip_to(&mut robin, "ack").await;
    // Zoe leaves after all that: her email comes after every check above ran
    // (they wait as long), so nothing else arrived if hers is the second.
    let mut zoe = shopper().await;
    common::send(&mut zoe, json!({"type": "hello"})).await;
    common::skip_to(&mut zoe, "welcome").await;
    common::send(
        &mut zoe,
        json!({"type": "start", "locale": "en", "context": {"email": "zoe@example.com"}}),
    )
    .await;
    let gone = common::skip_to(&mut zoe, "started").await["conversation"]
        .as_str()
        .unwrap()
        .to_owned();
    common::send(&mut robin, json!({"type": "accept", "conversation": gone})).await;
    common::skip_to(&mut zoe, "agent_joined").await;
    drop(zoe);
    common::send(
        &mut robin,
        json!({"type": "send", "conversation": gone, "client_id": "z1", "text": "Hello Zoe"}),
    )
    .await;
    let received = sink.await_messages(2).await;
    assert_eq!(received[1].1["rcpt_tos"], json!(["zoe@example.com"]));
    assert_eq!(
        received[1].1["subject"],
        "Northwind Outfitters: Robin answered you"
    );
    assert_eq!(
        sink.received().len(),
        2,
        "none to Max, who stayed; one for Léa's chat"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shopper_gets_the_chat_transcript_they_ask_for_in_their_language_three_times_at_most() {
    let sink = Sink::start(0);
    let server = serve(Some(site_file(sink.port))).await;
    let mut robin = server.agent_online().await;
    let mut lea = server.shopper().await;
    // Before any conversation there is nothing to send.
    common::send(
        &mut lea,
        json!({"type": "email_transcript", "email": "lea@example.com"}),
    )
    .await;
    assert_eq!(
        common::skip_to(&mut lea, "error").await["code"],
        "not_started"
    );
    common::send(&mut lea, json!({"type": "start", "locale": "fr-FR"})).await;
    let id = common::skip_to(&mut lea, "started").await["conversation"]
        .as_str()
        .unwrap()
        .to_owned();
    common::send(&mut robin, json!({"type": "accept", "conversation": id})).await;
    common::skip_to(&mut lea, "agent_joined").await;
    let question = "Ma parka <script>alert(1)</script> taille-t-elle petit ? \u{202e}ثلاثة";
    common::send(
        &mut lea,
        json!({"type": "send", "client_id": "l1", "text": question}),
    )
    .await;
    common::skip_to(&mut lea, "ack").await;
    common::send(
        &mut robin,
        json!({"type": "send", "conversation": id, "client_id": "r1", "text": "Elle taille normalement."}),
    )
    .await;
    common::skip_to(&mut lea, "message").await;
    // Not an address: refused, nothing queued.
    common::send(
        &mut lea,
        json!({"type": "email_transcript", "email": "lea at example"}),
    )
    .await;
    assert_eq!(common::skip_to(&mut lea, "error").await["code"], "invalid");
    common::send(
        &mut lea,
        json!({"type": "email_transcript", "email": " Lea@Example.com "}),
    )
    .await;
    let queued = common::skip_to(&mut lea, "transcript_queued").await;
    assert_eq!(queued["email"], "lea@example.com");
    let received = sink.await_messages(1).await;
    let (raw, mail) = &received[0];
    assert_eq!(mail["rcpt_tos"], json!(["lea@example.com"]));
    assert_eq!(mail["subject"], "Northwind Outfitters : votre conversation");
    assert_eq!(header(mail, "Content-Language"), Some("fr"));
    let text = part(mail, "text/plain");
    assert!(text.contains("une copie de votre conversation"), "{text}");
    assert!(text.contains(&format!("> Vous: {question}")), "{text}");
    assert!(text.contains("> Robin: Elle taille normalement."), "{text}");
    let html = part(mail, "text/html");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>"), "{raw}");
    // Two more are fine; the fourth is refused and never sent.
    for _ in 0..2 {
        common::send(
            &mut lea,
            json!({"type": "email_transcript", "email": "lea@example.com"}),
        )
        .await;
        common::skip_to(&mut lea, "transcript_queued").await;
    }
    common::send(
        &mut lea,
        json!({"type": "email_transcript", "email": "someone-else@example.com"}),
    )
    .await;
    assert_eq!(common::skip_to(&mut lea, "error").await["code"], "too_many");
    let all = sink.await_messages(3).await;
    assert!(
        all.iter()
            .all(|(_, mail)| mail["rcpt_tos"] == json!(["lea@example.com"])),
        "{all:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_that_sends_no_email_says_so_when_a_transcript_is_asked_for() {
    let server = serve(None).await;
    // Robin is online, so the chat starts.
    let _robin = server.agent_online().await;
    let mut max = server.shopper().await;
    common::send(&mut max, json!({"type": "start", "locale": "en"})).await;
    common::skip_to(&mut max, "started").await;
    common::send(
        &mut max,
        json!({"type": "email_transcript", "email": "max@example.com"}),
    )
    .await;
    assert_eq!(
        common::skip_to(&mut max, "error").await["code"],
        "email_unavailable"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_tabs_asking_for_transcripts_at_once_get_three_between_them() {
    let sink = Sink::start(0);
    let server = serve(Some(site_file(sink.port))).await;
    let _robin = server.agent_online().await;
    let mut first = server.shopper().await;
    common::send(&mut first, json!({"type": "start", "locale": "en"})).await;
    let resume = common::skip_to(&mut first, "started").await["resume"]
        .as_str()
        .unwrap()
        .to_owned();
    // The same conversation in a second tab.
    let addr = server.addr;
    let mut second = ws(
        format!("ws://{addr}/ws/v1?site=demo"),
        ("origin", format!("http://{addr}")),
    )
    .await;
    common::send(&mut second, json!({"type": "hello", "resume": resume})).await;
    common::skip_to(&mut second, "welcome").await;
    let ask = json!({"type": "email_transcript", "email": "tabs@example.com"});
    for _ in 0..5 {
        common::send(&mut first, ask.clone()).await;
        common::send(&mut second, ask.clone()).await;
    }
    // Each tab gets an answer per request: queued or too_many.
    let mut queued = 0;
    for socket in [&mut first, &mut second] {
        let mut answers = 0;
        while answers < 5 {
            let frame = common::next(socket).await;
            match frame["type"].as_str() {
                Some("transcript_queued") => {
                    queued += 1;
                    answers += 1;
                }
                Some("error") => {
                    assert_eq!(frame["code"], "too_many", "{frame}");
                    answers += 1;
                }
                _ => {}
            }
        }
    }
    assert_eq!(
        queued, 3,
        "three transcripts per conversation, however asked"
    );
    assert_eq!(sink.await_messages(3).await.len(), 3);
}
