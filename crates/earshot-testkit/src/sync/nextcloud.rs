//! A stand-in for Nextcloud with the "gPodder Sync" app (github.com/thrillfall/nextcloud-gpodder)
//! and Nextcloud's Login Flow v2, on 127.0.0.1: Nextcloud itself cannot run here. It follows the
//! app's documented requests and answers (its README) and what its controllers do (read from
//! `lib/Controller/*.php`, `lib/Db/EpisodeAction/EpisodeActionMapper.php` and
//! `lib/Core/EpisodeAction/EpisodeActionSaver.php`):
//!
//! - every app request needs Basic auth (the user name and an app password); no devices;
//! - `GET /index.php/apps/gpoddersync/subscriptions?since=` answers `{add, remove, timestamp}`:
//!   the feeds whose state changed after `since` (one row per feed), `timestamp` being now;
//! - `POST …/subscription_change/create` takes `{add, remove}` and answers `{timestamp}`;
//! - `GET …/episode_action?since=` answers `{actions, timestamp}`: the actions whose own
//!   timestamp is after `since`, with an `id` and the action in capitals;
//! - `POST …/episode_action/create` takes an array of actions and keeps one per episode
//!   (matched by guid, else by media address), the newer upload replacing the older;
//! - `POST /index.php/login/v2` starts a login flow (`{poll: {token, endpoint}, login}`); its
//!   poll endpoint answers 404 until the listener grants access ([`NextcloudServer::grant`]),
//!   then once `{server, loginName, appPassword}`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::wire::{self, Request, Response};

