//! The WooCommerce stand-in of the tests as a program, for the Playwright
//! journeys against a WooCommerce-backed site (`tests/e2e/woocommerce.spec.ts`):
//! `woocommerce_standin --listen 127.0.0.1:8183`. It speaks the REST API v3
//! and the Shipment Tracking extension (see `tests/support/woocommerce.rs`)
//! and answers `GET /log` with every call it was asked.

#[path = "../tests/support/woocommerce.rs"]
mod standin;

/// The WooCommerce stand-in (REST API v3 and Shipment Tracking) until Ctrl-C.
#[derive(clap::Parser)]
struct Options {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8183")]
    listen: String,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let Options { listen } = clap::Parser::parse();
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("WooCommerce stand-in on http://{listen}/wp-json/wc/v3");
    standin::start(listener);
    tokio::signal::ctrl_c().await
}
