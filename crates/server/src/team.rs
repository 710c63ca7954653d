//! The team: admins invite agents, disable and re-enable them, change their
//! role and send them password-reset links; anyone may ask for a reset link
//! from the login screen ("Forgot your password?"), and an invitation or a
//! reset link leads to the console's "Set your password" form.
//!
//! Routes under `/api/agent` (see [`routes`]). Every `/team` route needs an
//! admin of the site ([`Admin`]): a plain agent gets 403. Links carry a
//! random single-use token; the database keeps only its SHA-256
//! (`agent_links`, as sessions), and a link expires after [`LINK_SECONDS`].
//! They are emailed through the site's outbox when the site has an `email`
//! block, and an admin who asked for one also sees it once in the answer.

use crate::AppState;
use crate::agents::{Agent, MIN_PASSWORD_CHARS, Role, is_email, store, token_digest};
use crate::client::ClientIp;
use crate::db::now;
use crate::email::{Kind, compose};
use crate::error::{ApiJson, AppError};
use crate::text::{Locale, fill};
use aisle_core::agent_api::{
    Accepted, ForgotRequest, InviteRequest, Invited, Member, PasswordLink, RoleRequest,
    SetPasswordRequest, Team,
};
use aisle_core::api::ErrorCode;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use rand::Rng;
use std::net::SocketAddr;
use std::time::Instant;

/// How long an invitation or a reset link stays valid.
pub const LINK_SECONDS: i64 = 7 * 24 * 3600;
/// Invitations one site may have open (not used, not expired) at once.
pub const MAX_OPEN_INVITES: i64 = 50;
/// "Forgot your password?" requests per email address an hour.
pub const RESETS_PER_ADDRESS: usize = 3;
/// "Forgot your password?" requests per client address an hour.
pub const RESETS_PER_CLIENT: usize = 20;
/// Longest password taken (characters): Argon2 takes any length, the
/// request should not.
pub const MAX_PASSWORD_CHARS: usize = 200;
/// Longest display name (characters).
pub const MAX_NAME_CHARS: usize = 100;

/// Routes under `/api/agent`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/team", get(list))
        .route("/team/invites", post(invite))
        .route("/team/{id}/disable", post(disable))
        .route("/team/{id}/enable", post(enable))
        .route("/team/{id}/role", post(set_role))
        .route("/team/{id}/reset", post(reset))
        .route("/password/forgot", post(forgot))
        .route("/password/set", post(set_password))
}

/// A logged-in admin: the extractor answers 403 to a plain agent.
#[derive(Debug, Clone)]
pub struct Admin(pub Agent);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let agent = Agent::from_request_parts(parts, state).await?;
        if agent.is_admin() {
            Ok(Admin(agent))
        } else {
            Err(AppError::Forbidden("only admins manage the team".into()))
        }
    }
}

fn bad(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid {
        code: ErrorCode::BadRequest,
        message: message.into(),
        field: Some(field.to_owned()),
    }
}

/// A team member as the Team page lists them.
async fn member(state: &AppState, site: &str, id: i64) -> Result<Member, AppError> {
    let row = store::member(&state.db, site, id).await?;
    let (id, name, email, role, status) = row.ok_or(AppError::NotFound(
        ErrorCode::NotFound,
        "no such agent on this site",
    ))?;
    Ok(Member {
        id,
        name,
        email,
        role: Role::from_name(&role),
        status,
    })
}

/// `GET /api/agent/team`: the site's agents (`id`, `name`, `email`, `role`,
/// `status`: `active`, `disabled` or `invited`), by name; `me` is the
/// admin's own id.
async fn list(Admin(admin): Admin, State(state): State<AppState>) -> Result<Json<Team>, AppError> {
    let rows = store::team(&state.db, &admin.site).await?;
    let agents = rows
        .into_iter()
        .map(|(id, name, email, role, status)| Member {
            id,
            name,
            email,
            role: Role::from_name(&role),
            status,
        })
        .collect();
    Ok(Json(Team {
        agents,
        me: admin.id,
    }))
}

