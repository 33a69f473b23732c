//! The routes: one handler per page or action. Slow work (checking a form
//! in a child process, typesetting) runs on blocking threads.

use super::store::{StoredProblem, Upload};
use super::work::{self, Received, Sender};
use super::{App, guard, pages};
use crate::render::docs::group_name;
use axum::Router;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;

type Shared = State<Arc<App>>;

/// Most files of one upload request, each within the campaign's size limit.
const FILES_PER_REQUEST: u64 = 16;

fn request_limit(app: &App) -> u64 {
    app.loaded.campaign.limits.max_file_bytes * FILES_PER_REQUEST + (1 << 20)
}

pub fn router(app: Arc<App>) -> Router {
    let limit = request_limit(&app) as usize;
    Router::new()
        .route("/", get(overview))
        .route("/downloads", get(downloads))
        .route("/generate", post(generate))
        .route("/files/{*path}", get(output_file))
        .route("/blank/{idx}", get(blank_form))
        .route("/forms.zip", get(forms_zip))
        .route("/upload", get(upload_page).post(upload))
        .route("/unit/{idx}", get(unit_page))
        .route("/unit/{idx}/choose", post(choose))
        .route("/version/{id}", get(version))
        .route("/score", get(score_page).post(score))
        .route("/verify", get(verify))
        .route("/tokens", get(tokens))
        .route("/login", get(login_page).post(login))
        .route("/u/{token}", get(own_page).post(own_upload))
        .fallback(|| async {
            pages::message(
                StatusCode::NOT_FOUND,
                "没有这个页面",
                "地址有误，请从工作台的菜单进入。",
            )
        })
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            guard::check,
        ))
        .with_state(app)
}

fn failed_page(e: crate::Error) -> Response {
    pages::message(StatusCode::INTERNAL_SERVER_ERROR, "出错了", &e.to_string())
}

/// Runs `f` on a blocking thread.
async fn blocking<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&App) -> crate::Result<T> + Send + 'static,
) -> crate::Result<T> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || f(&app))
        .await
        .unwrap_or_else(|e| Err(crate::failed!("内部错误：{e}")))
}

#[derive(Serialize)]
struct UnitView {
    idx: usize,
    name: String,
    group: String,
    date: String,
    time: String,
    status: &'static str,
    status_class: &'static str,
    last: Option<String>,
    versions: usize,
    /// The counted version's number (1-based) among the unit's versions.
    counted: Option<usize>,
}

/// Every unit's status, from one read of the database and the manifest.
fn unit_views(app: &App) -> crate::Result<(Vec<UnitView>, usize)> {
    let (all, choices) = {
        let s = app.store();
        (s.all()?, s.choices()?)
    };
    let scored: HashSet<String> = work::manifest(app)
        .map(|m| m.inputs.into_iter().map(|i| i.sha256).collect())
        .unwrap_or_default();
    let mut by_unit: HashMap<&str, Vec<&Upload>> = HashMap::new();
    let mut unassigned = 0;
    for u in &all {
        match &u.unit {
            Some(n) => by_unit.entry(n).or_default().push(u),
            None => unassigned += 1,
        }
    }
    let l = &app.loaded;
    let views = l
        .campaign
        .units
        .iter()
        .enumerate()
        .map(|(idx, unit)| {
            let versions = by_unit.get(unit.name.as_str()).cloned().unwrap_or_default();
            let counted = work::counted(&versions, choices.get(&unit.name).copied());
            let (status, status_class) = match counted {
                Some(c) if scored.contains(&c.sha256) => ("已评分", "done"),
                Some(_) => ("已交", "in"),
                None if versions.is_empty() => ("未交", "none"),
                None => ("有错误", "err"),
            };
            UnitView {
                idx,
                name: unit.name.clone(),
                group: group_name(l, &unit.rubric),
                date: unit.date.clone(),
                time: unit.time.clone(),
                status,
                status_class,
                last: versions.last().map(|v| pages::local_time(&v.received)),
                versions: versions.len(),
                counted: counted
                    .and_then(|c| versions.iter().position(|v| v.id == c.id).map(|i| i + 1)),
            }
        })
        .collect();
    Ok((views, unassigned))
}

/// Looks at `交回/` again when it changed since the last look.
async fn rescan(app: &Arc<App>) {
    let modified = std::fs::metadata(app.dir.join(work::RETURNED))
        .and_then(|m| m.modified())
        .ok();
    let changed = *app.scanned.lock().expect("scan time") != modified;
    if changed && blocking(app, work::scan_returned).await.is_ok() {
        // The scan itself changes the folder: take the time after it.
        *app.scanned.lock().expect("scan time") = std::fs::metadata(app.dir.join(work::RETURNED))
            .and_then(|m| m.modified())
            .ok();
    }
}

