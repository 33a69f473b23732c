//! Who may do what. Every request must name this server in its Host header
//! (a page of another site that renames itself to this address, DNS
//! rebinding, gets 421); every request that changes something must come
//! from a page of this server (Origin, else Referer: 403 otherwise). On the
//! LAN the staff pages need the password (a session cookie, HttpOnly and
//! SameSite=Strict); units use their own links `/u/<token>`.

use super::App;
use crate::error::Result;
use crate::failed;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;
use std::sync::Arc;

pub const PASSWORD_KEY: &str = "password_argon2";
pub const COOKIE: &str = "kaohe_session";

pub fn hash_password(pw: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| failed!("无法取得随机数：{e}"))?;
    argon2::hash_encoded(pw.as_bytes(), &salt, &argon2::Config::default())
        .map_err(|e| failed!("无法计算密码摘要：{e}"))
}

pub fn check_password(pw: &str, hash: &str) -> bool {
    argon2::verify_encoded(hash, pw.as_bytes()).unwrap_or(false)
}

/// Whether `host` (the Host header: `name:port`) names this server.
pub fn host_allowed(app: &App, host: &str) -> bool {
    let port = app.addr.port();
    let (name, p) = match host.rsplit_once(':') {
        Some((n, p)) if !n.is_empty() => (n, p.parse::<u16>().ok()),
        _ => (host, None),
    };
    if p != Some(port) {
        return false;
    }
    let name = name.trim_start_matches('[').trim_end_matches(']');
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let Ok(ip) = name.parse::<IpAddr>() else {
        // Any other name could be rebound to this address by a foreign site.
        return false;
    };
    let served = app.addr.ip();
    ip.is_loopback() || ip == served || (served.is_unspecified() && app.lan)
}

/// Whether a state-changing request comes from a page of this server.
fn same_origin(headers: &HeaderMap, host: &str) -> bool {
    let want = format!("http://{host}");
    if let Some(o) = headers.get(header::ORIGIN) {
        return o.to_str().is_ok_and(|o| o == want);
    }
    if let Some(r) = headers.get(header::REFERER) {
        return r
            .to_str()
            .is_ok_and(|r| r == want || r.starts_with(&format!("{want}/")));
    }
    false
}

/// The session cookie's value.
pub fn session_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// Pages anyone may open: the login page, units' own pages, the stylesheet.
fn public(path: &str) -> bool {
    path == "/login" || path.starts_with("/u/") || path.starts_with("/static/")
}

pub fn is_staff(app: &App, headers: &HeaderMap) -> bool {
    !app.lan || session_of(headers).is_some_and(|s| app.store().session_ok(&s).unwrap_or(false))
}

/// The middleware in front of every route.
pub async fn check(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    if !host_allowed(&app, &host) {
        return super::pages::message(
            StatusCode::MISDIRECTED_REQUEST,
            "地址不对",
            "请求的主机名不是本工作台的地址，已拒绝。请用工作台启动时显示的地址访问。",
        );
    }
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD);
    if changes && !same_origin(req.headers(), &host) {
        return super::pages::message(
            StatusCode::FORBIDDEN,
            "来源不对",
            "这个请求不是从本工作台的页面发出的，已拒绝。请在工作台页面上操作。",
        );
    }
    let path = req.uri().path().to_string();
    if !public(&path) && !is_staff(&app, req.headers()) {
        let mut r = super::pages::login(StatusCode::UNAUTHORIZED, None).into_response();
        r.headers_mut()
            .insert(header::CACHE_CONTROL, "no-store".parse().expect("header"));
        return r;
    }
    next.run(req).await
}
