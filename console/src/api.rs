//! Calls to the server's agent API (`/api/agent/*`) with the browser's `fetch`.
//!
//! The console is served by the same origin as the API, so the `aisle_agent`
//! session cookie (HttpOnly, set by login) rides along with every call and
//! with the WebSocket upgrade. The token from the login answer is also kept
//! in memory (never in storage) and sent as `Authorization: Bearer`.

use crate::i18n::Locale;
pub use aisle_core::agent_api::{
    AgentInfo, BusinessHours, CampaignHistory, Checked, EmailStatus, HoursBody, Macro, Member,
    OrderFacts, PasswordLink as Link, Preview, PreviewRequest, PreviewVisitor, Resent,
    ReturnRequest, SiteTag, StoreRequest, Team, Ticket, TicketThread,
};
use aisle_core::agent_api::{
    CampaignSource, ForgotRequest, InviteRequest, Invited, LoginAnswer, LoginRequest, MacroForm,
    Macros, Published, ReplyRequest, ReturnPage, Role, RoleRequest, SetPasswordRequest,
    StoreRequests, TagForm, Tags, TicketPage, TicketStateRequest,
};
use aisle_core::api::{ApiError, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestCredentials, RequestInit, Response};

thread_local! {
    /// The session token of this page's login, if any.
    static TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Why a call did not return its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// Not logged in (or wrong credentials, for login).
    Unauthorized,
    /// Too many failures; retry after this many seconds.
    RateLimited(u64),
    /// Any other error the server answered.
    Api(ApiError),
    /// The server could not be reached or answered something unreadable.
    Network,
}

/// Forgets the in-memory session token.
pub fn forget_token() {
    TOKEN.with(|t| t.borrow_mut().take());
}

fn token() -> Option<String> {
    TOKEN.with(|t| t.borrow().clone())
}

/// `body` as the JSON a call sends.
fn json<T: Serialize>(body: &T) -> Value {
    serde_json::to_value(body).unwrap_or(Value::Null)
}

async fn call(method: &str, path: &str, body: Option<&Value>) -> Result<Value, CallError> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(RequestCredentials::SameOrigin);
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(&body.to_string()));
    }
    let request = Request::new_with_str_and_init(path, &init).map_err(|_| CallError::Network)?;
    let headers = request.headers();
    if body.is_some() {
        headers
            .set("content-type", "application/json")
            .map_err(|_| CallError::Network)?;
    }
    if let Some(token) = token() {
        headers
            .set("authorization", &format!("Bearer {token}"))
            .map_err(|_| CallError::Network)?;
    }
    // The language the agent chose here, if they did (the emails the server
    // sends for this request, such as a password link, come in it); else the
    // browser sends its own list, which the console's language came from.
    if let Some(locale) = crate::i18n::remembered_locale() {
        headers
            .set("accept-language", locale.tag())
            .map_err(|_| CallError::Network)?;
    }
    let window = web_sys::window().ok_or(CallError::Network)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| CallError::Network)?
        .dyn_into()
        .map_err(|_| CallError::Network)?;
    let text = JsFuture::from(response.text().map_err(|_| CallError::Network)?)
        .await
        .map_err(|_| CallError::Network)?
        .as_string()
        .unwrap_or_default();
    let json: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).map_err(|_| CallError::Network)?
    };
    if response.ok() {
        return Ok(json);
    }
    Err(error_of(response.status(), json))
}

/// The [`CallError`] for a non-2xx answer with status `status` and body `json`.
pub fn error_of(status: u16, json: Value) -> CallError {
    match (status, serde_json::from_value::<ApiError>(json)) {
        (401, _) => CallError::Unauthorized,
        (_, Ok(error)) if error.code == ErrorCode::RateLimited => {
            CallError::RateLimited(error.retry_after.unwrap_or(60))
        }
        (429, _) => CallError::RateLimited(60),
        (_, Ok(error)) => CallError::Api(error),
        (_, Err(_)) => CallError::Network,
    }
}

fn decode<T: DeserializeOwned>(value: Value) -> Result<T, CallError> {
    serde_json::from_value(value).map_err(|_| CallError::Network)
}

/// `POST /api/agent/login`; keeps the token for later calls.
pub async fn login(email: &str, password: &str) -> Result<AgentInfo, CallError> {
    let body = json(&LoginRequest {
        email: email.to_owned(),
        password: password.to_owned(),
    });
    let answer: LoginAnswer = decode(call("POST", "/api/agent/login", Some(&body)).await?)?;
    TOKEN.with(|t| *t.borrow_mut() = Some(answer.token));
    Ok(answer.agent)
}

/// `GET /api/agent/me`: who is logged in (by cookie or token).
pub async fn me() -> Result<AgentInfo, CallError> {
    decode(call("GET", "/api/agent/me", None).await?)
}

