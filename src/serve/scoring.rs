//! The scoring page: 评分 and 暂定评分, every file the run wrote (as the
//! output folder's manifest lists them, so new kinds of output show up by
//! themselves) and the ranking with its bars.

use super::routes::{FileLink, Shared, blocking, form_value, size_text};
use super::{App, pages, work};
use crate::render::docs::group_name;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Serialize;

/// What a file of the output folder is called on the scoring page.
fn output_label(path: &str) -> String {
    let known = [
        ("circular.pdf", "考核结果通报（PDF）"),
        ("circular.docx", "考核结果通报（DOCX，可编辑）"),
        ("circular.ofd", "考核结果通报（OFD）"),
        ("results.xlsx", "评分结果表（XLSX）"),
        ("results.json", "评分结果（JSON，供其他程序读取）"),
        ("self-summary.xlsx", "自评汇总表（XLSX）"),
    ];
    known
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, l)| l.to_string())
        .unwrap_or_else(|| path.rsplit('/').next().unwrap_or(path).to_string())
}

/// The heading of a folder of the output folder on the scoring page.
fn folder_title(folder: &str) -> String {
    match folder {
        "filled" => "各单位评分表存档（filled/）".into(),
        "feedback" => "反馈意见（feedback/，不含分数）".into(),
        "rectify" => "整改清单（rectify/）".into(),
        "assessor" => "考核组评分表（assessor/）".into(),
        "inputs" => "评分所用的交回文件（inputs/）".into(),
        other => format!("{other}/"),
    }
}

#[derive(Serialize)]
struct OutputGroup {
    title: String,
    files: Vec<FileLink>,
}

/// Every file of the output folder a scoring run wrote, as its manifest
/// lists them, grouped by folder: what is there shows, whatever it is.
fn score_outputs(manifest: &crate::archive::Manifest) -> Vec<OutputGroup> {
    // What `生成` (downloads page) makes, and the demo's made-up forms.
    let sent = |p: &str| {
        p.starts_with("blank/")
            || p.starts_with("notice.")
            || p.starts_with("schedule.")
            || p.starts_with("returned/")
    };
    let mut top = OutputGroup {
        title: "结果".into(),
        files: Vec::new(),
    };
    let mut folders: Vec<(String, OutputGroup)> = Vec::new();
    for f in manifest.files.iter().filter(|f| !sent(&f.path)) {
        let link = FileLink {
            path: f.path.clone(),
            label: output_label(&f.path),
            size: size_text(f.size),
        };
        match f.path.split_once('/') {
            None => top.files.push(link),
            Some((folder, _)) => match folders.iter_mut().find(|(n, _)| n == folder) {
                Some((_, g)) => g.files.push(link),
                None => folders.push((
                    folder.to_string(),
                    OutputGroup {
                        title: folder_title(folder),
                        files: vec![link],
                    },
                )),
            },
        }
    }
    // The circular first, then the tables; folders in a fixed order.
    let rank = |p: &str| {
        [
            "circular.pdf",
            "circular.docx",
            "circular.ofd",
            "results.xlsx",
        ]
        .iter()
        .position(|k| *k == p)
        .unwrap_or(9)
    };
    top.files
        .sort_by(|a, b| rank(&a.path).cmp(&rank(&b.path)).then(a.path.cmp(&b.path)));
    let order = ["filled", "feedback", "rectify", "assessor"];
    folders.sort_by_key(|(n, _)| {
        (
            order.iter().position(|o| o == n).unwrap_or(order.len()),
            n.clone(),
        )
    });
    let mut out = Vec::new();
    if !top.files.is_empty() {
        out.push(top);
    }
    out.extend(folders.into_iter().map(|(_, g)| g));
    out
}

fn score_view(app: &App, error: Option<String>, done: Option<String>) -> minijinja::Value {
    let manifest = work::manifest(app).unwrap_or_default();
    let scored = !manifest.inputs.is_empty();
    let outputs = if scored {
        score_outputs(&manifest)
    } else {
        Vec::new()
    };
    let partial = scored && !manifest.files.iter().any(|f| f.path == "circular.pdf");
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
                let Some(score) = u["score"].as_f64() else {
                    // Not in yet (a partial run): listed after the ranked.
                    ranking.push(context! {
                        unit => u["unit"].as_str(),
                        group => group_name(l, &rubric.id),
                        score => "—",
                        width => "0",
                        grade => u["status"].as_str(),
                    });
                    continue;
                };
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
    context! { nav => "score", error, done, outputs, ranking, partial }
}

pub(super) async fn score_page(State(app): Shared) -> Response {
    pages::page("score.html", score_view(&app, None, None))
}

pub(super) async fn score(State(app): Shared, body: Bytes) -> Response {
    let partial = form_value(&body, "mode") == "partial";
    match blocking(&app, move |a| work::score(a, partial)).await {
        Ok(s) => {
            let done = if !partial {
                format!(
                    "评分完成：{} 个单位已评分和排名，考核结果通报已生成。",
                    s.units
                )
            } else if s.missing.is_empty() {
                format!(
                    "暂定评分完成：{} 个单位已评分和排名。所有单位都已交回，按“评分”即可生成考核结果通报。",
                    s.units
                )
            } else {
                format!(
                    "暂定评分完成：{} 个单位已评分和排名；{} 个单位未报送（{}）。暂定评分不生成考核结果通报，收齐后按“评分”。",
                    s.units,
                    s.missing.len(),
                    s.missing.join("、")
                )
            };
            pages::page("score.html", score_view(&app, None, Some(done)))
        }
        Err(e) => pages::render(
            StatusCode::UNPROCESSABLE_ENTITY,
            "score.html",
            score_view(&app, Some(e.to_string()), None),
        ),
    }
}
