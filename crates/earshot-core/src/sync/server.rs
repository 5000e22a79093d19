//! The two sync APIs on the wire: gpodder.net's (Basic auth once for a session cookie, a
//! registered device, per-device subscription deltas, account-wide episode actions) and Nextcloud gPodder Sync's (Basic auth with an app password
//! on every request, no devices), and Nextcloud's Login Flow v2. Every failure becomes a
//! [`SyncProblem`] in words; the password and the cookie never reach a log line.

use std::sync::{Mutex, PoisonError};

use reqwest::{Method, RequestBuilder, StatusCode};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::model::{
    NextcloudGrant, NextcloudLoginFlow, SyncAccount, SyncKind, SyncProblem, SyncProblemKind,
};

/// The gpodder session cookie's name.
const SESSION_COOKIE: &str = "sessionid";

/// An episode action as both APIs write it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct OutgoingAction {
    pub podcast: String,
    pub episode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    pub action: &'static str,
    pub timestamp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// An episode action as the server gives it back (fields it may leave out are optional).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct IncomingAction {
    pub podcast: String,
    pub episode: String,
    #[serde(default)]
    pub guid: Option<String>,
    #[serde(default)]
    pub device: Option<String>,
    pub action: String,
    #[serde(default)]
    pub timestamp: Option<String>,
    #[serde(default)]
    pub position: Option<f64>,
    #[serde(default)]
    pub total: Option<f64>,
}

/// The account's subscription changes since a time, and the time to ask from next.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub(crate) struct SubscriptionChanges {
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
    pub timestamp: i64,
}

/// The account's episode actions since a time.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub(crate) struct EpisodeActions {
    #[serde(default)]
    pub actions: Vec<IncomingAction>,
    pub timestamp: i64,
}

/// What an upload answers: the feed addresses the server rewrote (old → new).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub(crate) struct Uploaded {
    #[serde(default)]
    pub update_urls: Vec<(String, String)>,
}

#[derive(Serialize)]
struct SubscriptionUpload<'a> {
    add: &'a [String],
    remove: &'a [String],
}

/// One signed-in conversation with the account's server.
pub(crate) struct Remote<'a> {
    pub http: &'a reqwest::Client,
    pub account: &'a SyncAccount,
    pub password: &'a str,
    /// The gpodder session cookie, kept between syncs of this run (never stored).
    pub cookie: &'a Mutex<Option<String>>,
}

pub(crate) type Answer<T> = Result<T, SyncProblem>;

fn problem(kind: SyncProblemKind, message: impl Into<String>) -> SyncProblem {
    SyncProblem {
        kind,
        message: message.into(),
    }
}

/// A server address as typed (`cloud.example.org`, `https://host/nextcloud/`) made a base URL.
pub(crate) fn base_url(server: &str) -> Answer<Url> {
    let trimmed = server.trim().trim_end_matches('/');
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    Url::parse(&with_scheme)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| {
            problem(
                SyncProblemKind::Unreachable,
                format!("“{server}” is not a server address"),
            )
        })
}

