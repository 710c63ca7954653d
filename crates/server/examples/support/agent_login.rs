//! `POST /api/agent/login` over plain HTTP/1.1, shared by the load and
//! chaos examples (`chat_load`, `chaos`, `chaos_cluster`).

use anyhow::{Context, Result, ensure};
use std::io::{Read, Write};
use std::net::SocketAddr;

/// `POST /api/agent/login` over plain HTTP/1.1; the session token.
pub fn login(addr: SocketAddr, email: &str, password: &str) -> Result<String> {
    let body = serde_json::json!({"email": email, "password": password}).to_string();
    let mut stream = std::net::TcpStream::connect(addr)?;
    write!(
        stream,
        "POST /api/agent/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .context("malformed login response")?;
    let status = head.lines().next().unwrap_or_default();
    ensure!(
        status.starts_with("HTTP/1.1 200"),
        "login of {email} failed: {status} {body}"
    );
    let json: serde_json::Value = serde_json::from_str(body)?;
    json["token"]
        .as_str()
        .map(String::from)
        .context("no token in the login response")
}
