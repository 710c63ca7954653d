//! The desk: what the agent console reads and does under `/api/agent` (see
//! [`routes`]): the site's return requests and tickets, newest first a page
//! at a time, marking them done, the facts about an order that macros fill
//! in, and the cancel and return requests the merchant's system never
//! received. Its SQL is in [`store`].

pub mod store;

use crate::AppState;
use crate::agents::Agent;
use crate::db::Db;
use crate::db::now;
use crate::error::AppError;
use aisle_core::agent_api::{
    OrderFacts, OrderItemFacts, Parcel, Resent, ReturnItem, ReturnPage, ReturnRequest,
    StoreRequests, Ticket, TicketPage,
};
use aisle_core::api::ErrorCode;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use store::Record;

/// Return requests, tickets, orders and store requests under `/api/agent`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/returns", get(returns))
        .route("/returns/{reference}/done", post(return_done))
        .route("/tickets", get(tickets))
        .route("/tickets/{reference}/done", post(ticket_done))
        .route("/orders/{number}", get(order_facts))
        .route("/store-requests", get(store_requests))
        .route("/store-requests/{id}/retry", post(store_request_retry))
}

/// Records per page of `tickets` and `returns` when the query names no `limit`.
pub const PAGE_DEFAULT: i64 = 50;
/// Most records per page (`?limit=` above it is clamped).
pub const PAGE_MAX: i64 = 200;

/// `?limit=N&before=CURSOR` on `GET /api/agent/tickets` and `/returns`.
#[derive(Debug, Deserialize)]
struct PageQuery {
    limit: Option<String>,
    before: Option<String>,
}

/// One page of a newest-first list: how many, and strictly older than which
/// record (`created_at`, `rowid`).
#[derive(Debug, Clone, Copy)]
struct Page {
    limit: i64,
    before: Option<(i64, i64)>,
}

impl Page {
    /// The page a query asks for; a bad `limit` or `before` is a 400.
    fn from_query(query: Result<Query<PageQuery>, QueryRejection>) -> Result<Page, AppError> {
        let bad = |what: &str| AppError::invalid(ErrorCode::BadRequest, what.to_owned());
        let Query(query) = query.map_err(|_| bad("limit and before are one each"))?;
        let limit = match query.limit.as_deref() {
            None | Some("") => PAGE_DEFAULT,
            Some(n) => n
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| bad("limit is a whole number from 1"))?
                .min(PAGE_MAX),
        };
        let before = match query.before.as_deref() {
            None | Some("") => None,
            Some(cursor) => Some(
                cursor
                    .split_once('.')
                    .and_then(|(at, row)| Some((at.parse().ok()?, row.parse().ok()?)))
                    .ok_or_else(|| bad("before is a cursor from an earlier page's next"))?,
            ),
        };
        Ok(Page { limit, before })
    }

    /// The `next` cursor: `rows` were fetched with one extra row (`limit + 1`),
    /// which is dropped here; `None` on the last page.
    fn next<T>(&self, rows: &mut Vec<T>, key: impl Fn(&T) -> (i64, i64)) -> Option<String> {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        rows.last().filter(|_| more).map(|last| {
            let (at, row) = key(last);
            format!("{at}.{row}")
        })
    }
}

