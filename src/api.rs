//! Calls to the Aisle server's JSON API with the browser's `fetch`.
//!
//! Request bodies are encoded with [`crate::encode`], answers decoded with
//! [`crate::decode`]; the browser's own JSON does the text work, which keeps
//! `serde_json` out of the wasm bundle.

use crate::decode::from_js;
use aisle_core::api::{ApiError, CampaignDecision, CampaignEvent, ErrorCode, VisitorState};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// Why an API call did not return its value.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// The server answered with an API error.
    Api(ApiError),
    /// The server could not be reached or answered nonsense.
    Network,
}

impl CallError {
    /// The API error code, if the server answered.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            CallError::Api(e) => Some(e.code),
            CallError::Network => None,
        }
    }
}

/// POSTs `body` as JSON to `url`.
async fn send<B: Serialize>(url: &str, body: &B) -> Result<Response, CallError> {
    let body = crate::encode::to_js(body).map_err(|_| CallError::Network)?;
    send_js(url, &body).await
}

/// POSTs a JS value as JSON to `url`.
async fn send_js(url: &str, body: &JsValue) -> Result<Response, CallError> {
    let json = js_sys::JSON::stringify(body).map_err(|_| CallError::Network)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&json.into());
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| CallError::Network)?;
    request
        .headers()
        .set("content-type", "application/json")
        .map_err(|_| CallError::Network)?;
    let window = web_sys::window().ok_or(CallError::Network)?;
    JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| CallError::Network)?
        .dyn_into()
        .map_err(|_| CallError::Network)
}

/// POSTs `body` and decodes the JSON answer (or the API error).
async fn post<B: Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, CallError> {
    let response = send(url, body).await?;
    let parsed = JsFuture::from(response.json().map_err(|_| CallError::Network)?).await;
    let value: JsValue = parsed.map_err(|_| CallError::Network)?;
    if response.ok() {
        from_js(value).map_err(|_| CallError::Network)
    } else {
        Err(from_js(value)
            .map(CallError::Api)
            .unwrap_or(CallError::Network))
    }
}

fn site_url(server: &str, site: &str, rest: &str) -> String {
    let site = String::from(js_sys::encode_uri_component(site));
    format!("{server}/api/sites/{site}/{rest}")
}

/// `POST /api/sites/{site}/campaigns/evaluate`.
pub async fn evaluate_campaigns(
    server: &str,
    site: &str,
    visitor: &VisitorState,
) -> Result<CampaignDecision, CallError> {
    post(&site_url(server, site, "campaigns/evaluate"), visitor).await
}

/// `POST /api/sites/{site}/campaigns/events`; analytics, so failures are ignored.
pub async fn campaign_event(server: &str, site: &str, event: &CampaignEvent) {
    let _ = send(&site_url(server, site, "campaigns/events"), event).await;
}

/// `POST /api/sites/{site}/assist`: one step of self-service. `request` is
/// an `AssistRequest` as a JS object; the answer is the parsed `AssistReply`,
/// or `None` when the server could not be reached or refused the request.
pub async fn assist(server: &str, site: &str, request: JsValue) -> Option<crate::assist::Json> {
    let response = send_js(&site_url(server, site, "assist"), &request)
        .await
        .ok()?;
    if !response.ok() {
        return None;
    }
    let value = JsFuture::from(response.json().ok()?).await.ok()?;
    Some(crate::assist::Json(value))
}

/// `GET /api/sites/{site}/widget`: the merchant's brand colour and greetings;
/// `None` when the server cannot be reached (the built-in look stays).
pub async fn site_settings(server: &str, site: &str) -> Option<crate::assist::Json> {
    let window = web_sys::window()?;
    let response: Response =
        JsFuture::from(window.fetch_with_str(&site_url(server, site, "widget")))
            .await
            .ok()?
            .dyn_into()
            .ok()?;
    if !response.ok() {
        return None;
    }
    let value = JsFuture::from(response.json().ok()?).await.ok()?;
    Some(crate::assist::Json(value))
}