/// `POST /api/agent/logout`; the token is forgotten whatever the answer.
pub async fn logout() -> Result<(), CallError> {
    let result = call("POST", "/api/agent/logout", None).await.map(|_| ());
    forget_token();
    result
}

/// `GET /api/agent/macros`.
pub async fn macros() -> Result<Vec<Macro>, CallError> {
    let answer: Macros = decode(call("GET", "/api/agent/macros", None).await?)?;
    Ok(answer.macros)
}

/// One page of tickets or return requests, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The records.
    pub items: Vec<T>,
    /// Cursor of the next (older) page; `None` on the last.
    pub next: Option<String>,
}

/// The path of a page of `collection` (`tickets` or `returns`): the newest,
/// or the one older than the cursor `before`.
pub fn page_path(collection: &str, before: Option<&str>) -> String {
    match before {
        None => format!("/api/agent/{collection}"),
        Some(cursor) => {
            // The cursor is opaque: percent-encode all but unreserved bytes.
            let mut encoded = String::new();
            for byte in cursor.bytes() {
                if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                    encoded.push(char::from(byte));
                } else {
                    encoded.push_str(&format!("%{byte:02X}"));
                }
            }
            format!("/api/agent/{collection}?before={encoded}")
        }
    }
}

/// `GET /api/agent/tickets[?before=CURSOR]`.
pub async fn tickets(before: Option<&str>) -> Result<Page<Ticket>, CallError> {
    let page: TicketPage = decode(call("GET", &page_path("tickets", before), None).await?)?;
    Ok(Page {
        items: page.tickets,
        next: page.next,
    })
}

/// `GET /api/agent/returns[?before=CURSOR]`.
pub async fn returns(before: Option<&str>) -> Result<Page<ReturnRequest>, CallError> {
    let page: ReturnPage = decode(call("GET", &page_path("returns", before), None).await?)?;
    Ok(Page {
        items: page.returns,
        next: page.next,
    })
}

fn ticket_path(reference: &str, what: &str) -> String {
    let reference = String::from(js_sys::encode_uri_component(reference));
    format!("/api/agent/tickets/{reference}/{what}")
}

/// `GET /api/agent/tickets/{reference}/messages`.
pub async fn ticket_thread(reference: &str) -> Result<TicketThread, CallError> {
    decode(call("GET", &ticket_path(reference, "messages"), None).await?)
}

/// `POST /api/agent/tickets/{reference}/reply`: emails `body` to the shopper.
pub async fn reply_to_ticket(reference: &str, body: &str) -> Result<(), CallError> {
    let body = json(&ReplyRequest {
        body: body.to_owned(),
    });
    call("POST", &ticket_path(reference, "reply"), Some(&body))
        .await
        .map(|_| ())
}

/// `POST /api/agent/tickets/{reference}/state`: `open`, `pending` or `solved`.
pub async fn set_ticket_state(reference: &str, state: &str) -> Result<(), CallError> {
    let body = json(&TicketStateRequest {
        state: state.to_owned(),
    });
    call("POST", &ticket_path(reference, "state"), Some(&body))
        .await
        .map(|_| ())
}

/// `POST /api/agent/{tickets|returns}/{reference}/done`.
pub async fn mark_done(collection: &str, reference: &str) -> Result<(), CallError> {
    let reference = String::from(js_sys::encode_uri_component(reference));
    call(
        "POST",
        &format!("/api/agent/{collection}/{reference}/done"),
        None,
    )
    .await
    .map(|_| ())
}

/// `GET /api/agent/store-requests`: undelivered requests, newest first.
pub async fn store_requests() -> Result<Vec<StoreRequest>, CallError> {
    decode::<StoreRequests>(call("GET", "/api/agent/store-requests", None).await?)
        .map(|r| r.requests)
}

/// `POST /api/agent/store-requests/{id}/retry`: sends one again.
pub async fn retry_store_request(id: i64) -> Result<Resent, CallError> {
    decode(
        call(
            "POST",
            &format!("/api/agent/store-requests/{id}/retry"),
            None,
        )
        .await?,
    )
}

/// `GET /api/agent/insights`: the figures from day `from` to day `to`
/// (`YYYY-MM-DD`; empty: the server's default, the last 28 days) in `tz`.
pub async fn insights(
    from: &str,
    to: &str,
    tz: &str,
) -> Result<aisle_core::insights::Insights, CallError> {
    let enc = |v: &str| String::from(js_sys::encode_uri_component(v));
    let mut path = format!("/api/agent/insights?tz={}", enc(tz));
    if !from.is_empty() {
        path.push_str(&format!("&from={}", enc(from)));
    }
    if !to.is_empty() {
        path.push_str(&format!("&to={}", enc(to)));
    }
    decode(call("GET", &path, None).await?)
}

