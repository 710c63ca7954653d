//! Calls to the Aisle server's JSON API with the browser's `fetch`.
//!
//! Bodies with a core type go through the widget's codec ([`crate::js`]);
//! the browser's own JSON does the text work, which keeps `serde_json` and
//! serde's visitors out of the wasm bundle. The shapes are those of
//! `aisle_core::api` and `aisle_core::assist`.

use crate::js::{Js, Json};
use aisle_core::api::CampaignEvent;
use aisle_core::assist::{AssistReply, AssistRequest};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Response;

/// POSTs a JS value as JSON to `url`; `None` when the server cannot be
/// reached. The request's options are a plain object as the Fetch standard
/// names them (web-sys's `RequestInit` has no `keepalive`, and one object
/// costs the wasm less than a `Request` with its `Headers`). `keepalive`:
/// the request outlives the page, so a campaign button's click is counted
/// although its link is followed at once (the browser would otherwise cancel
/// the request with the page).
async fn send(url: &str, body: &JsValue) -> Option<Response> {
    let json = js_sys::JSON::stringify(body).ok()?;
    let init = crate::js::object(&[
        ("method", "POST".into()),
        ("keepalive", JsValue::TRUE),
        (
            "headers",
            crate::js::object(&[("content-type", "application/json".into())]),
        ),
        ("body", json.into()),
    ]);
    let window = web_sys::window()?;
    JsFuture::from(window.fetch_with_str_and_init(url, init.unchecked_ref()))
        .await
        .ok()?
        .dyn_into()
        .ok()
}

/// The parsed JSON of a successful answer; `None` for an API error or no answer.
async fn answer(response: Response) -> Option<Json> {
    if !response.ok() {
        return None;
    }
    let value = JsFuture::from(response.json().ok()?).await.ok()?;
    Some(Json(value))
}

/// POSTs `body` and returns the parsed answer (`None`: unreachable or refused).
async fn post(url: &str, body: &JsValue) -> Option<Json> {
    answer(send(url, body).await?).await
}

fn site_url(server: &str, site: &str, rest: &str) -> String {
    let site = String::from(js_sys::encode_uri_component(site));
    [server, "/api/sites/", &site, "/", rest].concat()
}

/// `POST /api/sites/{site}/campaigns/events`; analytics, so failures are ignored.
pub async fn campaign_event(server: &str, site: &str, event: &CampaignEvent) {
    let _ = send(&site_url(server, site, "campaigns/events"), &event.to_js()).await;
}

/// `POST /api/sites/{site}/assist`: one step of self-service, typed and as
/// it came (its parts' JSON is what is saved for the next page); `None` when
/// the server could not be reached or refused the request.
pub async fn assist(
    server: &str,
    site: &str,
    request: &AssistRequest,
) -> Option<(AssistReply, Json)> {
    let answer = post(&site_url(server, site, "assist"), &request.to_js()).await?;
    Some((AssistReply::from_js(&answer.0)?, answer))
}

/// `GET /api/sites/{site}/{rest}` through the browser's HTTP cache: the
/// parsed answer, `None` when the server cannot be reached or refuses.
pub async fn get(server: &str, site: &str, rest: &str) -> Option<Json> {
    let window = web_sys::window()?;
    let response: Response = JsFuture::from(window.fetch_with_str(&site_url(server, site, rest)))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    answer(response).await
}

/// `GET /api/sites/{site}/widget`: the merchant's brand colour and greetings;
/// `None` when the server cannot be reached (the built-in look stays).
pub async fn site_settings(server: &str, site: &str) -> Option<Json> {
    get(server, site, "widget").await
}

/// `POST /api/sites/{site}/campaigns/{rest}`: `customer` (what the store
/// signed about the page's customer: `{verified, tags, first_name}`) or
/// `code` (the visitor's own code of a campaign: `{code}`); `None` when the
/// server cannot be reached or refuses.
pub async fn ask(server: &str, site: &str, rest: &str, body: &JsValue) -> Option<Json> {
    post(
        &site_url(server, site, &["campaigns/", rest].concat()),
        body,
    )
    .await
}
