//! The campaign folder an office owns: `kaohe.toml` with its rubrics and
//! prose templates. Every command finds it the way cargo finds Cargo.toml,
//! in the current folder or the nearest parent; `kaohe init` makes one.

use crate::assets;
use crate::campaign::{self, Loaded};
use crate::config_err;
use crate::error::{Error, Result, os, printable};
use std::path::{Path, PathBuf};

/// The campaign file a folder is found by.
pub const CAMPAIGN_FILE: &str = "kaohe.toml";
/// Where returned forms go by convention, inside the campaign folder.
pub const RETURNED_DIR: &str = "交回";
/// The outputs' folder, inside the campaign folder.
pub const OUTPUT_DIR: &str = "output";

/// `kaohe.toml` in `start` or the nearest parent folder.
pub fn find(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(CAMPAIGN_FILE))
        .find(|f| f.is_file())
}

/// Where a command's campaign and outputs are.
#[derive(Clone, Debug)]
pub struct Located {
    /// The campaign file; `None` only for commands that may use the
    /// built-in example (`demo`).
    pub campaign: Option<PathBuf>,
    pub out: PathBuf,
}

/// The campaign and output folder of a command: `--campaign FILE` (outputs
/// in `./output` unless `--out`), else the `kaohe.toml` found from the
/// current folder upwards (outputs in its folder's `output/`). Outside a
/// campaign folder a command that needs one stops with exit code 2; the
/// built-in example is never used silently.
pub fn locate(
    campaign: Option<PathBuf>,
    out: Option<PathBuf>,
    needs_campaign: bool,
) -> Result<Located> {
    if let Some(file) = campaign {
        return Ok(Located {
            campaign: Some(file),
            out: out.unwrap_or_else(|| PathBuf::from(OUTPUT_DIR)),
        });
    }
    if !needs_campaign {
        return Ok(Located {
            campaign: None,
            out: out.unwrap_or_else(|| PathBuf::from(OUTPUT_DIR)),
        });
    }
    let cwd = std::env::current_dir().map_err(|e| config_err!("无法确定当前文件夹：{}", os(&e)))?;
    match find(&cwd) {
        Some(file) => {
            let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
            Ok(Located {
                campaign: Some(file),
                out: out.unwrap_or_else(|| dir.join(OUTPUT_DIR)),
            })
        }
        None => Err(not_in_campaign(&cwd)),
    }
}

/// The error of a command run outside any campaign folder.
pub fn not_in_campaign(cwd: &Path) -> Error {
    config_err!(
        "当前文件夹（{}）及其上级文件夹中都没有考核方案 {CAMPAIGN_FILE}",
        printable(&cwd.display().to_string())
    )
    .hint(format!(
        "请先运行 kaohe init 文件夹名 创建考核文件夹，再到该文件夹（或其中的 {RETURNED_DIR}/）中运行；或用 --campaign 文件 指明考核方案"
    ))
}

/// Refuses to write into an output folder that another campaign's run made
/// (its `manifest.json` names a different campaign id).
pub fn check_output_owner(out: &Path, l: &Loaded) -> Result<()> {
    let Some(m) = crate::archive::Manifest::read(out) else {
        return Ok(());
    };
    if m.campaign.is_empty() || m.campaign == l.campaign.id {
        return Ok(());
    }
    Err(config_err!(
        "{}: 这个输出目录属于另一个考核（{}），而本次的考核方案是 {}（{}）",
        printable(&out.display().to_string()),
        printable(&m.campaign),
        printable(&l.source),
        printable(&l.campaign.id)
    )
    .hint(
        "可能是在错误的文件夹中运行，或忘了 --campaign；请到该考核的文件夹中运行，或用 --out 指定另一个输出目录",
    ))
}

/// What `kaohe init` wrote.
pub struct Init {
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
    pub loaded: Loaded,
}

