//! The team, end to end against the real `aisle` binary serving the demo:
//! roles (a plain agent gets 403 on every admin route), invitations and the
//! "Set your password" link, disabling (a live session and its WebSocket end
//! at once, the agent's shopper goes back to the queue, login is refused),
//! re-enabling, password resets by email (through a real SMTP server,
//! `support/smtp_sink.py`, as `tests/email.rs`), "Forgot your password?"
//! answering the same for any address and its rate limit, the last admin,
//! and the cap on open invitations.
//!
//! Run with `cargo test -p aisle-server --test team`.

mod common;

use common::{
    SMTP_PASSWORD as PASSWORD, SMTP_PASSWORD_ENV as PASSWORD_ENV, Sink, Socket, close_frame, send,
    skip_to as next_of,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// The `aisle` binary serving the demo.
struct Server {
    _process: common::Process,
    addr: SocketAddr,
    http: reqwest::Client,
    /// The demo agent Robin's session (an admin).
    robin: String,
    _dir: tempfile::TempDir,
}

fn aisle() -> Command {
    let mut command = common::aisle();
    command.env(PASSWORD_ENV, PASSWORD);
    command
}

/// Serves the demo; its site emails through `smtp_port` when given.
async fn serve(smtp_port: Option<u16>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("aisle.db").display());
    if let Some(port) = smtp_port {
        let site = common::site_with_email(port, json!({}));
        common::import_site(aisle(), dir.path(), &db, &site);
    }
    let (process, addr, http) = common::spawn_server(aisle(), true, &db, dir.path()).await;
    let login = common::http_log_in(&http, addr, common::ROBIN.0, common::ROBIN.1).await;
    assert_eq!(
        login["agent"]["role"], "admin",
        "the demo agent is an admin"
    );
    Server {
        _process: process,
        addr,
        http,
        robin: login["token"].as_str().unwrap().to_owned(),
        _dir: dir,
    }
}

