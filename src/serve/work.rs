//! What the workbench does, without HTTP: take a file in (store, check,
//! record, mirror into `交回/`), say which version counts for each unit,
//! pick up forms dropped into `交回/` by hand, score a snapshot, make the
//! documents to send out.

use super::App;
use super::store::{NewUpload, Store, StoredProblem, Upload};
use crate::archive::Manifest;
use crate::cmd::{self, Ctx};
use crate::error::Result;
use crate::failed;
use crate::workbook::safe_file_name;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The folder the counted versions are mirrored into, inside the campaign folder.
pub const RETURNED: &str = "交回";
/// Extensions of the forms kaohe reads.
const EXTS: [&str; 3] = ["xlsx", "xls", "ods"];

/// Who sent a file.
pub struct Sender<'a> {
    /// The remote address, or `交回/` for a form dropped into the folder.
    pub source: &'a str,
    /// `staff`, `unit` (through a unit's link) or `folder`.
    pub via: &'a str,
    /// The unit whose link was used: the form must be that unit's.
    pub only_unit: Option<&'a str>,
}

/// What happened to one received file.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Received {
    pub id: i64,
    pub name: String,
    pub unit: Option<String>,
    pub ok: bool,
    /// The form belongs to another unit than the link it came through.
    pub foreign: bool,
    pub problems: Vec<StoredProblem>,
}

/// A file name as shown: the last part of what the browser sent, without
/// control characters, at most 120 characters. Never used as a path.
pub fn display_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let s: String = last.chars().filter(|c| !c.is_control()).take(120).collect();
    if s.trim().is_empty() {
        "（无文件名）".into()
    } else {
        s
    }
}

/// The form's extension, from what its bytes are (never from the name alone).
fn kind_of(bytes: &[u8], name: &str) -> &'static str {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        "xls"
    } else if bytes.starts_with(b"PK") && name.to_ascii_lowercase().ends_with(".ods") {
        "ods"
    } else {
        "xlsx"
    }
}

/// Guesses the unit of a form that could not be read from the file's name
/// (the blank forms are named `<单位>.xlsx`).
fn unit_by_name(app: &App, name: &str) -> Option<String> {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    app.loaded
        .campaign
        .units
        .iter()
        .filter(|u| stem.starts_with(safe_file_name(&u.name).as_str()))
        .max_by_key(|u| u.name.len())
        .map(|u| u.name.clone())
}

/// The unit a form that was read but has errors names on its hidden
/// `kaohe` sheet, when that unit is in the campaign. Only for forms the
/// checks already read to their cells (so past the size, zip-bomb and
/// isolation checks); read through ingest's guarded calls into calamine.
fn unit_in_form(app: &App, bytes: &[u8]) -> Option<String> {
    let found = crate::workbook::ingest::meta_unit(bytes, &app.loaded.campaign.limits)?;
    app.loaded.unit(&found).map(|u| u.name.clone())
}

/// Stores, checks and records one file; the file is fsynced and its row
/// committed before this returns. Then mirrors the unit's counted version.
pub fn receive(app: &App, name: &str, bytes: &[u8], from: &Sender) -> Result<Received> {
    let r = record(app, name, bytes, from)?;
    if let Some(u) = &r.unit {
        let _files = app.files.lock().expect("files lock");
        sync_unit(app, u)?;
    }
    Ok(r)
}

/// Stores, checks and records one file, without mirroring.
fn record(app: &App, name: &str, bytes: &[u8], from: &Sender) -> Result<Received> {
    let name = display_name(name);
    let path = {
        let store = app.store();
        store.keep(bytes)?.1
    };
    // The same checks as `kaohe check`: size, zip bomb, extent, isolation.
    let (forms, problems) = cmd::check::read_all(&app.loaded, std::slice::from_ref(&path));
    let mut problems: Vec<StoredProblem> = problems
        .into_iter()
        .map(|p| StoredProblem {
            sheet: p.sheet,
            cell: p.cell,
            message: p.message,
            error: p.error,
        })
        .collect();
    let read_unit = forms.first().map(|f| f.unit.clone());
    let mut ok = read_unit.is_some() && !problems.iter().any(|p| p.error);
    let mut foreign = false;
    let unit = match (from.only_unit, &read_unit) {
        (Some(only), Some(u)) if u != only => {
            foreign = true;
            ok = false;
            problems.insert(
                0,
                StoredProblem {
                    sheet: None,
                    cell: None,
                    message: format!(
                        "这是“{u}”的评分表，通过本单位的链接只能提交“{only}”的评分表，未收取"
                    ),
                    error: true,
                },
            );
            Some(only.to_string())
        }
        (Some(only), _) => Some(only.to_string()),
        (None, Some(u)) => Some(u.clone()),
        (None, None) => problems
            .iter()
            .any(|p| p.cell.is_some())
            .then(|| unit_in_form(app, bytes))
            .flatten()
            .or_else(|| unit_by_name(app, &name)),
    };
    let sha = crate::archive::sha256_hex(bytes);
    let id = app.store().add(&NewUpload {
        sha256: &sha,
        size: bytes.len() as u64,
        name: &name,
        source: from.source,
        via: from.via,
        unit: unit.as_deref(),
        ok,
        problems: &problems,
    })?;
    Ok(Received {
        id,
        name,
        unit,
        ok,
        foreign,
        problems,
    })
}

