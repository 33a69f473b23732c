//! The pages: minijinja templates embedded in the binary, HTML-escaped
//! (every name, message and cell text from a file is data, never markup).

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::Environment;
use serde::Serialize;
use std::sync::OnceLock;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("overview.html", include_str!("templates/overview.html")),
    ("downloads.html", include_str!("templates/downloads.html")),
    ("upload.html", include_str!("templates/upload.html")),
    ("unit.html", include_str!("templates/unit.html")),
    ("score.html", include_str!("templates/score.html")),
    ("verify.html", include_str!("templates/verify.html")),
    ("tokens.html", include_str!("templates/tokens.html")),
    ("login.html", include_str!("templates/login.html")),
    ("message.html", include_str!("templates/message.html")),
];

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            env.add_template(name, src)
                .expect("embedded templates parse");
        }
        env
    })
}

/// Renders `name` with `ctx`, with `status`.
pub fn render(status: StatusCode, name: &str, ctx: impl Serialize) -> Response {
    match env().get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Html(format!(
                "<!doctype html><meta charset=utf-8><p>内部错误：页面 {name} 无法生成（{}）</p>",
                html_escape(&e.to_string())
            )),
        )
            .into_response(),
    }
}

pub fn page(name: &str, ctx: impl Serialize) -> Response {
    render(StatusCode::OK, name, ctx)
}

/// A page with one message.
pub fn message(status: StatusCode, title: &str, text: &str) -> Response {
    render(
        status,
        "message.html",
        minijinja::context! { title, text, status => status.as_u16() },
    )
}

pub fn login(status: StatusCode, error: Option<&str>) -> Response {
    render(status, "login.html", minijinja::context! { error })
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A UTC RFC 3339 time as local `YYYY-MM-DD HH:MM:SS`.
pub fn local_time(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| {
            d.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| t.to_string())
}
