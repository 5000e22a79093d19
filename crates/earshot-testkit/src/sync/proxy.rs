//! A loopback proxy in front of a test server that fails chosen requests the way a server in
//! trouble does (a 500 for the second upload, say) without passing them on, and records every
//! request it saw.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::wire::{self, Request, Response};

#[derive(Debug, Clone)]
struct Fault {
    method: String,
    path: String,
    /// Matching requests to pass on before failing.
    pass: usize,
    status: u16,
    /// How many matching requests to fail after those.
    times: usize,
}

/// A proxy; dropped, it stops.
pub struct FaultProxy {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    faults: Arc<Mutex<Vec<Fault>>>,
    task: JoinHandle<()>,
}

impl FaultProxy {
    /// Proxies to `upstream` (`127.0.0.1:port`).
    pub async fn start(upstream: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let faults: Arc<Mutex<Vec<Fault>>> = Arc::default();
        let upstream = upstream.to_string();
        let (seen, rules) = (log.clone(), faults.clone());
        let handler: wire::Handler = Arc::new(move |request: Request| {
            let (seen, rules, upstream) = (seen.clone(), rules.clone(), upstream.clone());
            Box::pin(async move {
                seen.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(format!("{} {}", request.method, request.path()));
                let failed = {
                    let mut rules = rules.lock().unwrap_or_else(PoisonError::into_inner);
                    rules
                        .iter_mut()
                        .find(|f| {
                            f.method == request.method
                                && request.path().starts_with(&f.path)
                                && (f.pass > 0 || f.times > 0)
                        })
                        .and_then(|fault| {
                            if fault.pass > 0 {
                                fault.pass -= 1;
                                None
                            } else {
                                fault.times -= 1;
                                Some(fault.status)
                            }
                        })
                };
                if let Some(status) = failed {
                    return Response::status(status);
                }
                match wire::send(&upstream, &request).await {
                    Ok((status, headers, body)) => Response {
                        status,
                        headers: headers
                            .into_iter()
                            .filter(|(name, _)| {
                                let name = name.to_ascii_lowercase();
                                name == "content-type" || name == "set-cookie"
                            })
                            .collect(),
                        body,
                    },
                    Err(_) => Response::status(502),
                }
            })
        });
        let task = wire::serve(listener, handler);
        Ok(Self {
            addr,
            log,
            faults,
            task,
        })
    }

    /// `http://127.0.0.1:port`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// After passing on `pass` requests of `method` whose path starts with `path`, answers the
    /// next `times` of them with `status` (without passing them on).
    pub fn fail(&self, method: &str, path: &str, pass: usize, times: usize, status: u16) {
        self.faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Fault {
                method: method.to_string(),
                path: path.to_string(),
                pass,
                status,
                times,
            });
    }

    /// Every request seen, as `METHOD /path`, in order.
    pub fn requests(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Forgets the requests seen so far.
    pub fn clear(&self) {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