/// The version that counts: the staff's choice when it is a version of this
/// unit without errors, else the newest without errors.
pub fn counted<'a>(versions: &[&'a Upload], choice: Option<i64>) -> Option<&'a Upload> {
    if let Some(c) = choice
        && let Some(u) = versions.iter().find(|u| u.id == c && u.ok)
    {
        return Some(*u);
    }
    versions.iter().rev().find(|u| u.ok).copied()
}

/// The counted version of one unit.
pub fn counted_of(store: &Store, unit: &str) -> Result<Option<Upload>> {
    let versions = store.versions(unit)?;
    let refs: Vec<&Upload> = versions.iter().collect();
    Ok(counted(&refs, store.choice(unit)?).cloned())
}

fn returned_dir(app: &App) -> PathBuf {
    app.dir.join(RETURNED)
}

/// The name of a unit's counted form in `交回/`.
fn mirror_name(unit: &str, ext: &str) -> String {
    format!("{}.{ext}", safe_file_name(unit))
}

/// The SHA-256 of a file in `交回/`, if it can be read.
fn sha_of(p: &Path) -> Option<String> {
    std::fs::read(p)
        .ok()
        .map(|b| crate::archive::sha256_hex(&b))
}

/// The files a person put into `交回/` by hand that are still there with
/// the content they were picked up with, and that content's version.
fn hand_files(app: &App, unit: Option<&str>) -> Result<Vec<Upload>> {
    let dir = returned_dir(app);
    let all = app.store().folder_files()?;
    Ok(all
        .into_iter()
        .filter(|u| unit.is_none() || u.unit.as_deref() == unit)
        .filter(|u| {
            let name = u.source.trim_start_matches(&format!("{RETURNED}/"));
            dir.join(name).is_file()
        })
        .collect())
}

/// Makes `交回/` hold the unit's counted version exactly once: when a file
/// put there by hand holds it, that file is it; else it is written as
/// `交回/<单位>.xlsx` (or .xls/.ods). The workbench replaces or removes
/// only files it wrote itself (recorded in the database): a file a person
/// put there stays where it is, byte for byte. Called with the files lock
/// held.
pub fn sync_unit(app: &App, unit: &str) -> Result<()> {
    let dir = returned_dir(app);
    std::fs::create_dir_all(&dir).map_err(|e| failed!("{}: 无法创建目录：{e}", dir.display()))?;
    let counted = counted_of(&app.store(), unit)?;
    let by_hand = counted.as_ref().is_some_and(|c| {
        hand_files(app, Some(unit)).is_ok_and(|hs| {
            hs.iter().any(|h| {
                let name = h.source.trim_start_matches(&format!("{RETURNED}/"));
                sha_of(&dir.join(name)).as_deref() == Some(c.sha256.as_str())
            })
        })
    });
    let keep = match &counted {
        Some(c) if !by_hand => {
            let bytes = app.store().read_blob(&c.sha256)?;
            Some((
                mirror_name(unit, kind_of(&bytes, &c.name)),
                c.sha256.clone(),
                bytes,
            ))
        }
        _ => None,
    };
    // The workbench's own earlier copies under the unit's name go.
    for ext in EXTS {
        let name = mirror_name(unit, ext);
        if keep.as_ref().is_some_and(|(k, _, _)| *k == name) {
            continue;
        }
        let p = dir.join(&name);
        if let Some(sha) = sha_of(&p)
            && app.store().is_mirror(&name, &sha)?
        {
            let _ = std::fs::remove_file(&p);
        }
    }
    let Some((name, sha, bytes)) = keep else {
        return Ok(());
    };
    let p = dir.join(&name);
    match sha_of(&p) {
        Some(have) if have == sha => return Ok(()),
        // A person's own file under the unit's name, not the counted
        // version: left alone (the overview lists it).
        Some(have) if !app.store().is_mirror(&name, &have)? => return Ok(()),
        _ => {}
    }
    app.store().add_mirror(&name, &sha)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".kaohe-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| failed!("{}: 无法写入：{e}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, &bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| failed!("{}: 无法写入：{e}", p.display()))?;
    tmp.persist(&p)
        .map_err(|e| failed!("{}: 无法写入：{}", p.display(), e.error))?;
    super::store::sync_dir(&dir);
    Ok(())
}

