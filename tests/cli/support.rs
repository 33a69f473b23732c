//! Helpers shared by the test modules.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The kaohe binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_kaohe");
/// The repository: rubrics, fonts, the built-in campaign, test data.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A command-line tool the tests read documents back with, or a failure
/// that says which package to install.
pub fn tool(name: &str) -> Command {
    let package = match name {
        "qpdf" => "qpdf",
        "soffice" => "libreoffice-calc-nogui",
        _ => "poppler-utils",
    };
    let path = std::env::var_os("PATH").unwrap_or_default();
    if !std::env::split_paths(&path).any(|d| d.join(name).is_file()) {
        panic!("{name} is not installed: install {package} (CI installs it via .ci/run)");
    }
    Command::new(name)
}

/// The built-in campaign file, for commands run outside a campaign folder.
pub const BUILTIN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/src/builtin/zhongwei-2018.toml"
);

/// kaohe run in `cwd` with `args`, without a `KAOHE_FONTS` from the caller's
/// environment. Commands that need a campaign get the built-in one unless
/// they name one.
pub fn kaohe_in(cwd: &Path, args: &[&str]) -> Output {
    let mut args = args.to_vec();
    if matches!(
        args.first(),
        Some(&("notice" | "blank" | "schedule" | "check" | "score" | "self"))
    ) && !args.contains(&"--campaign")
    {
        args.extend(["--campaign", BUILTIN]);
    }
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("KAOHE_FONTS")
        .output()
        .expect("kaohe runs")
}

/// Whitespace removed: the seed and pdftotext break and pad lines.
pub fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// A folder for outputs shared by several tests through a `static`, which
/// is never dropped: under target/tmp, one per process, and those of
/// earlier runs (whose process is gone) removed.
pub fn shared_dir(name: &str) -> PathBuf {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let prefix = format!("kaohe-{name}-");
    if let Ok(rd) = std::fs::read_dir(base) {
        for e in rd.flatten() {
            let file = e.file_name().to_string_lossy().to_string();
            if let Some(pid) = file.strip_prefix(&prefix)
                && !Path::new("/proc").join(pid).exists()
            {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let dir = base.join(format!("{prefix}{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The built-in campaign's text with its rubric and template paths made
/// absolute (so that the copy works from any folder), every other line
/// passed through `edit` (`None` keeps the line as it is; the result may
/// hold several lines).
pub fn campaign_text(mut edit: impl FnMut(&str) -> Option<String>) -> String {
    let root = Path::new(ROOT);
    let src = std::fs::read_to_string(BUILTIN).unwrap();
    let mut out = String::new();
    for line in src.lines() {
        if line.starts_with("templates = ") {
            out.push_str(&format!("templates = {:?}\n", root.join("templates")));
        } else if line.starts_with("rubrics = ") {
            let r = root.join("rubrics");
            out.push_str(&format!(
                "rubrics = [{:?}, {:?}]\n",
                r.join("2018-county.toml"),
                r.join("2018-member.toml")
            ));
        } else {
            out.push_str(&edit(line).unwrap_or_else(|| line.to_string()));
            out.push('\n');
        }
    }
    out
}

/// [`campaign_text`] written to `dir/campaign.toml`; returns its path.
pub fn campaign_copy(dir: &Path, edit: impl FnMut(&str) -> Option<String>) -> PathBuf {
    let file = dir.join("campaign.toml");
    std::fs::write(&file, campaign_text(edit)).unwrap();
    file
}

/// An expected table written as text: one row a line, cells between `|`,
/// each trimmed.
pub fn table(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split('|').map(|c| c.trim().to_string()).collect())
        .collect()
}