/// `base` with these path segments added (each percent-encoded as needed).
fn endpoint(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

fn unreachable(error: reqwest::Error) -> SyncProblem {
    let detail = if error.is_timeout() {
        "it did not answer in time".to_string()
    } else if error.is_connect() {
        "the connection was refused or the address is unknown".to_string()
    } else {
        // Without the URL: it could carry the user name.
        error.without_url().to_string()
    };
    problem(
        SyncProblemKind::Unreachable,
        format!("the server could not be reached ({detail})"),
    )
}

fn refused(status: StatusCode) -> SyncProblem {
    problem(
        SyncProblemKind::PasswordRefused,
        format!(
            "the server refused the password ({} {})",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        ),
    )
}

fn server_error(status: StatusCode, what: &str) -> SyncProblem {
    problem(
        SyncProblemKind::ServerError,
        format!(
            "the server answered “{} {}” to {what}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        ),
    )
}

fn unreadable(what: &str, error: impl std::fmt::Display) -> SyncProblem {
    problem(
        SyncProblemKind::BadAnswer,
        format!("the server's answer to {what} could not be read ({error})"),
    )
}

impl Remote<'_> {
    fn base(&self) -> Answer<Url> {
        base_url(&self.account.server)
    }

    fn session(&self) -> Option<String> {
        self.cookie
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_session(&self, cookie: Option<String>) {
        *self.cookie.lock().unwrap_or_else(PoisonError::into_inner) = cookie;
    }

    /// Signs in: gpodder's login (for its session cookie) and this device's registration, or
    /// one cheap request to Nextcloud that the password must pass.
    pub(crate) async fn sign_in(&self) -> Answer<()> {
        match self.account.kind {
            SyncKind::Gpodder => {
                self.login().await?;
                self.register_device().await
            }
            SyncKind::Nextcloud => {
                let since = chrono::Utc::now().timestamp();
                self.subscription_changes(&self.account.device, since)
                    .await
                    .map(|_| ())
            }
        }
    }

    /// gpodder's `POST /api/2/auth/{user}/login.json` with Basic auth; keeps the cookie.
    async fn login(&self) -> Answer<()> {
        let url = endpoint(
            &self.base()?,
            &["api", "2", "auth", &self.account.user, "login.json"],
        );
        let response = self
            .http
            .post(url)
            .basic_auth(&self.account.user, Some(self.password))
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            self.set_session(None);
            return Err(refused(status));
        }
        if !status.is_success() {
            return Err(server_error(status, "the sign-in"));
        }
        let cookie = response
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .find(|pair| pair.trim_start().starts_with(&format!("{SESSION_COOKIE}=")))
            .map(|pair| pair.trim().to_string());
        self.set_session(cookie);
        Ok(())
    }

    /// A request with the account's credentials: gpodder's session cookie when there is one
    /// (a server checks a cookie far faster than a password), Basic auth otherwise.
    fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let request = self
            .http
            .request(method, url)
            .header(reqwest::header::ACCEPT, "application/json");
        match (self.account.kind, self.session()) {
            (SyncKind::Gpodder, Some(cookie)) => request.header(reqwest::header::COOKIE, cookie),
            _ => request.basic_auth(&self.account.user, Some(self.password)),
        }
    }

    /// Sends a request built by `build`, signing in again once when a gpodder session expired.
    async fn send(
        &self,
        what: &str,
        build: impl Fn() -> Answer<RequestBuilder>,
    ) -> Answer<reqwest::Response> {
        if self.account.kind == SyncKind::Gpodder && self.session().is_none() {
            self.login().await?;
        }
        let mut retried = false;
        loop {
            let response = build()?.send().await.map_err(unreachable)?;
            let status = response.status();
            if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
                if self.account.kind == SyncKind::Gpodder && !retried {
                    retried = true;
                    self.set_session(None);
                    self.login().await?;
                    continue;
                }
                return Err(refused(status));
            }
            if !status.is_success() {
                return Err(server_error(status, what));
            }
            return Ok(response);
        }
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        build: impl Fn() -> Answer<RequestBuilder>,
    ) -> Answer<T> {
        let response = self.send(what, build).await?;
        let body = response.bytes().await.map_err(unreachable)?;
        serde_json::from_slice(&body).map_err(|e| unreadable(what, e))
    }

    /// gpodder's device registration (`POST /api/2/devices/{user}/{device}.json`).
    async fn register_device(&self) -> Answer<()> {
        let url = endpoint(
            &self.base()?,
            &[
                "api",
                "2",
                "devices",
                &self.account.user,
                &format!("{}.json", self.account.device),
            ],
        );
        let caption = format!("Earshot on {}", self.account.device);
        self.send("the device registration", || {
            Ok(with_json(
                self.request(Method::POST, url.clone()),
                &serde_json::json!({ "caption": caption, "type": "desktop" }),
            ))
        })
        .await
        .map(|_| ())
    }

    /// The ids of the account's devices (`GET /api/2/devices/{user}.json`).
    pub(crate) async fn devices(&self) -> Answer<Vec<String>> {
        #[derive(Deserialize)]
        struct Device {
            id: String,
        }
        let url = endpoint(
            &self.base()?,
            &[
                "api",
                "2",
                "devices",
                &format!("{}.json", self.account.user),
            ],
        );
        let devices: Vec<Device> = self
            .json("the device list", || {
                Ok(self.request(Method::GET, url.clone()))
            })
            .await?;
        Ok(devices.into_iter().map(|d| d.id).collect())
    }

    /// The subscription list of `device` (gpodder; Nextcloud has one list).
    fn subscriptions_url(&self, device: &str) -> Answer<Url> {
        let base = self.base()?;
        Ok(match self.account.kind {
            SyncKind::Gpodder => endpoint(
                &base,
                &[
                    "api",
                    "2",
                    "subscriptions",
                    &self.account.user,
                    &format!("{device}.json"),
                ],
            ),
            SyncKind::Nextcloud => endpoint(
                &base,
                &["index.php", "apps", "gpoddersync", "subscriptions"],
            ),
        })
    }

    fn actions_url(&self) -> Answer<Url> {
        let base = self.base()?;
        Ok(match self.account.kind {
            SyncKind::Gpodder => endpoint(
                &base,
                &[
                    "api",
                    "2",
                    "episodes",
                    &format!("{}.json", self.account.user),
                ],
            ),
            SyncKind::Nextcloud => endpoint(
                &base,
                &["index.php", "apps", "gpoddersync", "episode_action"],
            ),
        })
    }

    /// The subscription changes of `device` (Nextcloud: of the account) since `since` (0:
    /// everything).
    pub(crate) async fn subscription_changes(
        &self,
        device: &str,
        since: i64,
    ) -> Answer<SubscriptionChanges> {
        let mut url = self.subscriptions_url(device)?;
        url.query_pairs_mut()
            .append_pair("since", &since.max(0).to_string());
        self.json("the subscription changes", || {
            Ok(self.request(Method::GET, url.clone()))
        })
        .await
    }

    /// Sends subscription changes made here.
    pub(crate) async fn upload_subscriptions(
        &self,
        add: &[String],
        remove: &[String],
    ) -> Answer<Uploaded> {
        let url = match self.account.kind {
            SyncKind::Gpodder => self.subscriptions_url(&self.account.device)?,
            SyncKind::Nextcloud => endpoint(
                &self.base()?,
                &[
                    "index.php",
                    "apps",
                    "gpoddersync",
                    "subscription_change",
                    "create",
                ],
            ),
        };
        let body = SubscriptionUpload { add, remove };
        let response = self
            .send("the subscription upload", || {
                Ok(with_json(self.request(Method::POST, url.clone()), &body))
            })
            .await?;
        uploaded(response, "the subscription upload").await
    }

    /// The account's episode actions since `since` (0: all of them), every device's.
    pub(crate) async fn episode_actions(&self, since: i64) -> Answer<EpisodeActions> {
        let mut url = self.actions_url()?;
        url.query_pairs_mut()
            .append_pair("since", &since.max(0).to_string());
        self.json("the episode actions", || {
            Ok(self.request(Method::GET, url.clone()))
        })
        .await
    }

    /// Sends one batch of episode actions.
    pub(crate) async fn upload_actions(&self, actions: &[OutgoingAction]) -> Answer<Uploaded> {
        let url = match self.account.kind {
            SyncKind::Gpodder => self.actions_url()?,
            SyncKind::Nextcloud => endpoint(
                &self.base()?,
                &[
                    "index.php",
                    "apps",
                    "gpoddersync",
                    "episode_action",
                    "create",
                ],
            ),
        };
        let body = serde_json::to_vec(actions).map_err(|e| unreadable("the upload", e))?;
        let response = self
            .send("the episode action upload", || {
                Ok(self
                    .request(Method::POST, url.clone())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone()))
            })
            .await?;
        uploaded(response, "the episode action upload").await
    }
}