/// Where agents reach this server: `--public-url`, else the scheme and
/// `Host` of this request.
fn base_url(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> String {
    if let Some(url) = &state.network.public_url {
        return url.clone();
    }
    let scheme = if crate::agents::secure_cookies(state, peer.ip(), headers) {
        "https"
    } else {
        "http"
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Invite,
    Reset,
}

impl Purpose {
    fn name(self) -> &'static str {
        match self {
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }
}

/// The language of the console that sent `headers`: its `Accept-Language`
/// (the console sends the agent's chosen language; else the browser's list,
/// most preferred first by `q`), English when none of the six is there.
fn console_language(headers: &HeaderMap) -> Locale {
    let listed = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut tags: Vec<(&str, f32)> = listed
        .split(',')
        .take(20)
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (!tag.is_empty() && q > 0.0).then_some((tag, q))
        })
        .collect();
    // Stable: equal weights keep the order they were listed in.
    tags.sort_by(|a, b| b.1.total_cmp(&a.1));
    Locale::negotiate(tags.into_iter().map(|(tag, _)| tag))
}

/// Stores a new single-use link for `agent` and returns its token. Earlier
/// links of the agent stop working: only the newest one counts.
async fn new_link(
    state: &AppState,
    site: &str,
    agent: i64,
    purpose: Purpose,
) -> Result<String, AppError> {
    let token = format!(
        "{:032x}{:032x}",
        rand::rng().random::<u128>(),
        rand::rng().random::<u128>()
    );
    let now = now();
    store::replace_link(
        &state.db,
        &token_digest(&token),
        agent,
        site,
        purpose.name(),
        now,
        now + LINK_SECONDS,
    )
    .await?;
    Ok(token)
}

/// The console's address of a link: `{base}/console/#/invite/TOKEN` or
/// `#/reset/TOKEN`.
fn link_url(base: &str, purpose: Purpose, token: &str) -> String {
    format!("{base}/console/#/{}/{token}", purpose.name())
}

/// Who a password link is emailed to.
struct Addressee<'a> {
    /// The agent's id (the outbox reference is `agent-{id}`).
    id: i64,
    /// Their email address.
    email: &'a str,
    /// Their name, in the greeting.
    name: &'a str,
}

