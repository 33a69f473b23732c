//! Runs where offices are (issue 14): the program is one self-contained
//! file, and the Windows build gives the same bytes and messages as Linux.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const BIN: &str = env!("CARGO_BIN_EXE_kaohe");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every file under `dir` by its path with `/`, except dot files (the lock).
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel: Vec<String> = p
                    .strip_prefix(base)
                    .unwrap()
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.insert(rel.join("/"), std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Says which files differ, for a failed comparison.
fn differences(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|n| a.get(*n) != b.get(*n))
        .map(|n| n.to_string())
        .collect()
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.env_remove("KAOHE_FONTS").output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The demo as run in the repository, once for all tests.
fn repository_demo() -> &'static BTreeMap<String, Vec<u8>> {
    static DEMO: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("repo");
        run(Command::new(BIN)
            .args(["demo", "-q", "--out"])
            .arg(&out)
            .current_dir(ROOT));
        let t = tree(&out);
        assert!(t.len() > 20 && t.contains_key("manifest.json"), "{t:?}");
        t
    })
}

#[test]
fn the_program_copied_alone_runs_the_demo_with_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let alone = dir.path().join("U盘 考核");
    std::fs::create_dir(&alone).unwrap();
    let exe = alone.join("kaohe");
    std::fs::copy(BIN, &exe).unwrap();
    run(Command::new(&exe)
        .args(["demo", "-q", "--out", "输出"])
        .current_dir(&alone));
    let got = tree(&alone.join("输出"));
    let want = repository_demo();
    assert!(&got == want, "differs: {:?}", differences(want, &got));
    // Nothing but the program and the output folder appeared.
    let mut names: Vec<String> = std::fs::read_dir(&alone)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["kaohe", "输出"]);
}

/// A copy of the built-in campaign in `dir`, with its rubrics beside it.
fn campaign_folder(dir: &Path) -> PathBuf {
    let root = Path::new(ROOT);
    std::fs::create_dir_all(dir.join("rubrics")).unwrap();
    for r in ["2018-county.toml", "2018-member.toml"] {
        std::fs::copy(root.join("rubrics").join(r), dir.join("rubrics").join(r)).unwrap();
    }
    let src = std::fs::read_to_string(root.join("src/builtin/zhongwei-2018.toml")).unwrap();
    let src = src.replace("../../rubrics/", "rubrics/");
    let file = dir.join("kaohe.toml");
    std::fs::write(&file, src).unwrap();
    file
}

#[test]
fn fonts_lists_every_family_its_source_and_role() {
    let dir = tempfile::tempdir().unwrap();
    let campaign = campaign_folder(dir.path());
    let out = run(Command::new(BIN)
        .args(["fonts", "--campaign"])
        .arg(&campaign)
        .current_dir(dir.path()));
    let text = String::from_utf8(out.stdout).unwrap();
    for line in [
        "  小标宋：FandolSong",
        "  仿宋：FandolFang R",
        "  黑体：FandolHei",
        "  楷体：FandolKai",
        "  宋体：FandolSong",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert!(
        text.contains("FandolSong  粗体  内置 FandolSong-Bold.otf  用于：小标宋、宋体"),
        "{text}"
    );
    assert!(!text.contains("考核方案目录"), "{text}");

    // The campaign's own fonts/ folder overrides the built-in font of the
    // same family and style, and the run names where each font came from.
    std::fs::create_dir(dir.path().join("fonts")).unwrap();
    std::fs::copy(
        Path::new(ROOT).join("fonts/FandolKai-Regular.otf"),
        dir.path().join("fonts/楷体.otf"),
    )
    .unwrap();
    let out = run(Command::new(BIN)
        .args(["fonts", "--campaign"])
        .arg(&campaign)
        .current_dir(dir.path()));
    let text = String::from_utf8(out.stdout).unwrap();
    let kai: Vec<&str> = text.lines().filter(|l| l.contains("FandolKai  ")).collect();
    assert_eq!(kai.len(), 1, "{text}");
    assert!(
        kai[0].contains("（考核方案目录） 楷体.otf  用于：楷体"),
        "{text}"
    );

    // A role whose families are all missing: listed as missing, exit 1.
    let src = std::fs::read_to_string(&campaign).unwrap();
    std::fs::write(
        &campaign,
        src.replace(
            "kaiti = [\"FandolKai\"]",
            "kaiti = [\"楷体_GB2312\", \"KaiTi\"]",
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["fonts", "--campaign"])
        .arg(&campaign)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("  楷体：缺少（考核方案指定：楷体_GB2312、KaiTi）"),
        "{text}"
    );
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("没有楷体字体"), "{err}");
}

#[test]
fn a_campaign_templates_folder_overrides_a_typst_template() {
    let dir = tempfile::tempdir().unwrap();
    let campaign = campaign_folder(dir.path());
    // Prose templates alone change nothing in the Typst templates.
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(dir.path().join("templates/README.txt"), "x").unwrap();
    let out = Command::new(BIN)
        .args(["schedule", "-q", "--out", "o1", "--campaign"])
        .arg(&campaign)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // An own sheets.typ is the one used (here one that fails on purpose).
    std::fs::write(
        dir.path().join("templates/sheets.typ"),
        "#panic(\"本单位的模板\")\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["schedule", "-q", "--out", "o2", "--campaign"])
        .arg(&campaign)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("templates/sheets.typ:1:") && err.contains("本单位的模板"),
        "{err}"
    );
    assert!(!dir.path().join("o2/schedule.pdf").exists());
}
