//! Calls to the Aisle server's JSON API with the browser's `fetch`.
//!
//! Request bodies are encoded with [`crate::encode`], answers decoded with
//! [`crate::decode`]; the browser's own JSON does the text work, which keeps
//! `serde_json` out of the wasm bundle.

use crate::decode::from_js;
use aisle_core::api::{ApiError, ErrorCode, LookupRequest};
use aisle_core::order::OrderView;
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

async fn post<B: Serialize, T: DeserializeOwned>(url: &str, body: &B) -> Result<T, CallError> {
    let body = crate::encode::to_js(body).map_err(|_| CallError::Network)?;
    let json = js_sys::JSON::stringify(&body).map_err(|_| CallError::Network)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&json.into());
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| CallError::Network)?;
    request
        .headers()
        .set("content-type", "application/json")
        .map_err(|_| CallError::Network)?;
    let window = web_sys::window().ok_or(CallError::Network)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| CallError::Network)?
        .dyn_into()
        .map_err(|_| CallError::Network)?;
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

/// `POST /api/sites/{site}/orders/lookup`.
pub async fn lookup_order(
    server: &str,
    site: &str,
    request: &LookupRequest,
) -> Result<OrderView, CallError> {
    let site = js_sys::encode_uri_component(site);
    post(&format!("{server}/api/sites/{site}/orders/lookup"), request).await
}
