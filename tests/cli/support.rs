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

/// Text with the page numbers of a 公文 ("—4—", as pdftotext runs them
/// into the body once whitespace is squeezed) taken out.
pub fn without_page_numbers(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('—') {
        out.push_str(&rest[..i]);
        let after = &rest[i + '—'.len_utf8()..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with('—') {
            rest = &after[digits + '—'.len_utf8()..];
        } else {
            out.push('—');
            rest = after;
        }
    }
    out + rest
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

/// A second campaign for the document tests, unlike the built-in one in
/// its names and lengths: `kaohe init`, then longer unit names and level-1
/// and level-2 headings, run through `kaohe demo` in its folder once per
/// test binary. Returns the campaign folder (outputs in its `output/`).
pub fn synthetic_campaign() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let base = shared_dir("synthetic");
        let o = kaohe_in(&base, &["init", "红寺堡2019", "-q"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let dir = base.join("红寺堡2019");
        let edit = |file: &str, pairs: &[(&str, &str)]| {
            let p = dir.join(file);
            let mut s = std::fs::read_to_string(&p).unwrap();
            for (a, b) in pairs {
                assert!(s.contains(a), "{file} has {a}");
                s = s.replace(a, b);
            }
            std::fs::write(&p, s).unwrap();
        };
        edit(
            "kaohe.toml",
            &[
                ("海兴开发区管委会", "太阳山开发区管理委员会"),
                ("海原县人民政府", "红寺堡区人民政府"),
                ("\"市公安局\"", "\"市公安局交通警察支队\""),
                ("市旅发委", "市文化旅游广电局"),
            ],
        );
        for rubric in ["rubrics/2018-county.toml", "rubrics/2018-member.toml"] {
            edit(
                rubric,
                &[
                    ("一、责任落实", "一、安全生产责任落实"),
                    ("二、依法治理", "二、依法治理"),
                ],
            );
        }
        edit(
            "rubrics/2018-county.toml",
            &[("（二）领导责任", "（二）党政领导干部责任")],
        );
        // demo runs the built-in campaign unless it is named
        let o = kaohe_in(&dir, &["demo", "-q", "--campaign", "kaohe.toml"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        dir
    })
}
