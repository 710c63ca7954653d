//! The Shopify stand-in of the tests as a program, for the Playwright
//! journeys against a Shopify-backed site (`tests/e2e/shopify.spec.ts`):
//! `shopify_standin --listen 127.0.0.1:8182`. It speaks the Admin GraphQL
//! API's documented shapes (see `tests/support/shopify.rs`) and answers
//! `GET /log` with every operation it was asked, with its variables.

#[path = "../tests/support/shopify.rs"]
mod standin;

/// The Shopify stand-in (Admin GraphQL API shapes) until Ctrl-C.
#[derive(clap::Parser)]
struct Options {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:8182")]
    listen: String,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let Options { listen } = clap::Parser::parse();
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("Shopify stand-in on http://{listen}{}", standin::API);
    standin::start(listener);
    tokio::signal::ctrl_c().await
}