/// `kaohe init DIR [--from FILE]`: a campaign folder with `kaohe.toml` (the
/// built-in example, commented in Chinese, or a copy of `from` with its
/// rubrics and templates), `rubrics/`, `templates/`, `说明.md` and an empty
/// `交回/`. Refuses to overwrite an existing campaign or any file; loads
/// what it wrote to check it.
pub fn init(dir: &Path, from: Option<&Path>) -> Result<Init> {
    let shown = printable(&dir.display().to_string()).into_owned();
    if dir.join(CAMPAIGN_FILE).exists() {
        return Err(
            config_err!("{shown}: 这里已经有考核方案 {CAMPAIGN_FILE}，不会覆盖")
                .hint("直接在该文件夹中运行 kaohe 的命令即可；要新建一次考核，请换一个文件夹名"),
        );
    }
    if dir.exists() && !dir.is_dir() {
        return Err(config_err!("{shown}: 已经存在同名的文件，不是文件夹").hint("请换一个文件夹名"));
    }
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    match from {
        None => {
            files.push((PathBuf::from(CAMPAIGN_FILE), assets::campaign_toml()));
            for (name, src) in assets::RUBRICS {
                files.push((Path::new("rubrics").join(name), src.to_string()));
            }
            for (name, src) in assets::PROSE {
                files.push((Path::new("templates").join(name), src.to_string()));
            }
        }
        Some(from) => files.extend(copy_of(from)?),
    }
    files.push((
        Path::new("templates").join("README.md"),
        assets::TEMPLATES_README.to_string(),
    ));
    files.push((PathBuf::from("说明.md"), assets::GUIDE.to_string()));
    for (rel, _) in &files {
        let p = dir.join(rel);
        if p.exists() {
            return Err(config_err!(
                "{}: 已经存在，不会覆盖",
                printable(&p.display().to_string())
            )
            .hint("请换一个文件夹名，或先移走这个文件"));
        }
    }
    let mkdir = |p: &Path| {
        std::fs::create_dir_all(p).map_err(|e| {
            config_err!(
                "{}: 无法创建文件夹：{}",
                printable(&p.display().to_string()),
                crate::error::os_write(&e)
            )
        })
    };
    mkdir(dir)?;
    mkdir(&dir.join(RETURNED_DIR))?;
    let mut written = Vec::new();
    for (rel, text) in &files {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            mkdir(parent)?;
        }
        std::fs::write(&p, text).map_err(|e| {
            config_err!(
                "{}: 无法写入：{}",
                printable(&p.display().to_string()),
                crate::error::os_write(&e)
            )
        })?;
        written.push(p);
    }
    let loaded = campaign::load(Some(&dir.join(CAMPAIGN_FILE)))?;
    Ok(Init {
        dir: dir.to_path_buf(),
        files: written,
        loaded,
    })
}

/// The files of a campaign folder copied from the campaign file `from`: the
/// file itself with its rubric and template paths pointed into the new
/// folder, its rubrics, and its prose templates (the example's when it has
/// none).
fn copy_of(from: &Path) -> Result<Vec<(PathBuf, String)>> {
    let l = campaign::load(Some(from))?;
    let name = printable(&from.display().to_string()).into_owned();
    let mut text = std::fs::read_to_string(from)
        .map_err(|e| config_err!("{name}: 无法读取考核方案文件：{}", os(&e)))?;
    let src_dir = from.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut out = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    for (p, r) in l.campaign.rubrics.iter().zip(&l.rubrics) {
        let file = campaign::resolve(&src_dir, p);
        let src = std::fs::read_to_string(&file).map_err(|e| {
            config_err!(
                "{}: 无法读取考核细则：{}",
                printable(&file.display().to_string()),
                os(&e)
            )
        })?;
        let mut base = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| format!("{}.toml", r.id));
        if taken.contains(&base) {
            base = format!("{}.toml", r.id);
        }
        taken.push(base.clone());
        let new = format!("rubrics/{base}");
        text = text.replace(&quoted(p), &quoted(&new));
        out.push((PathBuf::from(&new), src));
    }
    if let Some(t) = &l.campaign.templates {
        text = text.replace(&quoted(t), &quoted("templates"));
    }
    for (name, prose) in [
        (campaign::NOTICE_TEMPLATE, &l.prose.notice),
        (campaign::CIRCULAR_TEMPLATE, &l.prose.circular),
        (campaign::FEEDBACK_TEMPLATE, &l.prose.feedback),
    ] {
        out.push((Path::new("templates").join(name), prose.source.clone()));
    }
    out.insert(0, (PathBuf::from(CAMPAIGN_FILE), text));
    Ok(out)
}

/// A TOML basic string for `s`.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}