/// `request` with `body` as its JSON.
fn with_json(request: RequestBuilder, body: &impl Serialize) -> RequestBuilder {
    request
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(body).unwrap_or_default())
}

/// An upload's answer; an empty one (older Nextcloud apps answer nothing) rewrote nothing.
async fn uploaded(response: reqwest::Response, what: &str) -> Answer<Uploaded> {
    let body = response.bytes().await.map_err(unreachable)?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Uploaded::default());
    }
    #[derive(Deserialize)]
    struct Raw {
        #[serde(default)]
        update_urls: Vec<Vec<String>>,
    }
    let raw: Raw = serde_json::from_slice(&body).map_err(|e| unreadable(what, e))?;
    Ok(Uploaded {
        update_urls: raw
            .update_urls
            .into_iter()
            .filter_map(|pair| match pair.as_slice() {
                [old, new] if !new.is_empty() && old != new => Some((old.clone(), new.clone())),
                _ => None,
            })
            .collect(),
    })
}

/// Nextcloud Login Flow v2, first request: `POST {server}/index.php/login/v2`.
pub(crate) async fn login_flow_start(
    http: &reqwest::Client,
    server: &str,
) -> Answer<NextcloudLoginFlow> {
    #[derive(Deserialize)]
    struct Poll {
        token: String,
        endpoint: String,
    }
    #[derive(Deserialize)]
    struct Started {
        poll: Poll,
        login: String,
    }
    let url = endpoint(&base_url(server)?, &["index.php", "login", "v2"]);
    let response = http.post(url).send().await.map_err(unreachable)?;
    let status = response.status();
    if !status.is_success() {
        return Err(server_error(status, "the sign-in request"));
    }
    let body = response.bytes().await.map_err(unreachable)?;
    let started: Started =
        serde_json::from_slice(&body).map_err(|e| unreadable("the sign-in request", e))?;
    Ok(NextcloudLoginFlow {
        login_url: started.login,
        poll_endpoint: started.poll.endpoint,
        poll_token: started.poll.token,
    })
}

