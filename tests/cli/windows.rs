//! Runs where offices are (issue 14): the program is one self-contained
//! file, and the Windows build gives the same bytes and messages as Linux.
//!
//! The Windows comparison builds `kaohe.exe` with `dist/build.sh windows`
//! (mingw-w64) and runs it under wine (`dist/wine.sh`); it needs both and a
//! cold cross build of ~1170 CPU-seconds, so it runs only with
//! `KAOHE_CI_WINDOWS=1`, which `.ci/run` sets unless told
//! `KAOHE_CI_WINDOWS=0` (see the README).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::support::{BIN, ROOT, squeeze, tool};

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
    let src = src.replace("../../rubrics/", "rubrics/").replace(
        "\"../../templates\"",
        &format!("{:?}", root.join("templates")),
    );
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

#[test]
fn started_with_no_arguments_it_explains_in_chinese() {
    let out = Command::new(BIN).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("kaohe demo") && text.contains("命令提示符"),
        "{text}"
    );
    // No English reaches the user (the only Latin words are commands).
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| w.len() > 1)
        .collect();
    for w in words {
        assert!(
            [
                "kaohe", "cmd", "demo", "help", "notice", "blank", "check", "xlsx", "score",
                "fonts", "GB", "exe", "output", "init", "serve", "open", "manual", "pdf"
            ]
            .contains(&w),
            "English word {w:?} in {text}"
        );
    }
}

#[test]
fn the_manual_is_typeset_by_kaohe_with_the_office_flow_step_by_step() {
    let dir = tempfile::tempdir().unwrap();
    // Default: 使用说明.pdf in the current folder, the same bytes every time.
    run(Command::new(BIN)
        .args(["manual", "-q"])
        .current_dir(dir.path()));
    let pdf = dir.path().join("使用说明.pdf");
    let first = std::fs::read(&pdf).unwrap();
    run(Command::new(BIN)
        .args(["manual", "-q", "说明 副本.pdf"])
        .current_dir(dir.path()));
    assert_eq!(
        std::fs::read(dir.path().join("说明 副本.pdf")).unwrap(),
        first
    );
    // Font folders do not change it: it is the same PDF everywhere.
    let out = Command::new(BIN)
        .args(["manual", "-q", "字体.pdf"])
        .current_dir(dir.path())
        .env("KAOHE_FONTS", "/nonexistent")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(std::fs::read(dir.path().join("字体.pdf")).unwrap(), first);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "left behind: {names:?}");

    let text = tool("pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = squeeze(&String::from_utf8(text.stdout).unwrap());
    // Each step of the office's flow, in order, with its command.
    let mut at = 0;
    for piece in [
        "kaohe考核使用说明",
        "双击kaohe.exe",
        "kaohedemo",
        "第1步新建考核文件夹（init）",
        "kaoheinit考核2024",
        "第2步修改考核方案",
        "kaoherubricshow",
        "第3步印发考核通知（notice、schedule）",
        "kaohenotice",
        "第4步生成空白评分表（blank）",
        "kaoheblank",
        "第5步收回评分表",
        "第6步检查交回的评分表（check）",
        "kaohecheck交回",
        "第7步评分并印发结果（score）",
        "kaohescore交回--partial",
        "第8步核对存档（verify）",
        "kaoheverifyoutput",
        "考核工作台（serve）",
        "kaoheserve--open",
        "kaohefonts",
        "fonts-COPYING.txt",
    ] {
        let Some(i) = text[at..].find(piece) else {
            panic!("{piece:?} missing after byte {at} of the manual:\n{text}");
        };
        at += i + piece.len();
    }
    // Every font embedded, the file sound, pages A4.
    let fonts = tool("pdffonts").arg(&pdf).output().unwrap();
    let fonts = String::from_utf8(fonts.stdout).unwrap();
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(rows.len() >= 3, "{fonts}");
    for row in rows {
        assert!(row.contains(" yes "), "not embedded: {row}");
    }
    let check = tool("qpdf").arg("--check").arg(&pdf).output().unwrap();
    assert!(check.status.success(), "{check:?}");
    let info = tool("pdfinfo").arg(&pdf).output().unwrap();
    let info = String::from_utf8(info.stdout).unwrap();
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "{info}");
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!((3..=8).contains(&pages), "{pages} pages");

    // A folder that does not exist: a Chinese message naming the file, exit 1.
    let out = Command::new(BIN)
        .args(["manual", "没有的文件夹/使用说明.pdf"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("没有的文件夹/使用说明.pdf: 无法写入：没有这个文件或文件夹"),
        "{err}"
    );
}

// ------------------------------------------------- the Windows build under wine

/// `kaohe.exe` from `dist/build.sh windows` (a no-op when it is up to date),
/// or None when the Windows comparison is not asked for.
fn windows_exe() -> Option<PathBuf> {
    std::env::var_os("KAOHE_CI_WINDOWS").filter(|v| v == "1")?;
    let out = Command::new(Path::new(ROOT).join("dist/build.sh"))
        .arg("windows")
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "dist/build.sh windows: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exe = Path::new(ROOT).join(String::from_utf8(out.stdout).unwrap().trim());
    assert!(exe.is_file(), "{}", exe.display());
    Some(exe)
}

/// `kaohe.exe ARGS` under wine in `cwd`, through `dist/wine.sh` (the wine
/// prefix under target/, made on first use with the bcryptprimitives.dll
/// Debian's wine 8.0 lacks; wine's own diagnostics silenced).
fn wine_command(exe: &Path, cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(Path::new(ROOT).join("dist/wine.sh"));
    cmd.arg(exe)
        .args(args)
        .current_dir(cwd)
        .env_remove("KAOHE_FONTS");
    cmd
}

