//! The routes: one handler per page or action. Slow work (checking a form
//! in a child process, typesetting) runs on blocking threads.

use super::store::Upload;
use super::uploads::{ShownUpload, shown};
use super::work;
use super::{App, guard, pages, scoring, uploads};
use crate::render::docs::group_name;
use axum::Router;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

pub(super) type Shared = State<Arc<App>>;

/// Most files of one upload request, each within the campaign's size limit.
pub(super) const FILES_PER_REQUEST: u64 = 16;

pub(super) fn request_limit(app: &App) -> u64 {
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
        .route("/upload", get(uploads::upload_page).post(uploads::upload))
        .route("/unit/{idx}", get(unit_page))
        .route("/unit/{idx}/choose", post(choose))
        .route("/version/{id}", get(version))
        .route("/score", get(scoring::score_page).post(scoring::score))
        .route("/verify", get(verify))
        .route("/tokens", get(tokens))
        .route("/login", get(login_page).post(login))
        .route(
            "/u/{token}",
            get(uploads::own_page).post(uploads::own_upload),
        )
        .route("/static/{name}", get(static_file))
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

pub(super) fn failed_page(e: crate::Error) -> Response {
    pages::message(StatusCode::INTERNAL_SERVER_ERROR, "出错了", &e.to_string())
}

/// Runs `f` on a blocking thread.
pub(super) async fn blocking<T: Send + 'static>(
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

/// Every unit's status, from one read of the database and the manifest;
/// the number of files whose unit is unknown; each unit's counted SHA-256.
type Views = (Vec<UnitView>, usize, HashMap<String, String>);

fn unit_views(app: &App) -> crate::Result<Views> {
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
    let mut counted_sha = HashMap::new();
    let views = l
        .campaign
        .units
        .iter()
        .enumerate()
        .map(|(idx, unit)| {
            let versions = by_unit.get(unit.name.as_str()).cloned().unwrap_or_default();
            let counted = work::counted(&versions, choices.get(&unit.name).copied());
            if let Some(c) = counted {
                counted_sha.insert(unit.name.clone(), c.sha256.clone());
            }
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
    Ok((views, unassigned, counted_sha))
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
    let (units, unassigned, counted) = match unit_views(&app) {
        Ok(v) => v,
        Err(e) => return failed_page(e),
    };
    let strays = match work::strays(&app, &counted) {
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
            strays,
        },
    )
}

pub(super) fn size_text(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / (1 << 20) as f64)
    } else {
        format!("{:.0} KB", (n as f64 / 1024.0).ceil())
    }
}

#[derive(Serialize)]
pub(super) struct FileLink {
    pub(super) path: String,
    pub(super) label: String,
    pub(super) size: String,
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

/// The bundled Chinese fonts, for computers that have none (the pages name
/// the usual system fonts first; the browser fetches these only when it
/// lacks a glyph): served from the binary, nothing from the internet.
async fn static_file(Path(name): Path<String>) -> Response {
    let font = crate::render::embedded::FONTS
        .iter()
        .find(|(n, _)| *n == name && n.starts_with("FandolHei-"));
    match font {
        Some((_, bytes)) => (
            [
                (header::CONTENT_TYPE, "font/otf"),
                (header::CACHE_CONTROL, "public, max-age=604800"),
            ],
            Body::from(*bytes),
        )
            .into_response(),
        None => not_found(),
    }
}

pub(super) fn not_found() -> Response {
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
        let (views, _, _) = unit_views(app)?;
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
pub(super) fn form_value(body: &[u8], key: &str) -> String {
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
        context! { nav => "tokens", tokens => list, host, lan => app.lan },
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