/// The staffing forecast's inputs, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffingQuery {
    /// Weeks of history.
    pub weeks: String,
    /// Growth factor.
    pub growth: String,
    /// Answer within, seconds.
    pub target_seconds: String,
    /// Share answered within it, 0–1.
    pub level: String,
    /// IANA time zone.
    pub tz: String,
}

/// `GET /api/agent/staffing`: agents needed per weekday × hour.
pub async fn staffing(q: &StaffingQuery) -> Result<aisle_core::insights::Staffing, CallError> {
    let enc = |v: &str| String::from(js_sys::encode_uri_component(v.trim()));
    let path = format!(
        "/api/agent/staffing?weeks={}&growth={}&target_seconds={}&level={}&tz={}",
        enc(&q.weeks),
        enc(&q.growth),
        enc(&q.target_seconds),
        enc(&q.level),
        enc(&q.tz)
    );
    decode(call("GET", &path, None).await?)
}

/// `GET /api/agent/conversations/{id}/customer`: the customer's earlier
/// conversations and tickets (empty unless the email is proven).
pub async fn customer_history(
    conversation: &str,
) -> Result<aisle_core::insights::CustomerHistory, CallError> {
    let id = String::from(js_sys::encode_uri_component(conversation));
    decode(
        call(
            "GET",
            &format!("/api/agent/conversations/{id}/customer"),
            None,
        )
        .await?,
    )
}

/// `GET /api/agent/orders/{number}`: the order as the store has it now (the
/// facts macros fill in, and its admin link).
pub async fn order(number: u32) -> Result<OrderFacts, CallError> {
    decode(call("GET", &format!("/api/agent/orders/{number}"), None).await?)
}

/// `GET /api/agent/team` (admins).
pub async fn team() -> Result<Team, CallError> {
    decode(call("GET", "/api/agent/team", None).await?)
}

/// `POST /api/agent/team/invites`: the new member and their link; the
/// invitation email is in `language`.
pub async fn invite(
    email: &str,
    name: &str,
    role: Role,
    language: Locale,
) -> Result<(Member, Link), CallError> {
    let body = json(&InviteRequest {
        email: email.to_owned(),
        name: name.to_owned(),
        role,
        language: Some(language.tag().to_owned()),
    });
    let answer: Invited = decode(call("POST", "/api/agent/team/invites", Some(&body)).await?)?;
    let link = Link {
        link: answer.link,
        emailed: answer.emailed,
    };
    Ok((answer.agent, link))
}

/// `POST /api/agent/team/{id}/{action}` (`disable`, `enable`, or `role`
/// with the new `role`): the member as they are now.
pub async fn change_member(id: i64, action: &str, role: Option<Role>) -> Result<Member, CallError> {
    let body = role.map(|role| json(&RoleRequest { role }));
    let path = format!("/api/agent/team/{id}/{action}");
    decode(call("POST", &path, body.as_ref()).await?)
}

/// `POST /api/agent/team/{id}/reset`: a new password link for the member.
pub async fn reset_member(id: i64) -> Result<Link, CallError> {
    decode(call("POST", &format!("/api/agent/team/{id}/reset"), None).await?)
}

/// `POST /api/agent/password/forgot`: the same answer whatever the email.
pub async fn forgot_password(email: &str) -> Result<(), CallError> {
    let body = json(&ForgotRequest {
        email: email.to_owned(),
    });
    call("POST", "/api/agent/password/forgot", Some(&body))
        .await
        .map(|_| ())
}

/// `POST /api/agent/password/set` with the token of an invitation or reset link.
pub async fn set_password(token: &str, password: &str) -> Result<(), CallError> {
    let body = json(&SetPasswordRequest {
        token: token.to_owned(),
        password: password.to_owned(),
    });
    call("POST", "/api/agent/password/set", Some(&body))
        .await
        .map(|_| ())
}

/// `POST /api/agent/macros` (admins), or `PUT /api/agent/macros/{id}` to
/// change macro `id`: the macro as stored.
pub async fn save_macro(id: Option<&str>, title: &str, body: &str) -> Result<Macro, CallError> {
    let form = json(&MacroForm {
        title: title.to_owned(),
        body: body.to_owned(),
    });
    let answer = match id {
        Some(id) => {
            let id = String::from(js_sys::encode_uri_component(id));
            call("PUT", &format!("/api/agent/macros/{id}"), Some(&form)).await?
        }
        None => call("POST", "/api/agent/macros", Some(&form)).await?,
    };
    decode(answer)
}

