//! The WooCommerce stand-in of the tests as a program, for the Playwright
//! journeys against a WooCommerce-backed site (`tests/e2e/woocommerce.spec.ts`):
//! `woocommerce_standin --listen 127.0.0.1:8183`. It speaks the REST API v3
//! and the Shipment Tracking extension (see `tests/support/woocommerce.rs`)
//! and answers `GET /log` with every call it was asked.

#[path = "../tests/support/woocommerce.rs"]
mod standin;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut listen = "127.0.0.1:8183".to_owned();
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--listen", Some(addr)) => listen = addr,
            _ => {
                eprintln!("usage: woocommerce_standin [--listen ADDR]");
                std::process::exit(2);
            }
        }
    }
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("WooCommerce stand-in on http://{listen}/wp-json/wc/v3");
    standin::start(listener);
    tokio::signal::ctrl_c().await
}