/// A file put into `交回/` by hand that is not its unit's counted version:
/// `kaohe score 交回` would read it too (and refuse), the workbench does not.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Stray {
    pub name: String,
    pub unit: Option<String>,
    pub why: &'static str,
}

/// The files put into `交回/` by hand that do not count.
pub fn strays(app: &App, counted_sha: &HashMap<String, String>) -> Result<Vec<Stray>> {
    Ok(hand_files(app, None)?
        .into_iter()
        .filter_map(|h| {
            let why = match &h.unit {
                None => "无法确定单位",
                Some(_) if !h.ok => "有错误",
                Some(u) if counted_sha.get(u) != Some(&h.sha256) => "不是计入的版本",
                Some(_) => return None,
            };
            Some(Stray {
                name: h
                    .source
                    .trim_start_matches(&format!("{RETURNED}/"))
                    .to_string(),
                unit: h.unit,
                why,
            })
        })
        .collect())
}

/// Picks up forms put into `交回/` by hand as new versions (files still
/// being written, changed in the last two seconds, wait for the next look).
/// Each is copied into the store and stays where it was put; a file the
/// workbench wrote there itself is not picked up again.
pub fn scan_returned(app: &App) -> Result<usize> {
    let dir = returned_dir(app);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(0);
    };
    let _files = app.files.lock().expect("files lock");
    let mut new = 0;
    let mut touched: Vec<String> = Vec::new();
    for e in entries.flatten() {
        let p = e.path();
        let fname = e.file_name().to_string_lossy().to_string();
        let ext = p
            .extension()
            .and_then(|x| x.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if !p.is_file()
            || !EXTS.contains(&ext.as_str())
            || fname.starts_with("~$")
            || fname.starts_with(".~lock")
            || fname.starts_with('.')
        {
            continue;
        }
        let fresh = e
            .metadata()
            .and_then(|m| m.modified())
            .map(|t| t.elapsed().map_or(true, |d| d.as_secs() < 2))
            .unwrap_or(true);
        if fresh {
            continue;
        }
        let limit = app.loaded.campaign.limits.max_file_bytes;
        if e.metadata().is_ok_and(|m| m.len() > limit) {
            continue;
        }
        let Ok(bytes) = std::fs::read(&p) else {
            continue;
        };
        let sha = crate::archive::sha256_hex(&bytes);
        let source = format!("{RETURNED}/{fname}");
        if app.store().is_mirror(&fname, &sha)? || app.store().has_source(&sha, &source)? {
            continue;
        }
        // `receive` takes the files lock to mirror; this scan holds it, so
        // the file is stored and recorded here directly.
        let from = Sender {
            source: &source,
            via: "folder",
            only_unit: None,
        };
        let r = record(app, &fname, &bytes, &from)?;
        new += 1;
        if let Some(u) = r.unit {
            touched.push(u);
        }
    }
    for u in touched {
        sync_unit(app, &u)?;
    }
    Ok(new)
}

/// A `Ctx` for the campaign folder: its campaign file, `output/` beside it.
pub fn ctx(app: &App) -> Ctx {
    Ctx {
        campaign: Some(app.campaign_file.clone()),
        out: app.out.clone(),
        fonts: app.fonts.clone(),
        quiet: true,
        ..Default::default()
    }
}

/// The manifest of the output folder, if there is one.
pub fn manifest(app: &App) -> Option<Manifest> {
    Manifest::read(&app.out)
}

/// Makes the notice, the schedule and the blank forms into `output/`.
pub fn generate(app: &App) -> Result<usize> {
    let _run = app
        .scoring
        .try_lock()
        .map_err(|_| failed!("另一项生成或评分正在进行，请稍候再试"))?;
    let ctx = ctx(app);
    let l = &app.loaded;
    cmd::schedule::check(l)?;
    let engine = ctx.engine(l)?;
    let (notice, docx) = cmd::notice::job(l, &ctx.docx_options(l)?)?;
    let mut jobs = vec![notice];
    jobs.extend(cmd::blank::table_jobs(l));
    jobs.push(cmd::schedule::job(l));
    let files = |k: &cmd::Sink| -> Result<()> {
        k.extend(docx)?;
        cmd::blank::workbooks(&ctx, l, k)?;
        k.extend(cmd::schedule::files(l)?)
    };
    let written = cmd::write_outputs(&ctx, l, None, |s| {
        cmd::publish(&ctx, &engine, jobs, files, s)
    })?;
    Ok(written.len())
}