async fn overview(State(app): Shared) -> Response {
    rescan(&app).await;
    let (units, unassigned) = match unit_views(&app) {
        Ok(v) => v,
        Err(e) => return failed_page(e),
    };
    let c = &app.loaded.campaign;
    let mut counts: HashMap<&str, usize> = ["done", "in", "err", "none"]
        .iter()
        .map(|k| (*k, 0))
        .collect();
    for u in &units {
        *counts.entry(u.status_class).or_default() += 1;
    }
    pages::page(
        "overview.html",
        context! {
            nav => "overview",
            name => c.name,
            number => c.notice.number,
            circular_number => c.circular.number,
            period => crate::render::docs::period(c),
            units,
            counts,
            unassigned,
        },
    )
}

fn size_text(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / (1 << 20) as f64)
    } else {
        format!("{:.0} KB", (n as f64 / 1024.0).ceil())
    }
}

#[derive(Serialize)]
struct FileLink {
    path: String,
    label: String,
    size: String,
}

async fn downloads(State(app): Shared) -> Response {
    let manifest = work::manifest(&app).unwrap_or_default();
    let labels = [
        ("notice.pdf", "考核通知（PDF）"),
        ("notice.docx", "考核通知（DOCX）"),
        ("schedule.pdf", "考核时间安排（PDF）"),
        ("schedule.xlsx", "考核时间安排（XLSX）"),
        ("schedule.ics", "考核时间安排（日历 ICS）"),
    ];
    let mut docs: Vec<FileLink> = labels
        .iter()
        .filter_map(|(p, label)| {
            manifest
                .files
                .iter()
                .find(|f| f.path == *p)
                .map(|f| FileLink {
                    path: f.path.clone(),
                    label: label.to_string(),
                    size: size_text(f.size),
                })
        })
        .collect();
    docs.extend(
        manifest
            .files
            .iter()
            .filter(|f| f.path.starts_with("blank/") && f.path.ends_with(".pdf"))
            .map(|f| FileLink {
                path: f.path.clone(),
                label: f.path.trim_start_matches("blank/").to_string(),
                size: size_text(f.size),
            }),
    );
    let units: Vec<_> = {
        let store = app.store();
        app.loaded
            .campaign
            .units
            .iter()
            .enumerate()
            .map(|(idx, u)| {
                context! {
                    idx,
                    name => u.name,
                    file => format!("{}.xlsx", crate::workbook::safe_file_name(&u.name)),
                    token => store.token(&u.name).unwrap_or_default(),
                }
            })
            .collect()
    };
    pages::page(
        "downloads.html",
        context! { nav => "downloads", docs, units },
    )
}

async fn generate(State(app): Shared) -> Response {
    match blocking(&app, work::generate).await {
        Ok(_) => Redirect::to("/downloads").into_response(),
        Err(e) => failed_page(e),
    }
}

/// `attachment; filename*=UTF-8''…` (or inline for PDFs).
fn disposition(name: &str, inline: bool) -> String {
    let enc: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!(
        "{}; filename*=UTF-8''{enc}",
        if inline { "inline" } else { "attachment" }
    )
}

fn content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "ics" => "text/calendar; charset=utf-8",
        "json" => "application/json",
        "zip" => "application/zip",
        "ofd" => "application/ofd",
        _ => "application/octet-stream",
    }
}