impl Server {
    /// A JSON call; answers the status and the body (`Null` when empty).
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        common::http_call(&self.http, self.addr, method, path, token, body).await
    }

    /// Logs in; the status and the answer.
    async fn login(&self, email: &str, password: &str) -> (StatusCode, Value) {
        self.call(
            "POST",
            "/api/agent/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await
    }

    /// Robin invites `email` as `role`; the new member and the link.
    async fn invite(&self, email: &str, name: &str, role: &str) -> (Value, String) {
        let (status, answer) = self
            .call(
                "POST",
                "/api/agent/team/invites",
                Some(&self.robin),
                Some(json!({"email": email, "name": name, "role": role})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        let link = answer["link"].as_str().unwrap().to_owned();
        (answer["agent"].clone(), link)
    }

    /// Sets `password` through `link`'s token.
    async fn set_password(&self, link: &str, password: &str) -> (StatusCode, Value) {
        self.call(
            "POST",
            "/api/agent/password/set",
            None,
            Some(json!({"token": token_of(link), "password": password})),
        )
        .await
    }

    /// Sam, an agent invited by Robin who set a password; (id, session token).
    async fn sam(&self) -> (i64, String) {
        let (sam, link) = self.invite("sam@demo.test", "Sam", "agent").await;
        let (status, body) = self.set_password(&link, "sam-password").await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let (status, login) = self.login("sam@demo.test", "sam-password").await;
        assert_eq!(status, StatusCode::OK, "{login}");
        assert_eq!(login["agent"]["role"], "agent");
        (
            sam["id"].as_i64().unwrap(),
            login["token"].as_str().unwrap().to_owned(),
        )
    }

    /// The member `id` as the Team page lists them.
    async fn member(&self, id: i64) -> Value {
        let (status, team) = self
            .call("GET", "/api/agent/team", Some(&self.robin), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{team}");
        team["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .cloned()
            .unwrap()
    }
}

/// The token at the end of a console link (`…/console/#/invite/TOKEN`).
fn token_of(link: &str) -> &str {
    let (_, token) = link.rsplit_once('/').unwrap();
    token
}

/// An agent who said hello on the agent socket.
async fn agent_socket(addr: SocketAddr, token: &str) -> Socket {
    let mut socket = common::agent_socket(addr, token).await;
    send(&mut socket, json!({"type": "hello"})).await;
    next_of(&mut socket, "welcome").await;
    socket
}

#[tokio::test]
async fn a_plain_agent_gets_403_on_every_admin_route() {
    let server = serve(None).await;
    let (sam_id, sam) = server.sam().await;
    let (status, me) = server.call("GET", "/api/agent/me", Some(&sam), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["role"], "agent");
    let (_, me) = server
        .call("GET", "/api/agent/me", Some(&server.robin), None)
        .await;
    assert_eq!(me["role"], "admin");
    let robin_id = me["id"].as_i64().unwrap();
    let routes: [(&str, String, Option<Value>); 13] = [
        ("GET", "/api/agent/team".into(), None),
        (
            "POST",
            "/api/agent/team/invites".into(),
            Some(json!({"email": "x@demo.test", "name": "X", "role": "admin"})),
        ),
        ("POST", format!("/api/agent/team/{robin_id}/disable"), None),
        ("POST", format!("/api/agent/team/{sam_id}/enable"), None),
        (
            "POST",
            format!("/api/agent/team/{sam_id}/role"),
            Some(json!({"role": "admin"})),
        ),
        ("POST", format!("/api/agent/team/{robin_id}/reset"), None),
        (
            "POST",
            "/api/agent/macros".into(),
            Some(json!({"title": "T", "body": "B"})),
        ),
        (
            "PUT",
            "/api/agent/macros/greeting".into(),
            Some(json!({"title": "T", "body": "B"})),
        ),
        ("DELETE", "/api/agent/macros/greeting".into(), None),
        (
            "POST",
            "/api/agent/tags".into(),
            Some(json!({"name": "vip"})),
        ),
        (
            "PUT",
            "/api/agent/tags/1".into(),
            Some(json!({"name": "vip"})),
        ),
        ("DELETE", "/api/agent/tags/1".into(), None),
        ("GET", "/api/agent/hours".into(), None),
    ];
    for (method, path, body) in routes {
        let (status, answer) = server.call(method, &path, Some(&sam), body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {answer}");
        assert_eq!(answer["code"], "forbidden", "{answer}");
    }
    // Nothing happened: Sam is still an agent, Robin still active, nobody invited.
    assert_eq!(server.member(sam_id).await["role"], "agent");
    assert_eq!(server.member(robin_id).await["status"], "active");
    let (_, team) = server
        .call("GET", "/api/agent/team", Some(&server.robin), None)
        .await;
    assert_eq!(team["agents"].as_array().unwrap().len(), 2, "{team}");
    let (_, macros) = server
        .call("GET", "/api/agent/macros", Some(&sam), None)
        .await;
    assert_eq!(macros["macros"].as_array().unwrap().len(), 3, "{macros}");
    // Saving hours is refused too, and they stay as they were.
    let (_, before) = server
        .call("GET", "/api/agent/hours", Some(&server.robin), None)
        .await;
    let (status, _) = server
        .call(
            "PUT",
            "/api/agent/hours",
            Some(&sam),
            Some(json!({"business_hours": null})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, after) = server
        .call("GET", "/api/agent/hours", Some(&server.robin), None)
        .await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn admins_keep_the_sites_tag_list_and_agents_read_it() {
    let server = serve(None).await;
    let (_, sam) = server.sam().await;
    let robin = Some(server.robin.as_str());
    let add = |name: &'static str| {
        server.call(
            "POST",
            "/api/agent/tags",
            robin,
            Some(json!({ "name": name })),
        )
    };
    let (status, shipping) = add(" Shipping ").await;
    assert_eq!(status, StatusCode::CREATED, "{shipping}");
    assert_eq!(shipping["name"], "Shipping");
    let (status, _) = add("returns").await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, error) = add("shipping").await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the same tag in another case"
    );
    assert_eq!(error["field"], "name");
    let (status, _) = add("a,b").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let id = shipping["id"].as_i64().unwrap();
    let (status, renamed) = server
        .call(
            "PUT",
            &format!("/api/agent/tags/{id}"),
            robin,
            Some(json!({"name": "Delivery"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    // Agents read the list (the close form offers it), by name.
    let (status, list) = server
        .call("GET", "/api/agent/tags", Some(&sam), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = list["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Delivery", "returns"]);
    let (status, _) = server
        .call("DELETE", &format!("/api/agent/tags/{id}"), robin, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = server
        .call("GET", "/api/agent/tags", Some(&sam), None)
        .await;
    assert_eq!(list["tags"].as_array().unwrap().len(), 1);
    // The list is bounded.
    for n in 1..100 {
        let (status, body) = server
            .call(
                "POST",
                "/api/agent/tags",
                robin,
                Some(json!({ "name": format!("tag {n}") })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, error) = add("one too many").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["message"].as_str().unwrap().contains("at most 100"),
        "{error}"
    );
}

#[tokio::test]
async fn admins_edit_business_hours_with_the_site_files_checks() {
    let server = serve(None).await;
    let robin = Some(server.robin.as_str());
    let (status, error) = server
        .call(
            "PUT",
            "/api/agent/hours",
            robin,
            Some(json!({"business_hours": {
                "time_zone": "Mars/Olympus",
                "weekly": {"mon": [["17:00", "09:00"]], "funday": []}
            }})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let paths: Vec<&str> = error["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    for path in [
        "$.business_hours.time_zone",
        "$.business_hours.weekly.funday",
        "$.business_hours.weekly.mon[0]",
    ] {
        assert!(paths.contains(&path), "{path} in {error}");
    }
    let hours = json!({
        "time_zone": "Europe/Helsinki",
        "weekly": {"mon": [["08:00", "12:00"], ["13:00", "16:00"]], "sat": [["10:00", "14:00"]]}
    });
    let (status, saved) = server
        .call(
            "PUT",
            "/api/agent/hours",
            robin,
            Some(json!({ "business_hours": hours })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["business_hours"], hours);
    // Read back from the live site (not the database): no reload wait.
    let (_, shown) = server.call("GET", "/api/agent/hours", robin, None).await;
    assert_eq!(shown["business_hours"], hours);
    // As `aisle site export` sees it.
    let out = aisle()
        .args(["site", "export", "demo", "--db"])
        .arg(format!(
            "sqlite://{}",
            server._dir.path().join("aisle.db").display()
        ))
        .output()
        .unwrap();
    let exported: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(exported["business_hours"], hours);
}

#[tokio::test]
async fn admins_edit_macros_and_unknown_variables_are_refused_clearly() {
    let server = serve(None).await;
    let robin = Some(server.robin.as_str());
    let (status, error) = server
        .call(
            "POST",
            "/api/agent/macros",
            robin,
            Some(json!({"title": "Hello", "body": "Hi {{customer.name}}!"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["field"], "body");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("unknown variable {{customer.name}}"),
        "{error}"
    );
    let (status, made) = server
        .call(
            "POST",
            "/api/agent/macros",
            robin,
            Some(json!({"title": " Hello ", "body": "Hi {{customer.first_name}}, <b>welcome</b>"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["title"], "Hello");
    let id = made["id"].as_str().unwrap().to_owned();
    let (status, changed) = server
        .call(
            "PUT",
            &format!("/api/agent/macros/{id}"),
            robin,
            Some(json!({"title": "Hello again", "body": "Hi {{ customer.first_name }}"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let (_, list) = server.call("GET", "/api/agent/macros", robin, None).await;
    let list = list["macros"].as_array().unwrap().clone();
    assert_eq!(list.len(), 4);
    assert_eq!(list[3]["title"], "Hello again", "new macros come last");
    assert_eq!(list[3]["body"], "Hi {{ customer.first_name }}");
    let (status, _) = server
        .call("DELETE", &format!("/api/agent/macros/{id}"), robin, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server
        .call("DELETE", &format!("/api/agent/macros/{id}"), robin, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = server.call("GET", "/api/agent/macros", robin, None).await;
    assert_eq!(list["macros"].as_array().unwrap().len(), 3);
    // A site has at most 200.
    for n in 3..200 {
        let (status, body) = server
            .call(
                "POST",
                "/api/agent/macros",
                robin,
                Some(json!({"title": format!("Macro {n}"), "body": "Thanks!"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, error) = server
        .call(
            "POST",
            "/api/agent/macros",
            robin,
            Some(json!({"title": "One more", "body": "Thanks!"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["message"].as_str().unwrap().contains("at most 200"),
        "{error}"
    );
}

#[tokio::test]
async fn an_invited_agent_sets_a_password_once_and_logs_in() {
    let server = serve(None).await;
    let (noor, link) = server
        .invite(" Noor@Demo.test ", "Noor <b>Q</b>", "agent")
        .await;
    assert_eq!(noor["status"], "invited");
    assert_eq!(noor["email"], "noor@demo.test");
    assert_eq!(
        noor["name"], "Noor <b>Q</b>",
        "kept as typed, shown as text"
    );
    assert!(
        link.starts_with(&format!("http://{}/console/#/invite/", server.addr)),
        "{link}"
    );
    // Not yet: no password, the generic answer (whatever is typed).
    for typed in ["", "not an agent's password"] {
        let (status, answer) = server.login("noor@demo.test", typed).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    }
    // Too short: a clear error, and the link still works.
    let (status, error) = server.set_password(&link, "short").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["field"], "password");
    assert!(
        error["message"].as_str().unwrap().contains("at least 8"),
        "{error}"
    );
    let (status, _) = server.set_password(&link, "noor-password").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Single use.
    let (status, error) = server.set_password(&link, "another-password").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["field"], "token");
    let (status, login) = server.login("noor@demo.test", "noor-password").await;
    assert_eq!(status, StatusCode::OK, "{login}");
    assert_eq!(login["agent"]["role"], "agent");
    assert_eq!(
        server.member(noor["id"].as_i64().unwrap()).await["status"],
        "active"
    );
    // The same email cannot be invited twice.
    let (status, error) = server
        .call(
            "POST",
            "/api/agent/team/invites",
            Some(&server.robin),
            Some(json!({"email": "noor@demo.test", "name": "Noor", "role": "agent"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["field"], "email");
    // An unknown token gets the same answer as a spent one.
    let (status, error) = server.set_password("/invite/00ff", "noor-password").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["field"], "token");
}

#[tokio::test]
async fn disabling_ends_a_live_session_and_socket_and_blocks_login_until_re_enabled() {
    let server = serve(None).await;
    let (sam_id, sam) = server.sam().await;
    let mut sam_socket = agent_socket(server.addr, &sam).await;
    // Robin stays online, so the shopper is not sent to the message form.
    let mut robin_socket = agent_socket(server.addr, &server.robin).await;
    // A shopper Sam is talking to.
    let mut ada = common::connect(
        format!("ws://{}/ws/v1?site=demo", server.addr),
        &[("origin", format!("http://{}", server.addr))],
    )
    .await
    .unwrap();
    send(&mut ada, json!({"type": "hello"})).await;
    next_of(&mut ada, "welcome").await;
    send(
        &mut ada,
        json!({"type": "start", "locale": "en", "context": {}}),
    )
    .await;
    let id = next_of(&mut ada, "started").await["conversation"]
        .as_str()
        .unwrap()
        .to_owned();
    send(
        &mut sam_socket,
        json!({"type": "accept", "conversation": id}),
    )
    .await;
    next_of(&mut sam_socket, "conversation").await;
    next_of(&mut ada, "agent_joined").await;

    // Robin cannot disable himself.
    let (_, me) = server
        .call("GET", "/api/agent/me", Some(&server.robin), None)
        .await;
    let (status, error) = server
        .call(
            "POST",
            &format!("/api/agent/team/{}/disable", me["id"]),
            Some(&server.robin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");

    let (status, member) = server
        .call(
            "POST",
            &format!("/api/agent/team/{sam_id}/disable"),
            Some(&server.robin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{member}");
    assert_eq!(member["status"], "disabled");
    // At once: the socket closes with the reason, the shopper is back in the queue.
    let (code, reason) = close_frame(&mut sam_socket).await;
    assert_eq!(code, CloseCode::Policy);
    assert_eq!(reason, "account disabled");
    assert_eq!(next_of(&mut ada, "queue").await["position"], 1);
    let queue = loop {
        let queue = next_of(&mut robin_socket, "queue").await;
        if queue["waiting"].as_array().is_some_and(|w| !w.is_empty()) {
            break queue;
        }
    };
    assert_eq!(queue["waiting"][0]["conversation"], id.as_str());
    // The session is gone; login is refused, saying why only to the password's owner.
    let (status, _) = server.call("GET", "/api/agent/me", Some(&sam), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, refused) = server.login("sam@demo.test", "sam-password").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(refused["message"], "This account is disabled");
    let (status, wrong) = server.login("sam@demo.test", "not-the-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong["message"], "wrong email or password");

    let (status, member) = server
        .call(
            "POST",
            &format!("/api/agent/team/{sam_id}/enable"),
            Some(&server.robin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{member}");
    assert_eq!(member["status"], "active");
    let (status, _) = server.login("sam@demo.test", "sam-password").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_reset_link_arrives_by_email_and_ends_every_old_session() {
    let sink = Sink::start(0);
    let server = serve(Some(sink.port)).await;
    let (sam_id, sam) = server.sam().await;
    // Sam's invitation went by email (and was used).
    let invitation = sink.await_messages(1).await.remove(0).1;
    assert_eq!(invitation["rcpt_tos"], json!(["sam@demo.test"]));
    assert!(
        invitation["parts"][0]["body"]
            .as_str()
            .unwrap()
            .contains(&format!("http://{}/console/#/invite/", server.addr)),
        "{invitation}"
    );
    // Sam forgot: the answer is the same as for a stranger; the link comes by email.
    let (status, answer) = server
        .call(
            "POST",
            "/api/agent/password/forgot",
            None,
            Some(json!({"email": "Sam@demo.test"})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let mail = sink.await_messages(2).await.remove(1).1;
    assert_eq!(mail["rcpt_tos"], json!(["sam@demo.test"]), "{mail}");
    let text = mail.to_string();
    let marker = format!("http://{}/console/#/reset/", server.addr);
    let start = text
        .find(&marker)
        .unwrap_or_else(|| panic!("the email has the reset link: {text}"))
        + marker.len();
    let token: String = text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 64, "{text}");
    let link = format!("{marker}{token}");

    let (status, _) = server.set_password(&link, "sam-new-password").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.call("GET", "/api/agent/me", Some(&sam), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "old sessions ended");
    let (status, _) = server.login("sam@demo.test", "sam-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = server.login("sam@demo.test", "sam-new-password").await;
    assert_eq!(status, StatusCode::OK);

    // An admin's reset goes by email too (no link in the answer then).
    let (status, answer) = server
        .call(
            "POST",
            &format!("/api/agent/team/{sam_id}/reset"),
            Some(&server.robin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["emailed"], true);
    assert_eq!(answer["link"], Value::Null);
    let mail = sink.await_messages(3).await.remove(2).1;
    assert!(mail.to_string().contains(&marker), "{mail}");
}

#[tokio::test]
async fn password_emails_come_in_the_language_of_the_console_that_asked() {
    let sink = Sink::start(0);
    let server = serve(Some(sink.port)).await;
    // An admin whose console speaks Thai invites Sam.
    let (status, invited) = common::http_call_with(
        &server.http,
        server.addr,
        "POST",
        "/api/agent/team/invites",
        Some(&server.robin),
        Some(json!({"email": "sam@demo.test", "name": "Sam", "role": "agent"})),
        &[("accept-language", "th")],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{invited}");
    let invitation = sink.await_messages(1).await.remove(0).1;
    let header = |mail: &Value, name: &str| {
        mail["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0].as_str().unwrap().eq_ignore_ascii_case(name))
            .map(|h| h[1].as_str().unwrap().to_owned())
    };
    assert_eq!(
        header(&invitation, "Content-Language").as_deref(),
        Some("th")
    );
    assert!(
        invitation["subject"]
            .as_str()
            .unwrap()
            .starts_with("เข้าร่วมทีมของ "),
        "{invitation}"
    );
    let body = invitation["parts"][0]["body"].as_str().unwrap();
    assert_eq!(body.lines().next(), Some("สวัสดีคุณ Sam"), "{body}");
    assert!(body.contains("ภายใน 7 วัน"), "{body}");
    assert!(body.contains(&format!("http://{}/console/#/invite/", server.addr)));
    let link = invited["link"].as_str().unwrap().to_owned();
    let (status, _) = server.set_password(&link, "sam-password").await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // The admin chooses the invitee's language on the form: it wins over
    // the console's; a language Aisle does not speak is refused by name.
    let invite = |email: &'static str, language: &'static str| {
        common::http_call_with(
            &server.http,
            server.addr,
            "POST",
            "/api/agent/team/invites",
            Some(&server.robin),
            Some(json!({"email": email, "name": "Kai", "language": language})),
            &[("accept-language", "th")],
        )
    };
    let (status, refused) = invite("kai@demo.test", "de").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["field"], "language");
    let (status, invited) = invite("kai@demo.test", "fi").await;
    assert_eq!(status, StatusCode::CREATED, "{invited}");
    let finnish = sink.await_messages(2).await.remove(1).1;
    assert_eq!(header(&finnish, "Content-Language").as_deref(), Some("fi"));
    assert!(
        finnish["subject"]
            .as_str()
            .unwrap()
            .starts_with("Liity kaupan "),
        "{finnish}"
    );

    // Sam's own console: German first (not one of Aisle's languages), then
    // French over English by weight, whatever the order listed.
    let (status, _) = common::http_call_with(
        &server.http,
        server.addr,
        "POST",
        "/api/agent/password/forgot",
        None,
        Some(json!({"email": "sam@demo.test"})),
        &[("accept-language", "de-DE, en;q=0.5, fr;q=0.8")],
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let reset = sink.await_messages(3).await.remove(2).1;
    assert_eq!(header(&reset, "Content-Language").as_deref(), Some("fr"));
    assert!(
        reset["subject"]
            .as_str()
            .unwrap()
            .starts_with("Nouveau mot de passe pour "),
        "{reset}"
    );
    let body = reset["parts"][0]["body"].as_str().unwrap();
    assert_eq!(body.lines().next(), Some("Bonjour Sam,"), "{body}");
    assert!(body.contains(&format!("http://{}/console/#/reset/", server.addr)));
}

#[tokio::test]
async fn forgot_password_answers_the_same_for_unknown_emails_and_is_bounded() {
    let server = serve(None).await;
    let forgot = |email: &'static str| {
        server.call(
            "POST",
            "/api/agent/password/forgot",
            None,
            Some(json!({ "email": email })),
        )
    };
    let known = forgot("agent@demo.test").await;
    let unknown = forgot("nobody@demo.test").await;
    assert_eq!(known, unknown);
    assert_eq!(known.0, StatusCode::ACCEPTED);
    // Three an hour per address, known or not: the fourth is refused alike.
    for _ in 0..2 {
        assert_eq!(forgot("agent@demo.test").await, known);
        assert_eq!(forgot("nobody@demo.test").await, known);
    }
    let (known_status, _) = forgot("agent@demo.test").await;
    let (unknown_status, _) = forgot("nobody@demo.test").await;
    assert_eq!(known_status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(unknown_status, StatusCode::TOO_MANY_REQUESTS);
    // Robin can still log in: the limit is on reset requests only.
    let (status, _) = server.login("agent@demo.test", "demo-agent").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted() {
    let server = serve(None).await;
    let (sam_id, _) = server.sam().await;
    let (_, me) = server
        .call("GET", "/api/agent/me", Some(&server.robin), None)
        .await;
    let robin_id = me["id"].as_i64().unwrap();
    let server = &server;
    let demote = |id: i64| async move {
        server
            .call(
                "POST",
                &format!("/api/agent/team/{id}/role"),
                Some(&server.robin),
                Some(json!({"role": "agent"})),
            )
            .await
    };
    let (status, error) = demote(robin_id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["field"], "role");
    assert_eq!(server.member(robin_id).await["role"], "admin");
    // With Sam an admin, Robin may step down, and loses the Team page.
    let (status, sam) = server
        .call(
            "POST",
            &format!("/api/agent/team/{sam_id}/role"),
            Some(&server.robin),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sam}");
    assert_eq!(sam["role"], "admin");
    let (status, _) = demote(robin_id).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server
        .call("GET", "/api/agent/team", Some(&server.robin), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn open_invitations_per_site_are_capped() {
    let server = serve(None).await;
    let mut links = Vec::new();
    for n in 0..50 {
        let (_, link) = server
            .invite(&format!("agent{n}@demo.test"), "New agent", "agent")
            .await;
        links.push(link);
    }
    let (status, error) = server
        .call(
            "POST",
            "/api/agent/team/invites",
            Some(&server.robin),
            Some(json!({"email": "one-more@demo.test", "name": "One more", "role": "agent"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("50 invitations"),
        "{error}"
    );
    let (_, team) = server
        .call("GET", "/api/agent/team", Some(&server.robin), None)
        .await;
    assert_eq!(team["agents"].as_array().unwrap().len(), 51);
    // An invitation used frees a place.
    let (status, _) = server.set_password(&links[0], "agent0-password").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    server
        .invite("one-more@demo.test", "One more", "agent")
        .await;
}

#[tokio::test]
async fn the_command_line_adds_admins_with_role_and_agents_by_default() {
    let server = serve(None).await;
    let db = format!("sqlite://{}", server._dir.path().join("aisle.db").display());
    let add = |email: &str, role: Option<&str>| {
        let mut command = aisle();
        command
            .args([
                "agents", "add", email, "--site", "demo", "--name", "Ops", "--db", &db,
            ])
            .env("AISLE_AGENT_PASSWORD", "ops-password")
            .stdin(Stdio::null());
        if let Some(role) = role {
            command.args(["--role", role]);
        }
        command.output().unwrap()
    };
    let out = add("ops@demo.test", Some("admin"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Added agent ops@demo.test (Ops) to site demo as an admin."
    );
    let out = add("desk@demo.test", None);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Added agent desk@demo.test (Ops) to site demo."
    );
    let out = add("boss@demo.test", Some("boss"));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a role"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, ops) = server.login("ops@demo.test", "ops-password").await;
    assert_eq!(ops["agent"]["role"], "admin");
    let (_, desk) = server.login("desk@demo.test", "ops-password").await;
    assert_eq!(desk["agent"]["role"], "agent");
    let (status, _) = server.login("boss@demo.test", "ops-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