/// What a scoring run did.
pub struct Scored {
    /// Units scored and ranked.
    pub units: usize,
    /// Units left out of a partial run (未报送), by name.
    pub missing: Vec<String>,
}

/// Scores the counted version of every unit, as `kaohe score 交回` would
/// (`partial`: of the units that have one, as `kaohe score 交回 --partial`):
/// the versions are taken under the files lock (a consistent snapshot),
/// read and checked again from a private copy, and published under the
/// output folder's lock while uploads go on.
pub fn score(app: &App, partial: bool) -> Result<Scored> {
    let _run = app
        .scoring
        .try_lock()
        .map_err(|_| failed!("另一项生成或评分正在进行，请稍候再试"))?;
    scan_returned(app)?;
    let l = &app.loaded;
    // Each unit's counted version under its name in `交回/`.
    let (snapshot, missing) = {
        let _files = app.files.lock().expect("files lock");
        let dir = returned_dir(app);
        let by_hand: HashMap<String, String> = hand_files(app, None)?
            .into_iter()
            .filter_map(|h| {
                let name = h
                    .source
                    .trim_start_matches(&format!("{RETURNED}/"))
                    .to_string();
                (sha_of(&dir.join(&name))? == h.sha256).then_some((h.sha256, name))
            })
            .collect();
        let store = app.store();
        let all = store.all()?;
        let choices = store.choices()?;
        let mut by_unit: HashMap<&str, Vec<&Upload>> = HashMap::new();
        for u in &all {
            if let Some(unit) = &u.unit {
                by_unit.entry(unit).or_default().push(u);
            }
        }
        let mut missing = Vec::new();
        let mut snap: Vec<(String, Vec<u8>)> = Vec::new();
        for unit in &l.campaign.units {
            let versions = by_unit.get(unit.name.as_str()).cloned().unwrap_or_default();
            match counted(&versions, choices.get(&unit.name).copied()) {
                Some(c) => {
                    let bytes = store.read_blob(&c.sha256)?;
                    let name = by_hand
                        .get(&c.sha256)
                        .cloned()
                        .unwrap_or_else(|| mirror_name(&unit.name, kind_of(&bytes, &c.name)));
                    snap.push((name, bytes));
                }
                None => missing.push(unit.name.clone()),
            }
        }
        if partial && snap.is_empty() {
            return Err(failed!("还没有任何单位交回无错误的评分表，无法暂定评分"));
        }
        if !partial && !missing.is_empty() {
            return Err(failed!(
                "还有 {} 个单位没有无错误的评分表：{}；收齐后才能评分和排名",
                missing.len(),
                missing.join("、")
            ));
        }
        (snap, missing)
    };
    // A private copy, laid out as the campaign folder: read, checked and
    // archived from there while uploads go on.
    let tmp = tempfile::Builder::new()
        .prefix("snapshot-")
        .tempdir_in(app.dir.join(".kaohe"))
        .map_err(|e| failed!("无法创建临时目录：{e}"))?;
    let copy = tmp.path().join(RETURNED);
    std::fs::create_dir_all(&copy).map_err(|e| failed!("{}: 无法创建目录：{e}", copy.display()))?;
    let mut paths = Vec::new();
    for (name, bytes) in &snapshot {
        let p = copy.join(name);
        std::fs::write(&p, bytes).map_err(|e| failed!("{}: 无法写入：{e}", p.display()))?;
        paths.push(p);
    }
    let (mut forms, problems) = cmd::check::read_all(l, &paths);
    if let Some(p) = problems.iter().find(|p| p.error) {
        return Err(failed!("{p}"));
    }
    for f in &mut forms {
        let name = Path::new(&f.file)
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        f.file = format!("{RETURNED}/{name}");
    }
    if partial {
        cmd::score::run_partial(&ctx(app), l, &forms, &[], tmp.path())?;
        return Ok(Scored {
            units: forms.len(),
            missing,
        });
    }
    let units = cmd::score::score_forms(l, &forms)?;
    cmd::score::publish_scores(&ctx(app), l, &forms, &units, &[], tmp.path())?;
    Ok(Scored {
        units: units.len(),
        missing,
    })
}

/// Every unit's blank form in one ZIP, `<单位>.xlsx` each.
pub fn forms_zip(app: &App) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for u in &app.loaded.campaign.units {
        let bytes = crate::workbook::blank::workbook(&app.loaded, u)?;
        zip.start_file(mirror_name(&u.name, "xlsx"), opts)
            .and_then(|_| zip.write_all(&bytes).map_err(Into::into))
            .map_err(|e| failed!("无法生成压缩包：{e}"))?;
    }
    let cur = zip.finish().map_err(|e| failed!("无法生成压缩包：{e}"))?;
    Ok(cur.into_inner())
}
