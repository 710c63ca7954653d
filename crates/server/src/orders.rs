//! Order lookup: the only way order data leaves the server.
//!
//! An order is returned only to whoever names both its number and the email it
//! was placed with; a wrong pair is indistinguishable from an unknown order.

use crate::db::Db;
use aisle_core::order::{
    OrderItem, OrderNumber, OrderState, OrderView, Shipment, TrackingEvent, TrackingEventKind,
};

/// The email the demo order `number` of `site` was placed with, if there is one.
pub async fn email_of(db: &Db, site: &str, number: OrderNumber) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT email FROM orders WHERE site_id = $1 AND number = $2")
        .bind(site)
        .bind(i64::from(number.0))
        .fetch_optional(db)
        .await
}

/// Loads the order `number` of `site` if `email` (already normalized) is the one it was placed with.
pub async fn find_for_shopper(
    db: &Db,
    site: &str,
    number: OrderNumber,
    email: &str,
) -> anyhow::Result<Option<OrderView>> {
    type OrderRow = (
        String,
        String,
        i64,
        i64,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let row: Option<OrderRow> = sqlx::query_as(
        "SELECT state, currency, total_minor, placed_at, delivered_at, carrier, tracking_number, \
         tracking_url, estimated_delivery FROM orders WHERE site_id = $1 AND number = $2 AND email = $3",
    )
    .bind(site)
    .bind(i64::from(number.0))
    .bind(email)
    .fetch_optional(db)
    .await?;
    let Some((
        state,
        currency,
        total_minor,
        placed_at,
        delivered_at,
        carrier,
        tracking_number,
        tracking_url,
        eta,
    )) = row
    else {
        return Ok(None);
    };
    let state = OrderState::from_name(&state)
        .ok_or_else(|| anyhow::anyhow!("unknown order state {state:?}"))?;

    let items: Vec<(String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT sku, title, quantity, unit_price_minor, final_sale FROM order_items \
         WHERE site_id = $1 AND order_number = $2 ORDER BY line",
    )
    .bind(site)
    .bind(i64::from(number.0))
    .fetch_all(db)
    .await?;
    let events: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT at, kind, location FROM order_events WHERE site_id = $1 AND order_number = $2 ORDER BY seq",
    )
    .bind(site)
    .bind(i64::from(number.0))
    .fetch_all(db)
    .await?;

    let shipment = match (carrier, tracking_number, tracking_url) {
        (Some(carrier), Some(tracking_number), Some(tracking_url)) => Some(Shipment {
            carrier,
            tracking_number,
            tracking_url,
            estimated_delivery: eta,
        }),
        _ => None,
    };
    let timeline = events
        .into_iter()
        .map(|(at, kind, location)| {
            let kind = TrackingEventKind::from_name(&kind)
                .ok_or_else(|| anyhow::anyhow!("unknown tracking event {kind:?}"))?;
            Ok(TrackingEvent { at, kind, location })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Some(OrderView {
        number,
        state,
        placed_at,
        delivered_at,
        currency,
        total_minor,
        items: items
            .into_iter()
            .map(
                |(sku, title, quantity, unit_price_minor, final_sale)| OrderItem {
                    sku,
                    title,
                    quantity: u32::try_from(quantity).unwrap_or(0),
                    unit_price_minor,
                    final_sale: final_sale != 0,
                },
            )
            .collect(),
        shipment,
        timeline,
    }))
}
