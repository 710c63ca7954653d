//! Self-service that deflects tickets: `POST /api/sites/{site}/assist`.
//!
//! The widget sends what the shopper did ([`AssistRequest`]); this module runs
//! the flow — track, return, cancel, report an issue, quick answers, a message
//! to the team — and answers what to say and what to ask next
//! ([`AssistReply`]), worded in the shopper's language from [`text`].
//!
//! Actions are small strings on the wire (a flow name `track`, a flow on one
//! order `return:1003`, a step `return-confirm:1003`), read and written as
//! `aisle_core::assist::Action`. Nothing in an action is
//! trusted: every step re-checks that the session proved the order (number +
//! email, see `flows/order.rs`) and re-applies the store's policy.

mod flows;

use crate::AppState;
use crate::client::ClientIp;
use crate::error::{ApiJson, AppError};
use crate::records::{self, Session};
use crate::sites::KnownSite;
use crate::text::{self, Text};
use aisle_core::api::ErrorCode;
use aisle_core::assist::{Action, AssistReply, AssistRequest, Choice, Field, Form, Prompt, Said};
use aisle_core::locale::Locale;
use axum::Json;
use axum::extract::State;
use std::net::IpAddr;

/// Longest action accepted.
const MAX_ACTION_LEN: usize = 64;

/// Everything a flow step needs.
pub struct Turn<'a> {
    /// Server state (database, limiter).
    pub state: &'a AppState,
    /// The site.
    pub site: &'a crate::sites::Site,
    /// Who asks (for rate limits).
    pub client: IpAddr,
    /// The shopper's session.
    pub session: Session,
    /// The language to answer in.
    pub lang: Locale,
    /// The request.
    pub request: &'a AssistRequest,
    /// What to answer.
    pub reply: AssistReply,
}

impl<'a> Turn<'a> {
    /// The language's sentences, with the merchant's overrides.
    pub fn t(&self) -> Text<'a> {
        self.site.text(self.lang)
    }

    /// Says `text`.
    pub fn say(&mut self, text: impl Into<String>) {
        self.reply.said.push(Said {
            text: text.into(),
            card: None,
        });
    }

    /// Asks with buttons.
    pub fn choices(&mut self, choices: Vec<Choice>) {
        self.reply.prompt = Some(Prompt {
            label: self.t().next_steps.into(),
            form: None,
            choices,
        });
    }

    /// Asks with a form (`fields`, sent back as `action`), with "Something else" beside it.
    pub fn form(&mut self, label: &str, action: Action, fields: Vec<Field>, submit: &str) {
        self.reply.prompt = Some(Prompt {
            label: label.into(),
            form: Some(Form {
                action: action.to_string(),
                fields,
                submit: submit.into(),
            }),
            choices: vec![self.menu_choice()],
        });
    }

    /// The "Something else" button (back to the menu).
    pub fn menu_choice(&self) -> Choice {
        Choice::new(Action::Menu, self.t().something_else)
    }

    /// Whether `write` is over this client's limit; if so, says when to try again.
    pub fn over_limit(&mut self, write: crate::limits::Write) -> bool {
        match crate::limits::allow(self.state, write, &self.site.id, self.client) {
            Ok(()) => false,
            Err(wait) => {
                let minutes = wait.as_secs().div_ceil(60).max(1).to_string();
                self.say(text::fill(self.t().rate_limited, &[("minutes", &minutes)]));
                true
            }
        }
    }

    /// The "Talk to a person" button.
    pub fn human_choice(&self) -> Choice {
        Choice::new(Action::Human, self.t().talk_to_person)
    }
}

/// `POST /api/sites/{site}/assist`: one step of the conversation.
pub async fn assist(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    KnownSite(site): KnownSite,
    ApiJson(request): ApiJson<AssistRequest>,
) -> Result<Json<AssistReply>, AppError> {
    if request.action.len() > MAX_ACTION_LEN || request.values.len() > 32 {
        return Err(AppError::invalid(
            ErrorCode::BadRequest,
            "action or values too long",
        ));
    }
    let mut session =
        records::load_session(&state.db, &site.id, request.session.as_deref()).await?;
    if session.is_new {
        crate::limits::allow(&state, crate::limits::Write::Session, &site.id, client)
            .map_err(AppError::RateLimited)?;
    }
    // A logged-in customer the store vouches for (this site, this email, not
    // expired) has proven their email: their orders need no lookup. Anything
    // else is logged and ignored, never trusted.
    if let Some(identity) = &request.identity {
        let checked = site.verify_identity(
            &identity.email,
            identity.exp,
            &identity.signature,
            crate::db::now(),
        );
        match checked {
            Ok(()) => {
                if let Ok(email) = aisle_core::order::normalize_email(&identity.email) {
                    session.email = Some(email);
                }
            }
            Err(why) => tracing::warn!(site = site.id, %why, "signed identity ignored"),
        }
    }
    let mut turn = Turn {
        state: &state,
        site: &site,
        client,
        lang: Locale::of(&request.locale),
        reply: AssistReply {
            session: session.token.clone(),
            echo: None,
            said: Vec::new(),
            prompt: None,
        },
        session,
        request: &request,
    };
    turn.session.step(&request.action);
    flows::run(&mut turn).await?;
    records::save_session(&state.db, &site.id, &turn.session).await?;
    Ok(Json(turn.reply))
}