fn file_response(name: &str, bytes: Vec<u8>) -> Response {
    let inline = name.to_ascii_lowercase().ends_with(".pdf");
    (
        [
            (header::CONTENT_TYPE, content_type(name).to_string()),
            (header::CONTENT_DISPOSITION, disposition(name, inline)),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        Body::from(bytes),
    )
        .into_response()
}

fn not_found() -> Response {
    pages::message(
        StatusCode::NOT_FOUND,
        "没有这个文件",
        "文件不存在或已被移走。",
    )
}

/// A file of the output folder, only when the manifest lists it.
async fn output_file(State(app): Shared, Path(path): Path<String>) -> Response {
    let listed = work::manifest(&app).is_some_and(|m| m.files.iter().any(|f| f.path == path));
    if !listed || !crate::archive::inside(&path) {
        return not_found();
    }
    match tokio::fs::read(app.out.join(&path)).await {
        Ok(b) => {
            let name = path.rsplit('/').next().unwrap_or(&path).to_string();
            file_response(&name, b)
        }
        Err(_) => not_found(),
    }
}

async fn blank_form(State(app): Shared, Path(idx): Path<usize>) -> Response {
    let Some(u) = app.loaded.campaign.units.get(idx).cloned() else {
        return not_found();
    };
    let name = format!("{}.xlsx", crate::workbook::safe_file_name(&u.name));
    match blocking(&app, move |a| {
        crate::workbook::blank::workbook(&a.loaded, &u)
    })
    .await
    {
        Ok(b) => file_response(&name, b),
        Err(e) => failed_page(e),
    }
}

async fn forms_zip(State(app): Shared) -> Response {
    match blocking(&app, work::forms_zip).await {
        Ok(b) => file_response("空白评分表.zip", b),
        Err(e) => failed_page(e),
    }
}

#[derive(Serialize)]
struct ShownUpload {
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

fn shown(u: &Upload, no: usize, counted: bool) -> ShownUpload {
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

async fn upload_page(State(app): Shared) -> Response {
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

async fn upload(
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

/// The unit's latest result, from `output/results.json`, when the version
/// that counts now is the one that was scored.
fn unit_score(app: &App, unit: &str) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(app.out.join("results.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["units"]
        .as_array()?
        .iter()
        .find(|u| u["unit"] == unit)
        .cloned()
}

async fn unit_page(State(app): Shared, Path(idx): Path<usize>) -> Response {
    let Some(unit) = app.loaded.campaign.units.get(idx) else {
        return not_found();
    };
    unit_view(&app, idx, unit).unwrap_or_else(failed_page)
}

fn unit_view(app: &App, idx: usize, unit: &crate::campaign::Unit) -> crate::Result<Response> {
    {
        let (views, _) = unit_views(app)?;
        let view = &views[idx];
        let (versions, choice) = {
            let s = app.store();
            (s.versions(&unit.name)?, s.choice(&unit.name)?)
        };
        let refs: Vec<&Upload> = versions.iter().collect();
        let counted = work::counted(&refs, choice).map(|c| c.id);
        let chosen = choice.is_some() && counted == choice;
        let shown: Vec<ShownUpload> = versions
            .iter()
            .enumerate()
            .map(|(i, u)| shown(u, i + 1, Some(u.id) == counted))
            .collect();
        let score = if view.status == "已评分" {
            unit_score(app, &unit.name)
        } else {
            None
        };
        Ok(pages::page(
            "unit.html",
            context! {
                nav => "overview",
                unit => view,
                versions => shown,
                counted => view.counted,
                chosen,
                score,
            },
        ))
    }
}

/// The value of `key` in an `application/x-www-form-urlencoded` body.
fn form_value(body: &[u8], key: &str) -> String {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn choose(State(app): Shared, Path(idx): Path<usize>, body: Bytes) -> Response {
    let upload_field = form_value(&body, "upload");
    let Some(unit) = app.loaded.campaign.units.get(idx).map(|u| u.name.clone()) else {
        return not_found();
    };
    let upload = if upload_field.is_empty() {
        None
    } else {
        match upload_field.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => return not_found(),
        }
    };
    let r = blocking(&app, move |a| {
        if let Some(id) = upload {
            let ok = a
                .store()
                .get(id)?
                .is_some_and(|u| u.ok && u.unit.as_deref() == Some(unit.as_str()));
            if !ok {
                return Err(crate::failed!("只能选用本单位无错误的版本"));
            }
        }
        a.store().choose(&unit, upload)?;
        let _files = a.files.lock().expect("files lock");
        work::sync_unit(a, &unit)
    })
    .await;
    match r {
        Ok(()) => Redirect::to(&format!("/unit/{idx}")).into_response(),
        Err(e) => pages::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "不能改用这一版",
            &e.to_string(),
        ),
    }
}

async fn version(State(app): Shared, Path(id): Path<i64>) -> Response {
    let Ok(Some(u)) = app.store().get(id) else {
        return not_found();
    };
    match app.store().read_blob(&u.sha256) {
        Ok(b) => file_response(&u.name, b),
        Err(_) => not_found(),
    }
}

fn score_view(app: &App, error: Option<String>, done: Option<String>) -> minijinja::Value {
    let manifest = work::manifest(app).unwrap_or_default();
    let scored = !manifest.inputs.is_empty();
    let outputs: Vec<FileLink> = if scored {
        manifest
            .files
            .iter()
            .filter(|f| {
                !f.path.starts_with("blank/")
                    && !f.path.starts_with("notice")
                    && !f.path.starts_with("schedule")
                    && !f.path.starts_with("returned/")
            })
            .map(|f| FileLink {
                path: f.path.clone(),
                label: f.path.clone(),
                size: size_text(f.size),
            })
            .collect()
    } else {
        Vec::new()
    };
    let results: Option<serde_json::Value> = std::fs::read_to_string(app.out.join("results.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let mut ranking = Vec::new();
    if scored && let Some(list) = results.as_ref().and_then(|r| r["units"].as_array()) {
        let max = list
            .iter()
            .filter_map(|u| u["score"].as_f64())
            .fold(0.0f64, f64::max)
            .max(1.0);
        let l = &app.loaded;
        for rubric in &l.rubrics {
            let mut group: Vec<&serde_json::Value> = list
                .iter()
                .filter(|u| u["rubric"] == rubric.id.as_str())
                .collect();
            group.sort_by_key(|u| u["rank"].as_u64().unwrap_or(u64::MAX));
            for u in group {
                let score = u["score"].as_f64().unwrap_or(0.0);
                ranking.push(context! {
                    rank => u["rank"].as_u64(),
                    unit => u["unit"].as_str(),
                    group => group_name(l, &rubric.id),
                    score => format!("{score:.2}").trim_end_matches('0').trim_end_matches('.').to_string(),
                    width => format!("{:.1}", score / max * 100.0),
                    grade => u["grade"].as_str(),
                    veto => u["veto"].as_bool(),
                });
            }
        }
    }
    context! { nav => "score", error, done, outputs, ranking }
}

async fn score_page(State(app): Shared) -> Response {
    pages::page("score.html", score_view(&app, None, None))
}

async fn score(State(app): Shared) -> Response {
    match blocking(&app, work::score).await {
        Ok(n) => pages::page(
            "score.html",
            score_view(&app, None, Some(format!("评分完成，写入 {n} 个文件。"))),
        ),
        Err(e) => pages::render(
            StatusCode::UNPROCESSABLE_ENTITY,
            "score.html",
            score_view(&app, Some(e.to_string()), None),
        ),
    }
}

async fn verify(State(app): Shared) -> Response {
    let out = app.out.clone();
    let r = tokio::task::spawn_blocking(move || crate::archive::verify(&out))
        .await
        .unwrap_or_else(|e| Err(crate::failed!("内部错误：{e}")));
    let ctx = match r {
        Ok((m, report)) => context! {
            nav => "verify",
            clean => report.is_clean(),
            count => m.files.len(),
            campaign => m.campaign,
            kaohe => m.kaohe,
            missing => report.missing,
            changed => report.changed,
            extra => report.extra,
            outside => report.outside,
        },
        Err(e) => context! { nav => "verify", error => e.to_string() },
    };
    pages::page("verify.html", ctx)
}

async fn tokens(State(app): Shared, headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    let list: Vec<_> = {
        let store = app.store();
        app.loaded
            .campaign
            .units
            .iter()
            .map(|u| context! { unit => u.name, token => store.token(&u.name).unwrap_or_default() })
            .collect()
    };
    pages::page(
        "tokens.html",
        context! { nav => "tokens", tokens => list, host },
    )
}

async fn login_page(State(app): Shared) -> Response {
    if !app.lan {
        return Redirect::to("/").into_response();
    }
    pages::login(StatusCode::OK, None)
}

async fn login(State(app): Shared, body: Bytes) -> Response {
    let password = form_value(&body, "password");
    let r = blocking(&app, move |a| {
        let hash = a.store().setting(guard::PASSWORD_KEY)?;
        if hash.is_some_and(|h| guard::check_password(&password, &h)) {
            a.store().new_session().map(Some)
        } else {
            Ok(None)
        }
    })
    .await;
    match r {
        Ok(Some(session)) => {
            let mut resp = Redirect::to("/").into_response();
            let cookie = format!(
                "{}={session}; Path=/; HttpOnly; SameSite=Strict",
                guard::COOKIE
            );
            resp.headers_mut()
                .insert(header::SET_COOKIE, cookie.parse().expect("cookie is ASCII"));
            resp
        }
        Ok(None) => pages::login(StatusCode::UNAUTHORIZED, Some("密码不对，请重新输入")),
        Err(e) => failed_page(e),
    }
}

fn token_unit(app: &App, token: &str) -> Option<String> {
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    app.store().token_unit(token).ok().flatten()
}

async fn own_page(State(app): Shared, Path(token): Path<String>) -> Response {
    let Some(unit) = token_unit(&app, &token) else {
        return not_found();
    };
    match upload_view(&app, Some(&unit), &format!("/u/{token}"), &[]) {
        Ok(v) => pages::page("upload.html", v),
        Err(e) => failed_page(e),
    }
}

async fn own_upload(
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
