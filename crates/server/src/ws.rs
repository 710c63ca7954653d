//! The shoppers' WebSocket endpoint, `/ws/v1?site=ID`: checks the site, the
//! page's `Origin` and the address's socket count before the upgrade, then
//! runs the connection ([`crate::chat::connection`]) with a
//! [`ShopperPeer`].
//!
//! Each connection is one task, tracked by the server's [`TaskTracker`] so
//! shutdown can close sockets cleanly and wait for them (axum's graceful
//! shutdown does not wait for upgraded connections: tokio-rs/axum#3003).
//!
//! [`TaskTracker`]: tokio_util::task::TaskTracker

use crate::AppState;
use crate::chat::connection::{limits, serve};
use crate::chat::{hub, shopper::ShopperPeer};
use crate::client::ClientIp;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::net::IpAddr;

/// Query of the upgrade request.
#[derive(Debug, Deserialize)]
pub struct Connect {
    /// The site id from the merchant snippet.
    site: String,
}

/// `GET /ws/v1?site=ID`: checks site and origin, then upgrades.
pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Query(connect): Query<Connect>,
    headers: HeaderMap,
) -> Response {
    shopper_upgrade(ws, state, client, connect, headers)
}

/// The shopper upgrade for a client at `client` (the socket's peer, or the
/// address a trusted proxy forwarded, see [`crate::client`]).
/// `429` when that address has [`hub::Limits::sockets_per_address`] open.
fn shopper_upgrade(
    ws: WebSocketUpgrade,
    state: AppState,
    client: IpAddr,
    connect: Connect,
    headers: HeaderMap,
) -> Response {
    let Some(site) = state.sites.get(&connect.site) else {
        return (StatusCode::NOT_FOUND, "unknown site").into_response();
    };
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if !origin.is_some_and(|o| site.allows_origin(o, host)) {
        tracing::warn!(
            site = site.id,
            origin,
            "websocket refused: origin not allowed"
        );
        return (StatusCode::FORBIDDEN, "origin not allowed for this site").into_response();
    }
    let Ok(slot) = state.chat.reserve_address(client) else {
        tracing::warn!(
            site = site.id,
            client = %client,
            "websocket refused: too many sockets from this address"
        );
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "too many connections from this address",
        )
            .into_response();
    };
    let shutdown = state.shutdown.clone();
    let tasks = state.tasks.clone();
    limits(ws).on_upgrade(move |socket| {
        // Built here rather than in an `async move` block, which would keep a
        // second copy of the socket and the state for the connection's life.
        let (handle, outbox) = hub::channel(state.chat.limits().shopper_outbox_bytes);
        let peer = ShopperPeer::new(state, site.id.clone(), handle, slot);
        tasks.track_future(serve(socket, shutdown, peer, outbox))
    })
}