/// `GET /api/agent/returns[?limit=N&before=CURSOR]`: the site's return
/// requests, newest first, a page at a time; `next` is the cursor of the
/// following (older) page, `null` on the last.
async fn returns(
    agent: Agent,
    State(state): State<AppState>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<ReturnPage>, AppError> {
    let page = Page::from_query(query)?;
    let mut rows =
        store::return_requests_page(&state.db, &agent.site, page.before, page.limit + 1).await?;
    let next = page.next(&mut rows, |r| (r.8, r.0));
    let references: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let mut emails = crate::email::status_of(&state.db, &agent.site, &references).await?;
    let returns = rows
        .into_iter()
        .map(
            |(_, reference, order, email, items, reason, comment, status, at)| ReturnRequest {
                email_status: emails.remove(&reference),
                reference,
                order,
                email,
                items: serde_json::from_str::<Vec<ReturnItem>>(&items).ok(),
                reason,
                comment,
                status,
                created_at: at,
            },
        )
        .collect();
    Ok(Json(ReturnPage { returns, next }))
}

/// `GET /api/agent/tickets[?limit=N&before=CURSOR]`: reported issues and
/// messages, newest first, with the self-service steps the shopper took
/// before and the state of the email to the shopper (`email_status`: `null`
/// when the site sends no email, else `{"state": "queued"|"sent"|"failed",
/// "attempts", "error", …}`); paged as [`returns`].
async fn tickets(
    agent: Agent,
    State(state): State<AppState>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Result<Json<TicketPage>, AppError> {
    let page = Page::from_query(query)?;
    let mut rows = store::tickets_page(&state.db, &agent.site, page.before, page.limit + 1).await?;
    let next = page.next(&mut rows, |r| (r.9, r.0));
    let references: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    let mut emails = crate::email::status_of(&state.db, &agent.site, &references).await?;
    let tickets = rows
        .into_iter()
        .map(
            |(_, reference, kind, order, email, issue, body, context, status, at)| Ticket {
                email_status: emails.remove(&reference),
                reference,
                kind,
                order,
                email,
                issue,
                body,
                steps: serde_json::from_str::<Vec<String>>(&context).ok(),
                status,
                created_at: at,
            },
        )
        .collect();
    Ok(Json(TicketPage { tickets, next }))
}

/// Marks `record` `reference` done for the agent's site; 404 when the site
/// has no such record (another site's reference looks the same).
async fn mark_done(
    db: &Db,
    record: Record,
    agent: &Agent,
    reference: &str,
) -> Result<StatusCode, AppError> {
    if !store::mark_done(db, record, &agent.site, reference, agent.id, now()).await? {
        return Err(AppError::NotFound(
            ErrorCode::NotFound,
            "no such reference on this site",
        ));
    }
    let table = record.table();
    tracing::info!(agent = agent.id, table, reference, "marked done");
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/agent/tickets/{reference}/done`: the agent dealt with the ticket.
async fn ticket_done(
    agent: Agent,
    State(state): State<AppState>,
    Path(reference): Path<String>,
) -> Result<StatusCode, AppError> {
    mark_done(&state.db, Record::Ticket, &agent, &reference).await
}

/// `POST /api/agent/returns/{reference}/done`: the agent dealt with the return request.
async fn return_done(
    agent: Agent,
    State(state): State<AppState>,
    Path(reference): Path<String>,
) -> Result<StatusCode, AppError> {
    mark_done(&state.db, Record::Return, &agent, &reference).await
}

/// `GET /api/agent/orders/{number}`: an order of the agent's site as its
/// order source has it now (the store's live data for Shopify and
/// WooCommerce): state, items, tracking and the link to it in the store's
/// admin, which the console shows and its macros fill in
/// (`{{order.tracking_url}}`). 503 when the store cannot be reached.
async fn order_facts(
    agent: Agent,
    State(state): State<AppState>,
    Path(number): Path<u32>,
) -> Result<Json<OrderFacts>, AppError> {
    use crate::stores::OrderSource;
    let site = state.sites.known(&agent.site)?;
    let found = crate::stores::of(&state, &site)
        .for_agent(aisle_core::order::OrderNumber(number))
        .await
        .map_err(|e| AppError::StoreUnavailable(e.to_string()))?;
    let (order, email) = found.ok_or(AppError::NotFound(
        ErrorCode::NotFound,
        "no such order on this site",
    ))?;
    let view = &order.view;
    let shipment = view.shipment.as_ref();
    Ok(Json(OrderFacts {
        number,
        email,
        state: view.state.as_str().to_owned(),
        carrier: shipment.map(|s| s.carrier.clone()),
        tracking_number: shipment.map(|s| s.tracking_number.clone()),
        tracking_url: shipment.map(|s| s.tracking_url.clone()),
        items: view
            .items
            .iter()
            .map(|i| OrderItemFacts {
                title: i.title.clone(),
                quantity: i.quantity,
                final_sale: i.final_sale,
            })
            .collect(),
        tracking: order
            .tracking
            .iter()
            .map(|t| Parcel {
                company: t.company.clone(),
                number: t.number.clone(),
                url: t.url.clone(),
            })
            .collect(),
        admin_url: order.admin_url.clone(),
    }))
}

/// `GET /api/agent/store-requests`: cancel and return requests the
/// merchant's system (order source "push") never received, newest first.
async fn store_requests(
    agent: Agent,
    State(state): State<AppState>,
) -> Result<Json<StoreRequests>, AppError> {
    let requests = crate::stores::push::dead_letters(&state.db, &agent.site).await?;
    Ok(Json(StoreRequests { requests }))
}

/// `POST /api/agent/store-requests/{id}/retry`: sends one again; answers its
/// new status (`done`, `refused`, `processing`, or `failed` with the error).
async fn store_request_retry(
    agent: Agent,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Resent>, AppError> {
    let site = state.sites.known(&agent.site)?;
    crate::stores::push::resend(&state, &site, id)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound(
            ErrorCode::NotFound,
            "no such undelivered request",
        ))
}
