//! Taking files in: the upload page (staff) and a unit's own page
//! (`/u/<token>`), each file read from the request body up to the size
//! limit, checked and committed before the next; what was received shown
//! with its problems as `sheet!cell: message`.

use super::routes::{
    FILES_PER_REQUEST, Shared, blocking, failed_page, not_found, request_limit, size_text,
};
use super::store::{StoredProblem, Upload};
use super::work::{self, Received, Sender};
use super::{App, pages};
use axum::extract::{ConnectInfo, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use minijinja::context;
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Serialize)]
pub(super) struct ShownUpload {
    id: i64,
    no: usize,
    received: String,
    name: String,
    source: String,
    size: String,
    sha256: String,
    unit: Option<String>,
    ok: bool,
    counted: bool,
    problems: Vec<ShownProblem>,
}

#[derive(Serialize)]
struct ShownProblem {
    place: String,
    message: String,
    error: bool,
}

fn shown_problems(p: &[StoredProblem]) -> Vec<ShownProblem> {
    p.iter()
        .map(|p| ShownProblem {
            place: p.place(),
            message: p.message.clone(),
            error: p.error,
        })
        .collect()
}

pub(super) fn shown(u: &Upload, no: usize, counted: bool) -> ShownUpload {
    let source = match u.via.as_str() {
        "folder" => format!("放入{}", u.source),
        "unit" => format!("单位链接，{}", u.source),
        _ => format!("工作台，{}", u.source),
    };
    ShownUpload {
        id: u.id,
        no,
        received: pages::local_time(&u.received),
        name: u.name.clone(),
        source,
        size: size_text(u.size as u64),
        sha256: u.sha256.clone(),
        unit: u.unit.clone(),
        ok: u.ok,
        counted,
        problems: shown_problems(&u.problems),
    }
}

#[derive(Serialize)]
struct ShownReceived {
    name: String,
    unit: Option<String>,
    ok: bool,
    foreign: bool,
    problems: Vec<ShownProblem>,
}

fn shown_received(r: &[Received]) -> Vec<ShownReceived> {
    r.iter()
        .map(|r| ShownReceived {
            name: r.name.clone(),
            unit: r.unit.clone(),
            ok: r.ok,
            foreign: r.foreign,
            problems: shown_problems(&r.problems),
        })
        .collect()
}

fn upload_view(
    app: &App,
    own: Option<&str>,
    action: &str,
    received: &[Received],
) -> crate::Result<minijinja::Value> {
    let list = match own {
        Some(u) => app.store().versions(u)?,
        None => app.store().all()?,
    };
    let recent: Vec<ShownUpload> = list
        .iter()
        .enumerate()
        .rev()
        .take(50)
        .map(|(i, u)| shown(u, i + 1, false))
        .collect();
    Ok(context! {
        nav => "upload",
        own,
        action,
        received => shown_received(received),
        recent,
        max_mb => app.loaded.campaign.limits.max_file_bytes >> 20,
    })
}

pub(super) async fn upload_page(State(app): Shared) -> Response {
    match upload_view(&app, None, "/upload", &[]) {
        Ok(v) => pages::page("upload.html", v),
        Err(e) => failed_page(e),
    }
}

fn too_large(app: &App) -> Response {
    pages::message(
        StatusCode::PAYLOAD_TOO_LARGE,
        "文件太大",
        &format!(
            "上传的文件超过上限：每个文件不超过 {} MB，一次最多 {} 个这样大的文件。请检查是否选错了文件（上限可在考核方案 [limits] max_file_bytes 中调整）。",
            app.loaded.campaign.limits.max_file_bytes >> 20,
            FILES_PER_REQUEST
        ),
    )
}

/// Reads the files of a multipart upload one by one, each checked and
/// committed before the next; 413 as soon as one is over the limit (the
/// rest of the body is not read).
async fn take_files(
    app: &Arc<App>,
    headers: &HeaderMap,
    mut mp: Multipart,
    source: String,
    via: &'static str,
    only_unit: Option<String>,
) -> Result<Vec<Received>, Response> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > request_limit(app)) {
        return Err(too_large(app));
    }
    let limit = app.loaded.campaign.limits.max_file_bytes as usize;
    let mut out = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large(app)),
            Err(e) => {
                return Err(pages::message(
                    StatusCode::BAD_REQUEST,
                    "上传未完成",
                    &format!("上传的数据不完整，请重新上传（{}）", e.body_text()),
                ));
            }
        };
        if field.name() != Some("files") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        let mut field = field;
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(c)) => {
                    if bytes.len() + c.len() > limit {
                        return Err(too_large(app));
                    }
                    bytes.extend_from_slice(&c);
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Err(too_large(app));
                }
                Err(e) => {
                    return Err(pages::message(
                        StatusCode::BAD_REQUEST,
                        "上传未完成",
                        &format!("上传的数据不完整，请重新上传（{}）", e.body_text()),
                    ));
                }
            }
        }
        if name.is_empty() && bytes.is_empty() {
            continue;
        }
        let (source, only) = (source.clone(), only_unit.clone());
        let r = blocking(app, move |a| {
            work::receive(
                a,
                &name,
                &bytes,
                &Sender {
                    source: &source,
                    via,
                    only_unit: only.as_deref(),
                },
            )
        })
        .await
        .map_err(failed_page)?;
        out.push(r);
    }
    Ok(out)
}

pub(super) async fn upload(
    State(app): Shared,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    mp: Multipart,
) -> Response {
    let received = match take_files(&app, &headers, mp, peer.ip().to_string(), "staff", None).await
    {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    match upload_view(&app, None, "/upload", &received) {
        Ok(v) => pages::page("upload.html", v),
        Err(e) => failed_page(e),
    }
}

fn token_unit(app: &App, token: &str) -> Option<String> {
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    app.store().token_unit(token).ok().flatten()
}

pub(super) async fn own_page(State(app): Shared, Path(token): Path<String>) -> Response {
    let Some(unit) = token_unit(&app, &token) else {
        return not_found();
    };
    match upload_view(&app, Some(&unit), &format!("/u/{token}"), &[]) {
        Ok(v) => pages::page("upload.html", v),
        Err(e) => failed_page(e),
    }
}

pub(super) async fn own_upload(
    State(app): Shared,
    Path(token): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    mp: Multipart,
) -> Response {
    let Some(unit) = token_unit(&app, &token) else {
        return not_found();
    };
    let received = match take_files(
        &app,
        &headers,
        mp,
        peer.ip().to_string(),
        "unit",
        Some(unit.clone()),
    )
    .await
    {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let status = if received.iter().any(|r| r.foreign) {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::OK
    };
    match upload_view(&app, Some(&unit), &format!("/u/{token}"), &received) {
        Ok(v) => pages::render(status, "upload.html", v),
        Err(e) => failed_page(e),
    }
}
