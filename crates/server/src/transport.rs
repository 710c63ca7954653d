//! Serving TCP connections with limits an internet-facing server needs:
//! at most [`Network::max_connections`] open at once (further clients wait in
//! the kernel's backlog), a deadline to send each request's headers
//! ([`Network::header_timeout`], which also closes idle keep-alive
//! connections), and an idle timeout on every connection, upgraded
//! WebSockets included ([`Network::idle_timeout`]; the WebSocket heartbeat
//! keeps live sockets busy well within it).
//!
//! This is axum's own `serve` loop (hyper-util's HTTP/1 + HTTP/2 server with
//! upgrades) with those limits added; handlers see the peer as
//! `ConnectInfo<SocketAddr>` as before.

use crate::Network;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// Accepts connections on `listener` and serves `router` on them until
/// `shutdown` is cancelled; then stops accepting and lets open connections
/// finish their requests (WebSockets are closed by their own tasks).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    network: &Network,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(network.max_connections.max(1)));
    let (closing, _) = tokio::sync::watch::channel(());
    let closing = Arc::new(closing);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.map_err(io::Error::other)?,
            () = shutdown.cancelled() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: back off, don't spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        // Chat frames are small writes in quick succession: with Nagle's
        // algorithm a frame can wait for the peer's delayed ACK (40 ms on
        // Linux), which was the p99 of shopper→agent latency under load.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let io = TokioIo::new(IdleTimeout::new(stream, network.idle_timeout));
        let service =
            router
                .clone()
                .map_request(move |mut request: axum::extract::Request<Incoming>| {
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request.map(axum::body::Body::new)
                });
        let service = TowerToHyperService::new(service);
        let header_timeout = network.header_timeout;
        let mut closed = closing.subscribe();
        tokio::spawn(async move {
            let _slot = slot;
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            builder
                .http2()
                .timer(TokioTimer::new())
                .enable_connect_protocol();
            let mut connection =
                std::pin::pin!(builder.serve_connection_with_upgrades(io, service));
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(e) = result {
                            tracing::debug!(error = %e, %peer, "connection ended with an error");
                        }
                        break;
                    }
                    _ = closed.changed() => connection.as_mut().graceful_shutdown(),
                }
            }
        });
    }
    // Tell every connection to finish its request and close.
    let _ = closing.send(());
    Ok(())
}

/// A stream that fails with `TimedOut` after `limit` without any byte read
/// or written.
#[derive(Debug)]
pub struct IdleTimeout<S> {
    inner: S,
    limit: Duration,
    last: Instant,
    timer: Pin<Box<Sleep>>,
}

impl<S> IdleTimeout<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, limit: Duration) -> Self {
        let now = Instant::now();
        IdleTimeout {
            inner,
            limit,
            last: now,
            timer: Box::pin(tokio::time::sleep_until(now + limit)),
        }
    }

    /// Called when the inner stream is not ready: `Err` once idle too long.
    fn check(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        let deadline = self.last + self.limit;
        if self.timer.deadline() != deadline {
            self.timer.as_mut().reset(deadline);
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "connection idle for too long",
            )),
            Poll::Pending => Ok(()),
        }
    }
}

impl<S> IdleTimeout<S> {
    /// What a poll of the inner stream came to: `moved` bytes reset the idle
    /// clock; not ready yet, the clock is checked.
    fn account<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<T>>,
        moved: bool,
    ) -> Poll<io::Result<T>> {
        match poll {
            Poll::Ready(result) => {
                if moved {
                    self.last = Instant::now();
                }
                Poll::Ready(result)
            }
            Poll::Pending => {
                self.check(cx)?;
                Poll::Pending
            }
        }
    }
}

fn wrote(poll: &Poll<io::Result<usize>>) -> bool {
    matches!(poll, Poll::Ready(Ok(n)) if *n > 0)
}

impl AsyncRead for IdleTimeout<TcpStream> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        let moved = buf.filled().len() > before;
        this.account(cx, poll, moved)
    }
}

impl AsyncWrite for IdleTimeout<TcpStream> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        let moved = wrote(&poll);
        this.account(cx, poll, moved)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_flush(cx);
        this.account(cx, poll, false)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        let moved = wrote(&poll);
        this.account(cx, poll, moved)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