#[derive(Debug, Default)]
struct State {
    base: String,
    user: String,
    app_password: String,
    /// Feed → (subscribed, when it last changed).
    subscriptions: HashMap<String, (bool, i64)>,
    /// One action per episode, in the order first stored.
    actions: Vec<Value>,
    next_id: i64,
    /// Login flow tokens → granted.
    flows: HashMap<String, bool>,
    requests: Vec<String>,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The action's own time, as the app's saver converts it (`YYYY-MM-DDTHH:MM:SS`, UTC).
fn action_epoch(action: &Value) -> i64 {
    let Some(text) = action.get("timestamp").and_then(Value::as_str) else {
        return 0;
    };
    let digits: Vec<i64> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .take(6)
        .filter_map(|p| p.parse().ok())
        .collect();
    let [y, mo, d, h, mi, s] = digits[..] else {
        return 0;
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + h * 3600 + mi * 60 + s
}

fn handle(state: &Mutex<State>, request: &Request) -> Response {
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    state
        .requests
        .push(format!("{} {}", request.method, request.path()));
    let path = request.path().trim_end_matches('/');
    // Login Flow v2 needs no credentials.
    if request.method == "POST" && path == "/index.php/login/v2" {
        state.next_id += 1;
        let token = format!("token-{}-{}", state.next_id, now());
        state.flows.insert(token.clone(), false);
        return Response::json(
            200,
            &json!({
                "poll": { "token": token, "endpoint": format!("{}/index.php/login/v2/poll", state.base) },
                "login": format!("{}/index.php/login/v2/flow/{token}", state.base),
            }),
        );
    }
    if request.method == "POST" && path == "/index.php/login/v2/poll" {
        let body = String::from_utf8_lossy(&request.body).to_string();
        let token = body
            .split('&')
            .find_map(|pair| pair.strip_prefix("token="))
            .unwrap_or_default()
            .to_string();
        return match state.flows.get(&token) {
            Some(true) => {
                state.flows.remove(&token);
                Response::json(
                    200,
                    &json!({
                        "server": state.base,
                        "loginName": state.user,
                        "appPassword": state.app_password,
                    }),
                )
            }
            _ => Response::status(404),
        };
    }
    let authorized = request
        .basic_auth()
        .is_some_and(|(user, password)| user == state.user && password == state.app_password);
    if !authorized {
        return Response {
            status: 401,
            headers: vec![(
                "WWW-Authenticate".into(),
                "Basic realm=\"Nextcloud\"".into(),
            )],
            body: Vec::new(),
        };
    }
    let since: i64 = request
        .query("since")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    match (request.method.as_str(), path) {
        ("GET", "/index.php/apps/gpoddersync/subscriptions") => {
            let changed = |subscribed: bool| -> Vec<&String> {
                state
                    .subscriptions
                    .iter()
                    .filter(|(_, (on, at))| *on == subscribed && *at > since)
                    .map(|(url, _)| url)
                    .collect()
            };
            Response::json(
                200,
                &json!({ "add": changed(true), "remove": changed(false), "timestamp": now() }),
            )
        }
        ("POST", "/index.php/apps/gpoddersync/subscription_change/create") => {
            let at = now();
            for (key, subscribed) in [("add", true), ("remove", false)] {
                for url in body
                    .get(key)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    state
                        .subscriptions
                        .insert(url.to_string(), (subscribed, at));
                }
            }
            Response::json(200, &json!({ "timestamp": at }))
        }
        ("GET", "/index.php/apps/gpoddersync/episode_action") => {
            let actions: Vec<&Value> = state
                .actions
                .iter()
                .filter(|a| action_epoch(a) > since)
                .collect();
            Response::json(200, &json!({ "actions": actions, "timestamp": now() }))
        }
        ("POST", "/index.php/apps/gpoddersync/episode_action/create") => {
            let Some(list) = body.as_array() else {
                return Response::status(400);
            };
            for action in list {
                let mut stored = action.clone();
                if let Some(name) = stored.get("action").and_then(Value::as_str) {
                    stored["action"] = json!(name.to_ascii_uppercase());
                }
                for field in ["started", "position", "total"] {
                    if stored.get(field).is_none_or(Value::is_null) {
                        stored[field] = json!(-1);
                    }
                }
                let guid = action
                    .get("guid")
                    .and_then(Value::as_str)
                    .filter(|g| !g.is_empty());
                let episode = action.get("episode").and_then(Value::as_str);
                let existing = state.actions.iter().position(|a| {
                    (guid.is_some() && a.get("guid").and_then(Value::as_str) == guid)
                        || a.get("episode").and_then(Value::as_str) == episode
                });
                match existing {
                    Some(index) => {
                        let id = state.actions[index]["id"].clone();
                        stored["id"] = id;
                        state.actions[index] = stored;
                    }
                    None => {
                        state.next_id += 1;
                        stored["id"] = json!(state.next_id);
                        state.actions.push(stored);
                    }
                }
            }
            Response::json(200, &json!({ "timestamp": now() }))
        }
        _ => Response::status(404),
    }
}

/// The stand-in; dropped, it stops.
pub struct NextcloudServer {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

impl NextcloudServer {
    /// A Nextcloud whose one user is `user` with the app password `app_password`.
    pub async fn start(user: &str, app_password: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State {
            base: format!("http://{addr}"),
            user: user.to_string(),
            app_password: app_password.to_string(),
            ..State::default()
        }));
        let shared = state.clone();
        let handler: wire::Handler = Arc::new(move |request: Request| {
            let response = handle(&shared, &request);
            Box::pin(async move { response })
        });
        let task = wire::serve(listener, handler);
        Ok(Self { addr, state, task })
    }

    /// `http://127.0.0.1:port`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The listener grants access in the browser to every login flow started so far.
    pub fn grant(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        for granted in state.flows.values_mut() {
            *granted = true;
        }
    }

    /// Every request seen, as `METHOD /path`.
    pub fn requests(&self) -> Vec<String> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .requests
            .clone()
    }

    /// The feeds the account follows now, sorted.
    pub fn subscriptions(&self) -> Vec<String> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut urls: Vec<String> = state
            .subscriptions
            .iter()
            .filter(|(_, (on, _))| *on)
            .map(|(url, _)| url.clone())
            .collect();
        urls.sort();
        urls
    }

    /// The episode actions kept (one per episode).
    pub fn actions(&self) -> Vec<Value> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .actions
            .clone()
    }
}

impl Drop for NextcloudServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_times_are_read_as_utc() {
        assert_eq!(
            action_epoch(&json!({ "timestamp": "2009-12-12T09:00:00" })),
            1_260_608_400
        );
        assert_eq!(action_epoch(&json!({})), 0);
    }
}