/// Nextcloud Login Flow v2, the poll: `POST {endpoint}` with `token=…`. None while the listener
/// has not granted access yet (Nextcloud answers 404 until then).
pub(crate) async fn login_flow_poll(
    http: &reqwest::Client,
    flow: &NextcloudLoginFlow,
) -> Answer<Option<NextcloudGrant>> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Granted {
        server: String,
        login_name: String,
        app_password: String,
    }
    let url = Url::parse(&flow.poll_endpoint)
        .map_err(|e| unreadable("the sign-in request", format!("poll address: {e}")))?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("token", &flow.poll_token)
        .finish();
    let response = http
        .post(url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status();
    if status == StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(server_error(status, "the sign-in poll"));
    }
    let body = response.bytes().await.map_err(unreachable)?;
    let granted: Granted =
        serde_json::from_slice(&body).map_err(|e| unreadable("the sign-in poll", e))?;
    Ok(Some(NextcloudGrant {
        server: granted.server,
        login_name: granted.login_name,
        app_password: granted.app_password,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_server_address_becomes_a_base() {
        assert_eq!(
            base_url("cloud.example.org/").unwrap().as_str(),
            "https://cloud.example.org/"
        );
        let sub = base_url("http://host:8080/nextcloud/").unwrap();
        assert_eq!(
            endpoint(&sub, &["index.php", "login", "v2"]).as_str(),
            "http://host:8080/nextcloud/index.php/login/v2"
        );
        assert!(base_url("ftp://x").is_err());
        assert!(base_url("").is_err());
    }

    #[test]
    fn user_names_are_escaped_in_paths() {
        let base = base_url("http://h").unwrap();
        assert_eq!(
            endpoint(&base, &["api", "2", "episodes", "a b/c.json"]).as_str(),
            "http://h/api/2/episodes/a%20b%2Fc.json"
        );
    }

    #[test]
    fn actions_are_written_as_the_api_reads_them() {
        let action = OutgoingAction {
            podcast: "http://example.com/feed.rss".into(),
            episode: "http://example.com/files/s01e20.mp3".into(),
            guid: Some("s01e20-example-org".into()),
            device: None,
            action: "play",
            timestamp: "2009-12-12T09:00:00".into(),
            started: Some(15),
            position: Some(120),
            total: Some(500),
        };
        assert_eq!(
            serde_json::to_value(&action).unwrap(),
            serde_json::json!({
                "podcast": "http://example.com/feed.rss",
                "episode": "http://example.com/files/s01e20.mp3",
                "guid": "s01e20-example-org",
                "action": "play",
                "timestamp": "2009-12-12T09:00:00",
                "started": 15, "position": 120, "total": 500
            })
        );
        // Nextcloud's documented answer, with its `id` and upper-case action.
        let back: EpisodeActions = serde_json::from_str(
            r#"{"actions":[{"id":54,"podcast":"http://example.com/feed.rss",
                "episode":"http://example.com/files/s01e20.mp3","guid":"s01e20-example-org",
                "action":"PLAY","timestamp":"2009-12-12T09:00:00","started":15,"position":120,
                "total":500}],"timestamp":12345}"#,
        )
        .unwrap();
        assert_eq!(back.actions[0].position, Some(120.0));
        assert_eq!(back.timestamp, 12345);
    }
}
