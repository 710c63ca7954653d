//! The Shopify stand-in of the tests as a program, for the Playwright
//! journeys against a Shopify-backed site (`tests/e2e/shopify.spec.ts`):
//! `shopify_standin --listen 127.0.0.1:8182`. It speaks the Admin GraphQL
//! API's documented shapes (see `tests/support/shopify.rs`) and answers
//! `GET /log` with every operation it was asked, with its variables.

#[path = "../tests/support/shopify.rs"]
mod standin;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut listen = "127.0.0.1:8182".to_owned();
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--listen", Some(addr)) => listen = addr,
            _ => {
                eprintln!("usage: shopify_standin [--listen ADDR]");
                std::process::exit(2);
            }
        }
    }
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("Shopify stand-in on http://{listen}{}", standin::API);
    standin::start(listener);
    tokio::signal::ctrl_c().await
}