/// Emails `url` to agent `to` in `lang` when the site sends email (the
/// site's rewording of these emails, if any, applies); whether it was
/// queued.
async fn email_link(
    state: &AppState,
    site_id: &str,
    to: Addressee<'_>,
    purpose: Purpose,
    url: &str,
    lang: Locale,
) -> bool {
    let Addressee {
        id,
        email: recipient,
        name,
    } = to;
    let Some(site) = state.sites.get(site_id) else {
        return false;
    };
    let Some(config) = &site.config.email else {
        return false;
    };
    let days = (LINK_SECONDS / 86_400).to_string();
    let text = site.text(lang);
    let (kind, subject, body) = match purpose {
        Purpose::Invite => (
            Kind::AgentInvite,
            text.email_invite_subject,
            text.email_invite_body,
        ),
        Purpose::Reset => (
            Kind::PasswordReset,
            text.email_reset_subject,
            text.email_reset_body,
        ),
    };
    let values = [
        ("name", name),
        ("store", site.name.as_str()),
        ("days", days.as_str()),
        ("url", url),
    ];
    let (subject, body) = (fill(subject, &values), fill(body, &values));
    let reference = format!("agent-{id}");
    let queued = match compose::to_agent(config, lang, &reference, recipient, &subject, &body) {
        Ok(message) => {
            crate::email::queue(
                &state.db,
                &state.outbox,
                site_id,
                kind,
                &reference,
                &message,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match queued {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(site = site_id, agent = id, error = %e, "email to an agent not queued");
            false
        }
    }
}

/// `POST /api/agent/team/invites` `{email, name, role}`: adds an invited
/// agent and answers `{agent, link, emailed}`: the link (shown to the admin
/// once) leads to the "Set your password" form; `emailed` says whether it
/// was also emailed. At most [`MAX_OPEN_INVITES`] open per site.
async fn invite(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(invite): ApiJson<InviteRequest>,
) -> Result<(StatusCode, Json<Invited>), AppError> {
    let email = invite.email.trim().to_ascii_lowercase();
    let name = invite.name.trim();
    if !is_email(&email) || email.chars().count() > 254 {
        return Err(bad("email", "enter the agent's email address"));
    }
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(bad(
            "name",
            format!("enter a name of 1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    // The invitee's language, as the admin chose it; else the admin's own.
    let lang = match invite.language.as_deref() {
        None => console_language(&headers),
        Some(tag) => Locale::from_tag(tag).ok_or_else(|| {
            bad(
                "language",
                "choose one of the languages: en, fr, fi, zh-Hans, zh-Hant, th",
            )
        })?,
    };
    let open = store::open_invites(&state.db, &admin.site, now()).await?;
    if open >= MAX_OPEN_INVITES {
        return Err(bad(
            "email",
            format!(
                "{MAX_OPEN_INVITES} invitations are open already; wait until some are used or disable the invited agents"
            ),
        ));
    }
    if store::email_taken(&state.db, &email).await? {
        return Err(bad("email", "an agent with this email exists already"));
    }
    let inserted = store::insert_invited(
        &state.db,
        &admin.site,
        &email,
        name,
        invite.role.name(),
        now(),
    )
    .await;
    let id = match inserted {
        Ok(id) => id,
        // Two admins inviting the same address at once: one wins.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(bad("email", "an agent with this email exists already"));
        }
        Err(e) => return Err(e.into()),
    };
    let token = new_link(&state, &admin.site, id, Purpose::Invite).await?;
    let url = link_url(&base_url(&state, peer, &headers), Purpose::Invite, &token);
    let to = Addressee {
        id,
        email: &email,
        name,
    };
    let emailed = email_link(&state, &admin.site, to, Purpose::Invite, &url, lang).await;
    tracing::info!(admin = admin.id, agent = id, emailed, "agent invited");
    Ok((
        StatusCode::CREATED,
        Json(Invited {
            agent: member(&state, &admin.site, id).await?,
            link: Some(url),
            emailed,
        }),
    ))
}

/// Ends everything agent `id` is logged in with: sessions, unused links,
/// open sockets (closed with `reason`); their chats go back to the queue.
async fn end_sessions(
    state: &AppState,
    site: &str,
    id: i64,
    reason: &'static str,
) -> Result<(), AppError> {
    store::end_sessions_of(&state.db, id).await?;
    state.chat.end_agent(site, id, reason).await?;
    Ok(())
}

/// `POST /api/agent/team/{id}/disable`: the agent can no longer log in;
/// their sessions end at once (their console is logged out, its socket
/// closed with "account disabled") and their chats go back to the queue.
/// An admin cannot disable themselves.
async fn disable(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Member>, AppError> {
    if id == admin.id {
        return Err(bad("id", "you cannot disable your own account"));
    }
    member(&state, &admin.site, id).await?;
    store::disable(&state.db, &admin.site, id).await?;
    end_sessions(&state, &admin.site, id, "account disabled").await?;
    tracing::info!(admin = admin.id, agent = id, "agent disabled");
    Ok(Json(member(&state, &admin.site, id).await?))
}

/// `POST /api/agent/team/{id}/enable`: a disabled agent may log in again
/// (one who never set a password is `invited` again: send them a link).
async fn enable(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Member>, AppError> {
    member(&state, &admin.site, id).await?;
    store::enable(&state.db, &admin.site, id).await?;
    tracing::info!(admin = admin.id, agent = id, "agent enabled");
    Ok(Json(member(&state, &admin.site, id).await?))
}

/// `POST /api/agent/team/{id}/role` `{role: "admin"|"agent"}`. The site's
/// last active admin cannot be made an agent.
async fn set_role(
    Admin(admin): Admin,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RoleRequest>,
) -> Result<Json<Member>, AppError> {
    member(&state, &admin.site, id).await?;
    // One statement: two admins demoting each other at once cannot both win.
    if !store::set_role(&state.db, &admin.site, id, body.role.name()).await? {
        return Err(bad(
            "role",
            "the site needs an admin: make someone else an admin first",
        ));
    }
    tracing::info!(
        admin = admin.id,
        agent = id,
        role = body.role.name(),
        "role changed"
    );
    Ok(Json(member(&state, &admin.site, id).await?))
}

/// `POST /api/agent/team/{id}/reset`: a new single-use link for the agent
/// to set a password (an invitation again if they never set one). Emailed
/// when the site sends email; answered as `{emailed, link}`, the link only
/// when it could not be emailed (the admin passes it on).
async fn reset(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<PasswordLink>, AppError> {
    let agent = member(&state, &admin.site, id).await?;
    let purpose = match agent.status.as_str() {
        "invited" => Purpose::Invite,
        "active" => Purpose::Reset,
        _ => return Err(bad("id", "enable the account first")),
    };
    let token = new_link(&state, &admin.site, id, purpose).await?;
    let url = link_url(&base_url(&state, peer, &headers), purpose, &token);
    let (email, name) = (&agent.email, &agent.name);
    let lang = console_language(&headers);
    let to = Addressee { id, email, name };
    let emailed = email_link(&state, &admin.site, to, purpose, &url, lang).await;
    tracing::info!(admin = admin.id, agent = id, emailed, "password link made");
    Ok(Json(PasswordLink {
        emailed,
        link: (!emailed).then_some(url),
    }))
}

/// `POST /api/agent/password/forgot` `{email}`: when the email is an active
/// agent's and their site sends email, a reset link is emailed to it. The
/// answer (202) is the same whatever the email, and comes before anything is
/// looked up; [`RESETS_PER_ADDRESS`] an hour per email and
/// [`RESETS_PER_CLIENT`] per client address, then 429.
async fn forgot(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ForgotRequest>,
) -> Result<(StatusCode, Json<Accepted>), AppError> {
    let email = body.email.trim().to_ascii_lowercase();
    if !is_email(&email) || email.chars().count() > 254 {
        return Err(bad("email", "enter your email address"));
    }
    let now_at = Instant::now();
    state
        .writes
        .hit(&format!("reset-ip:{client}"), RESETS_PER_CLIENT, now_at)
        .map_err(AppError::RateLimited)?;
    state
        .writes
        .hit(&format!("reset:{email}"), RESETS_PER_ADDRESS, now_at)
        .map_err(AppError::RateLimited)?;
    let base = base_url(&state, peer, &headers);
    let lang = console_language(&headers);
    // The work happens after the answer, so its timing tells nothing.
    let state2 = state.clone();
    state.tasks.spawn(async move {
        if let Err(e) = send_reset(&state2, &email, &base, lang).await {
            tracing::warn!(error = %e, "password reset not sent");
        }
    });
    Ok((StatusCode::ACCEPTED, Json(Accepted { accepted: true })))
}

/// Emails a reset link to `email`, in `lang`, if it is an active agent's.
async fn send_reset(
    state: &AppState,
    email: &str,
    base: &str,
    lang: Locale,
) -> Result<(), AppError> {
    let Some((id, site, name)) = store::active_by_email(&state.db, email).await? else {
        return Ok(());
    };
    let sends = state
        .sites
        .get(&site)
        .is_some_and(|s| s.config.email.is_some());
    if !sends {
        tracing::info!(agent = id, "reset asked, but the site sends no email");
        return Ok(());
    }
    let token = new_link(state, &site, id, Purpose::Reset).await?;
    let url = link_url(base, Purpose::Reset, &token);
    let to = Addressee {
        id,
        email,
        name: &name,
    };
    email_link(state, &site, to, Purpose::Reset, &url, lang).await;
    Ok(())
}

/// `POST /api/agent/password/set` `{token, password}`: the "Set your
/// password" form of an invitation or reset link. The password needs
/// [`MIN_PASSWORD_CHARS`] characters (400, `field: "password"`, the link
/// still works); a used, expired or unknown link is a 400 with `field:
/// "token"`. On success the link is spent, the account is active, every
/// earlier session ends, and the agent logs in with the new password (204).
async fn set_password(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SetPasswordRequest>,
) -> Result<StatusCode, AppError> {
    let chars = body.password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(bad(
            "password",
            format!("the password needs at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(bad(
            "password",
            format!("the password may have at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let expired = || {
        bad(
            "token",
            "this link has expired or was used already; ask for a new one",
        )
    };
    let digest = token_digest(body.token.trim());
    let Some((id, site)) = store::link_agent(&state.db, &digest, now()).await? else {
        return Err(expired());
    };
    let hash = state.passwords.hash(body.password).await?;
    // Spent here, once: of two tabs sending the form, one wins.
    if !store::spend_link(&state.db, &digest, id, &hash).await? {
        return Err(expired());
    }
    end_sessions(&state, &site, id, "password changed").await?;
    tracing::info!(agent = id, "password set");
    Ok(StatusCode::NO_CONTENT)
}