fn wine(exe: &Path, cwd: &Path, args: &[&str]) -> Output {
    wine_command(exe, cwd, args).output().unwrap()
}

#[test]
fn windows_build_under_wine_runs_the_demo_with_the_same_bytes() {
    let Some(exe) = windows_exe() else {
        eprintln!("skipped: set KAOHE_CI_WINDOWS=1 to build kaohe.exe and run it under wine");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = wine(&exe, dir.path(), &["demo", "-q", "--out", "输出"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = tree(&dir.path().join("输出"));
    let want = repository_demo();
    assert_eq!(got["manifest.json"], want["manifest.json"]);
    assert!(&got == want, "differs: {:?}", differences(want, &got));
}

/// Bad returned forms, made here from the demo's own returned forms.
fn bad_inputs(dir: &Path) -> Vec<&'static str> {
    let demo = repository_demo();
    let good = demo
        .iter()
        .find(|(k, _)| k.starts_with("returned/") && k.ends_with(".xlsx"))
        .map(|(_, v)| v.clone())
        .unwrap();
    let blank = demo
        .iter()
        .find(|(k, _)| k.starts_with("blank/") && k.ends_with(".xlsx"))
        .map(|(_, v)| v.clone())
        .unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    write("同一单位甲.xlsx", &good);
    write("同一单位乙.xlsx", &good);
    write("未填写.xlsx", &blank);
    write("截断.xlsx", &good[..good.len() / 2]);
    write("不是表格.xlsx", "这是一段文字，不是评分表".as_bytes());
    write("空文件.xlsx", b"");
    // An OLE header with nothing behind it: read first by a child kaohe.
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(4096, 0xFF);
    write("旧格式.xls", &ole);
    vec![
        "同一单位甲.xlsx",
        "同一单位乙.xlsx",
        "未填写.xlsx",
        "截断.xlsx",
        "不是表格.xlsx",
        "空文件.xlsx",
        "旧格式.xls",
        "不存在.xlsx",
    ]
}

#[test]
fn windows_build_under_wine_checks_bad_forms_with_the_same_messages() {
    let Some(exe) = windows_exe() else {
        eprintln!("skipped: set KAOHE_CI_WINDOWS=1 to build kaohe.exe and run it under wine");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    campaign_folder(dir.path());
    let files = bad_inputs(dir.path());
    // Each file alone, then all together: same stdout, stderr and exit code.
    let mut cases: Vec<Vec<&str>> = files.iter().map(|f| vec![*f]).collect();
    cases.push(files.clone());
    for case in cases {
        let mut args = vec!["check", "--campaign", "kaohe.toml"];
        args.extend(&case);
        let linux = Command::new(BIN)
            .args(&args)
            .current_dir(dir.path())
            .env_remove("KAOHE_FONTS")
            .output()
            .unwrap();
        let windows = wine(&exe, dir.path(), &args);
        let text = |o: &Output| {
            (
                String::from_utf8_lossy(&o.stdout).into_owned(),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        };
        assert_eq!(text(&windows), text(&linux), "{case:?}");
        assert_eq!(windows.status.code(), linux.status.code(), "{case:?}");
        let broken = [
            "截断.xlsx",
            "不是表格.xlsx",
            "空文件.xlsx",
            "旧格式.xls",
            "不存在.xlsx",
        ];
        if case.len() > 1 || broken.contains(&case[0]) {
            assert_ne!(linux.status.code(), Some(0), "{case:?}: {}", text(&linux).1);
        }
    }
}

#[test]
fn windows_build_under_wine_prints_the_same_manual_and_explains_without_arguments() {
    let Some(exe) = windows_exe() else {
        eprintln!("skipped: set KAOHE_CI_WINDOWS=1 to build kaohe.exe and run it under wine");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = wine(&exe, dir.path(), &["manual", "-q", "使用说明.pdf"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    run(Command::new(BIN)
        .args(["manual", "-q", "linux.pdf"])
        .current_dir(dir.path()));
    assert!(
        std::fs::read(dir.path().join("使用说明.pdf")).unwrap()
            == std::fs::read(dir.path().join("linux.pdf")).unwrap(),
        "the manuals differ"
    );
    // Started from a script (no console window of its own): it explains, as
    // on Linux, and does not start the workbench.
    let windows = wine(&exe, dir.path(), &[]);
    let linux = Command::new(BIN).current_dir(dir.path()).output().unwrap();
    assert_eq!(windows.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&windows.stdout).replace("\r\n", "\n"),
        String::from_utf8_lossy(&linux.stdout)
    );
    assert!(!dir.path().join("考核").exists());
}

#[test]
fn windows_build_under_wine_serves_the_workbench() {
    use std::io::{BufRead, Read, Write};
    let Some(exe) = windows_exe() else {
        eprintln!("skipped: set KAOHE_CI_WINDOWS=1 to build kaohe.exe and run it under wine");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // As a double-click does: a 考核 folder made with the built-in example.
    let mut child = wine_command(
        &exe,
        dir.path(),
        &[
            "serve",
            "--dir",
            "考核",
            "--demo",
            "--listen",
            "127.0.0.1:0",
        ],
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
    let mut url = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let page = (|| {
        let addr = url
            .trim()
            .strip_prefix("http://")?
            .trim_end_matches('/')
            .to_string();
        let mut s = std::net::TcpStream::connect(&addr).ok()?;
        write!(
            s,
            "GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut page = String::new();
        s.read_to_string(&mut page).ok()?;
        Some(page)
    })();
    let _ = child.kill();
    let _ = child.wait();
    let page = page.unwrap_or_else(|| panic!("no page from {url:?}"));
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("市公安局"), "{page}");
    assert!(dir.path().join("考核/kaohe.toml").is_file());
    assert!(dir.path().join("考核/kaohe.sqlite").is_file());
}