/// `DELETE /api/agent/macros/{id}` (admins).
pub async fn delete_macro(id: &str) -> Result<(), CallError> {
    let id = String::from(js_sys::encode_uri_component(id));
    call("DELETE", &format!("/api/agent/macros/{id}"), None)
        .await
        .map(|_| ())
}

/// `GET /api/agent/tags`: the site's tag list, by name.
pub async fn tags() -> Result<Vec<SiteTag>, CallError> {
    let answer: Tags = decode(call("GET", "/api/agent/tags", None).await?)?;
    Ok(answer.tags)
}

/// `POST /api/agent/tags` (admins), or `PUT /api/agent/tags/{id}` to rename.
pub async fn save_tag(id: Option<i64>, name: &str) -> Result<SiteTag, CallError> {
    let body = json(&TagForm {
        name: name.to_owned(),
    });
    decode(match id {
        Some(id) => call("PUT", &format!("/api/agent/tags/{id}"), Some(&body)).await?,
        None => call("POST", "/api/agent/tags", Some(&body)).await?,
    })
}

/// `DELETE /api/agent/tags/{id}` (admins).
pub async fn delete_tag(id: i64) -> Result<(), CallError> {
    call("DELETE", &format!("/api/agent/tags/{id}"), None)
        .await
        .map(|_| ())
}

/// `GET /api/agent/hours` (admins).
pub async fn hours() -> Result<Option<BusinessHours>, CallError> {
    let answer: HoursBody = decode(call("GET", "/api/agent/hours", None).await?)?;
    Ok(answer.business_hours)
}

/// `PUT /api/agent/hours` (admins): the hours as stored, or the server's
/// first problem (`CallError::Api`, `field` the JSON path).
pub async fn save_hours(hours: Option<&BusinessHours>) -> Result<Option<BusinessHours>, CallError> {
    let body = json(&HoursBody {
        business_hours: hours.cloned(),
    });
    let answer: HoursBody = decode(call("PUT", "/api/agent/hours", Some(&body)).await?)?;
    Ok(answer.business_hours)
}

/// `GET /api/sites/{site}/campaigns/stats`: every campaign's figures.
pub async fn campaign_stats(
    site: &str,
) -> Result<aisle_core::attribution::CampaignStats, CallError> {
    let site = String::from(js_sys::encode_uri_component(site));
    decode(call("GET", &format!("/api/sites/{site}/campaigns/stats"), None).await?)
}

/// `POST /api/agent/campaigns/check`.
pub async fn check_campaigns(source: &str) -> Result<Checked, CallError> {
    let body = json(&CampaignSource {
        source: source.to_owned(),
    });
    decode(call("POST", "/api/agent/campaigns/check", Some(&body)).await?)
}

/// `POST /api/agent/campaigns/preview` with the form's `visitor`.
pub async fn preview_campaigns(
    source: &str,
    visitor: PreviewVisitor,
) -> Result<Preview, CallError> {
    let body = json(&PreviewRequest {
        source: source.to_owned(),
        visitor,
    });
    decode(call("POST", "/api/agent/campaigns/preview", Some(&body)).await?)
}

/// `POST /api/agent/campaigns`: publishes; the new version.
pub async fn publish_campaigns(source: &str) -> Result<i64, CallError> {
    let body = json(&CampaignSource {
        source: source.to_owned(),
    });
    let answer: Published = decode(call("POST", "/api/agent/campaigns", Some(&body)).await?)?;
    Ok(answer.version)
}

/// `GET /api/agent/campaigns`.
pub async fn campaign_history() -> Result<CampaignHistory, CallError> {
    decode(call("GET", "/api/agent/campaigns", None).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pages_are_asked_for_with_their_cursor_encoded() {
        assert_eq!(page_path("tickets", None), "/api/agent/tickets");
        assert_eq!(
            page_path("returns", Some("1732590000.17")),
            "/api/agent/returns?before=1732590000.17"
        );
        assert_eq!(
            page_path("tickets", Some("a&b=c é")),
            "/api/agent/tickets?before=a%26b%3Dc%20%C3%A9"
        );
    }

    #[test]
    fn answers_become_errors_the_login_form_can_word() {
        assert_eq!(
            error_of(401, json!({"code": "unauthorized", "message": "wrong"})),
            CallError::Unauthorized
        );
        assert_eq!(
            error_of(
                429,
                json!({"code": "rate_limited", "message": "slow", "retry_after": 840})
            ),
            CallError::RateLimited(840)
        );
        assert_eq!(error_of(429, Value::Null), CallError::RateLimited(60));
        assert_eq!(error_of(502, Value::Null), CallError::Network);
        assert!(matches!(
            error_of(403, json!({"code": "forbidden", "message": "no"})),
            CallError::Api(_)
        ));
    }
}
