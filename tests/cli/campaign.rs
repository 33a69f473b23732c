//! A campaign the office owns (issue 9): `kaohe init`, the campaign folder
//! every command finds, prose templates read at run time, no silent
//! defaults, Chinese messages with their remedy on a `提示：` line, the
//! campaign's date checks, `score --partial`, the gaps in reading returned
//! forms, and `rubric show`. Every message is asserted word for word.

use kaohe::campaign::{self, Loaded};
use kaohe::points::Pts;
use kaohe::workbook::blank;
use kaohe::workbook::ingest::{self, Entry, Filled};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{BIN, ROOT};

fn builtin_file() -> PathBuf {
    Path::new(ROOT).join("src/builtin/zhongwei-2018.toml")
}

fn kaohe(cwd: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("KAOHE_FONTS")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("kaohe runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `kaohe init NAME` in `parent`; the new folder.
fn init(parent: &Path, name: &str) -> PathBuf {
    let o = kaohe(parent, &["init", name, "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    parent.join(name)
}

fn edit(file: &Path, f: impl FnOnce(String) -> String) {
    let s = std::fs::read_to_string(file).unwrap();
    std::fs::write(file, f(s)).unwrap();
}

fn builtin() -> Loaded {
    campaign::load(None).unwrap()
}

/// The text of a PDF, by pdftotext.
fn pdf_text(p: &Path) -> String {
    let o = Command::new("pdftotext")
        .args([p.as_os_str(), "-".as_ref()])
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(o.status.success(), "pdftotext {}", p.display());
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every text part of a zip (XLSX): what a person or a program can read.
fn zip_text(p: &Path) -> String {
    let bytes = std::fs::read(p).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut s = String::new();
        if f.read_to_string(&mut s).is_ok() {
            out.push_str(&s);
        }
    }
    out
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------
// kaohe init and the campaign folder
// ---------------------------------------------------------------------------

#[test]
fn init_writes_a_campaign_folder_that_loads_and_refuses_to_overwrite_it() {
    let tmp = tempfile::tempdir().unwrap();
    let o = kaohe(tmp.path(), &["init", "吴忠2019"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "已创建考核文件夹 吴忠2019（8 个文件；考核“2018年度全市安全生产工作考核”，25 个被考核单位，2 个考核细则）\n\
         下一步：修改 吴忠2019/kaohe.toml、rubrics/ 和 templates/ 中的文件（见 吴忠2019/说明.md），然后在该文件夹中运行 kaohe notice、kaohe blank\n"
    );
    let dir = tmp.path().join("吴忠2019");
    for f in [
        "kaohe.toml",
        "rubrics/2018-county.toml",
        "rubrics/2018-member.toml",
        "templates/notice.j2",
        "templates/circular.j2",
        "templates/feedback.j2",
        "templates/README.md",
        "说明.md",
    ] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    assert!(dir.join("交回").is_dir());
    let toml = std::fs::read_to_string(dir.join("kaohe.toml")).unwrap();
    assert!(toml.starts_with("# 考核方案（kaohe.toml）。"));
    assert!(
        toml.contains("rubrics = [\"rubrics/2018-county.toml\", \"rubrics/2018-member.toml\"]")
    );
    // The README of the templates lists every placeholder kaohe provides.
    let readme = std::fs::read_to_string(dir.join("templates/README.md")).unwrap();
    for v in kaohe::render::prose::NOTICE_VARS
        .iter()
        .chain(kaohe::render::prose::CIRCULAR_VARS)
    {
        assert!(
            readme.contains(&format!("{{{{ {v}")),
            "{v} in templates/README.md"
        );
    }
    let guide = std::fs::read_to_string(dir.join("说明.md")).unwrap();
    for v in kaohe::render::prose::NOTICE_VARS {
        assert!(guide.contains(&format!("`{v}`")), "{v} in 说明.md");
    }
    // The folder loads as it is.
    let l = campaign::load(Some(&dir.join("kaohe.toml"))).unwrap();
    assert_eq!(l.campaign.units.len(), 25);
    assert!(l.prose.notice.file.ends_with("templates/notice.j2"));

    // A second init refuses, exit 2.
    let o = kaohe(tmp.path(), &["init", "吴忠2019"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "kaohe: 吴忠2019: 这里已经有考核方案 kaohe.toml，不会覆盖\n\
         提示：直接在该文件夹中运行 kaohe 的命令即可；要新建一次考核，请换一个文件夹名\n"
    );
    // A file of the same name in the way: nothing is overwritten.
    std::fs::create_dir(tmp.path().join("b")).unwrap();
    std::fs::create_dir(tmp.path().join("b/templates")).unwrap();
    std::fs::write(tmp.path().join("b/templates/notice.j2"), "mine").unwrap();
    let o = kaohe(tmp.path(), &["init", "b"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "kaohe: b/templates/notice.j2: 已经存在，不会覆盖\n提示：请换一个文件夹名，或先移走这个文件\n"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("b/templates/notice.j2")).unwrap(),
        "mine"
    );
    assert!(!tmp.path().join("b/kaohe.toml").exists());
}

#[test]
fn init_from_copies_a_campaign_with_its_rubrics_and_templates() {
    let tmp = tempfile::tempdir().unwrap();
    let first = init(tmp.path(), "a");
    edit(&first.join("templates/notice.j2"), |s| {
        s + "本通知由甲市编写。\n"
    });
    let o = kaohe(tmp.path(), &["init", "b", "--from", "a/kaohe.toml", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let b = tmp.path().join("b");
    let l = campaign::load(Some(&b.join("kaohe.toml"))).unwrap();
    assert!(l.prose.notice.source.ends_with("本通知由甲市编写。\n"));
    assert!(b.join("rubrics/2018-county.toml").is_file());
    // The copy stands alone: removing the original changes nothing.
    std::fs::remove_dir_all(&first).unwrap();
    campaign::load(Some(&b.join("kaohe.toml"))).unwrap();
}

#[test]
fn outside_a_campaign_folder_commands_stop_with_exit_2_and_say_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let here = tmp.path().canonicalize().unwrap();
    let expected = format!(
        "kaohe: 当前文件夹（{}）及其上级文件夹中都没有考核方案 kaohe.toml\n\
         提示：请先运行 kaohe init 文件夹名 创建考核文件夹，再到该文件夹（或其中的 交回/）中运行；或用 --campaign 文件 指明考核方案\n",
        here.display()
    );
    for args in [
        &["notice"][..],
        &["blank"],
        &["schedule"],
        &["check", "x.xlsx"],
        &["score", "x.xlsx"],
    ] {
        let o = kaohe(&here, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&o), expected, "{args:?}");
        assert!(!here.join("output").exists(), "{args:?} wrote nothing");
    }
    // rubric show needs no campaign.
    let county = Path::new(ROOT).join("rubrics/2018-county.toml");
    let o = kaohe(&here, &["rubric", "show", county.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn commands_find_the_campaign_from_any_subfolder_and_write_to_its_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), "c");
    let deep = dir.join("交回/某单位");
    std::fs::create_dir_all(&deep).unwrap();
    let o = kaohe(&deep, &["schedule", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(dir.join("output/schedule.pdf").is_file());
    assert!(!deep.join("output").exists());
}

#[test]
fn an_output_folder_of_another_campaign_is_refused_naming_the_likely_cause() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), "c");
    let o = kaohe(&dir, &["schedule", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    edit(&dir.join("kaohe.toml"), |s| {
        s.replace("id = \"zhongwei-2018\"", "id = \"wuzhong-2019\"")
    });
    let o = kaohe(&dir, &["schedule", "-q"]);
    assert_eq!(o.status.code(), Some(2));
    let campaign_file = dir.canonicalize().unwrap().join("kaohe.toml");
    let out = dir.canonicalize().unwrap().join("output");
    assert_eq!(
        stderr(&o),
        format!(
            "kaohe: {}: 这个输出目录属于另一个考核（zhongwei-2018），而本次的考核方案是 {}（wuzhong-2019）\n\
             提示：可能是在错误的文件夹中运行，或忘了 --campaign；请到该考核的文件夹中运行，或用 --out 指定另一个输出目录\n",
            out.display(),
            campaign_file.display()
        )
    );
}

#[test]
fn a_form_of_another_campaign_names_the_likely_cause() {
    let l = builtin();
    let u = &l.campaign.units[0];
    let bytes = blank::workbook(&l, u).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let camp = tmp.path().join("other.toml");
    std::fs::write(
        &camp,
        std::fs::read_to_string(builtin_file())
            .unwrap()
            .replace("id = \"zhongwei-2018\"", "id = \"wuzhong-2019\"")
            .replace("\"../../", &format!("\"{ROOT}/")),
    )
    .unwrap();
    let other = campaign::load(Some(&camp)).unwrap();
    let (form, problems) = ingest::read_bytes(&bytes, "f.xlsx", &other);
    assert!(form.is_none());
    assert_eq!(
        problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        [format!(
            "f.xlsx: 错误：这是考核“zhongwei-2018”的评分表，不是本次考核（wuzhong-2019）的\n\
             提示：可能是在错误的考核文件夹中运行，或忘了 --campaign（本次用的考核方案：{}）；也可能是单位交回了往年的评分表",
            camp.display()
        )]
    );
}

// ---------------------------------------------------------------------------
// Messages: Chinese only, remedy on its own line
// ---------------------------------------------------------------------------

#[test]
fn usage_errors_and_help_are_in_chinese() {
    let tmp = tempfile::tempdir().unwrap();
    let o = kaohe(tmp.path(), &["notice", "--campain", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "kaohe: 没有这个选项：--campain\n提示：是否想用 --campaign？运行 kaohe notice --help 查看用法\n"
    );
    let o = kaohe(tmp.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "kaohe: 缺少参数：<FILE>...\n提示：运行 kaohe check --help 查看用法\n"
    );
    let o = kaohe(tmp.path(), &["scroe", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "kaohe: 没有这个命令：scroe\n提示：是否想用 serve 或 score？运行 kaohe --help 查看用法\n"
    );
    let o = kaohe(tmp.path(), &["notice", "--campaign"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "kaohe: 选项 --campaign <FILE> 后面缺少值\n提示：运行 kaohe notice --help 查看用法\n"
    );
    // Started with no arguments (as a double-clicked kaohe.exe is), it
    // explains itself in Chinese (see windows::started_with_no_arguments_…).
    let o = kaohe(tmp.path(), &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("kaohe demo"), "{}", stdout(&o));
    for args in [&["--help"][..], &["score", "--help"], &["init", "-h"]] {
        let o = kaohe(tmp.path(), args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        let help = stdout(&o);
        assert!(help.contains("用法："), "{help}");
        for english in [
            "Usage",
            "Options",
            "Commands",
            "Arguments",
            "Print help",
            "[default",
        ] {
            assert!(!help.contains(english), "{args:?}: {english} in\n{help}");
        }
    }
}

#[test]
fn os_errors_are_explained_in_chinese() {
    let tmp = tempfile::tempdir().unwrap();
    let o = kaohe(tmp.path(), &["notice", "--campaign", "nope.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "kaohe: nope.toml: 无法读取考核方案文件：没有这个文件或文件夹\n\
         提示：请检查文件名和所在文件夹；或运行 kaohe init 文件夹名 创建一个考核文件夹\n"
    );
    let b = builtin_file();
    let o = kaohe(
        tmp.path(),
        &["check", "missing.xlsx", "--campaign", b.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "kaohe: missing.xlsx: 没有这个文件或文件夹\n\
         提示：请检查文件名；要检查一个文件夹中的全部评分表，写文件夹名，如 kaohe check 交回\n"
    );
    assert!(!stderr(&o).contains("os error"));
}

// ---------------------------------------------------------------------------
// Prose from the campaign
// ---------------------------------------------------------------------------

#[test]
fn the_notice_prose_is_read_from_the_campaign_at_run_time() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), "c");
    edit(&dir.join("templates/notice.j2"), |s| {
        s.replace(
            "一、成立考核领导小组",
            "本次考核共{{ unit_count }}个单位，由{{ issuer }}组织。\n一、成立考核领导小组",
        )
    });
    let o = kaohe(&dir, &["notice", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text: String = pdf_text(&dir.join("output/notice.pdf"))
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(
        text.contains("本次考核共25个单位，由中卫市安全生产委员会办公室组织。"),
        "{text}"
    );
}

#[test]
fn an_unknown_placeholder_names_the_file_line_and_placeholder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), "c");
    edit(&dir.join("templates/notice.j2"), |s| {
        s.replace("二、考核内容", "二、考核内容{{ unit_cout }}")
    });
    let line = std::fs::read_to_string(dir.join("templates/notice.j2"))
        .unwrap()
        .lines()
        .position(|l| l.contains("unit_cout"))
        .unwrap()
        + 1;
    let o = kaohe(&dir, &["notice", "-q"]);
    assert_eq!(o.status.code(), Some(2));
    let file = dir.canonicalize().unwrap().join("templates/notice.j2");
    assert_eq!(
        stderr(&o),
        format!(
            "kaohe: {}: 第{line}行: 模板中的占位符 {{{{ unit_cout }}}} 不存在\n\
             提示：可用的占位符：{}（见 templates/README.md）\n",
            file.display(),
            kaohe::render::prose::NOTICE_VARS.join("、")
        )
    );
    // A syntax error: the file and line, in Chinese.
    edit(&dir.join("templates/circular.j2"), |s| {
        s.replace("一、基本情况", "一、基本情况{% if %}")
    });
    edit(&dir.join("templates/notice.j2"), |s| {
        s.replace("{{ unit_cout }}", "")
    });
    let line = std::fs::read_to_string(dir.join("templates/circular.j2"))
        .unwrap()
        .lines()
        .position(|l| l.contains("{% if %}"))
        .unwrap()
        + 1;
    let o = kaohe(&dir, &["notice", "-q"]);
    assert_eq!(o.status.code(), Some(2));
    let file = dir.canonicalize().unwrap().join("templates/circular.j2");
    assert_eq!(
        stderr(&o),
        format!(
            "kaohe: {}: 第{line}行: 模板错误：语法错误（检查 {{{{ }}}}、{{% %}} 是否成对，标签是否写对）\n\
             提示：请对照 templates/README.md 改正模板；占位符写作 {{{{ 名称 }}}}，循环写作 {{% for x in 列表 %}}…{{% endfor %}}\n",
            file.display()
        )
    );
}

#[test]
fn a_campaign_without_its_templates_says_where_they_belong() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), "c");
    std::fs::remove_file(dir.join("templates/circular.j2")).unwrap();
    let o = kaohe(&dir, &["schedule", "-q"]);
    assert_eq!(o.status.code(), Some(2));
    let d = dir.canonicalize().unwrap();
    assert_eq!(
        stderr(&o),
        format!(
            "kaohe: {}: 无法读取正文模板：没有这个文件或文件夹\n\
             提示：正文模板放在考核方案（{}）旁的 templates/ 文件夹中（或由考核方案的 templates 指明）；运行 kaohe init 文件夹名 可生成一份可编辑的模板\n",
            d.join("templates/circular.j2").display(),
            d.join("kaohe.toml").display()
        )
    );
}

#[test]
fn group_names_and_the_veto_note_come_from_the_campaign() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), "c");
    edit(&dir.join("kaohe.toml"), |s| {
        s.replace(
            "county-2018 = \"县（区）人民政府、管委会\"",
            "county-2018 = \"县（市、区）\"",
        )
        .replace(
            "veto_note = \"{{ unit }}发生较大以上生产安全事故，实行“一票否决”，排在本组最后。\"",
            "veto_note = \"{{ unit }}被否决：{{ reason }}\"",
        )
    });
    let l = campaign::load(Some(&dir.join("kaohe.toml"))).unwrap();
    assert_eq!(
        kaohe::render::docs::group_name(&l, "county-2018"),
        "县（市、区）"
    );
    let forms = kaohe::cmd::demo::sample_forms(&l);
    let units = kaohe::cmd::score::score_forms(&l, &forms).unwrap();
    let r = kaohe::render::docs::ranking(&l, &units).unwrap();
    let vetoed = units.iter().find(|u| u.veto).unwrap();
    assert_eq!(
        r.notes,
        [format!("{}被否决：{}", vetoed.unit, vetoed.veto_reason)]
    );
    assert_eq!(r.groups[0].title, "县（市、区）");
}

// ---------------------------------------------------------------------------
// Campaign dates
// ---------------------------------------------------------------------------

/// The built-in campaign with `f` applied, loaded from a file in `dir`.
fn campaign_with(dir: &Path, f: impl Fn(String) -> String) -> (PathBuf, kaohe::Result<Loaded>) {
    let src = std::fs::read_to_string(builtin_file())
        .unwrap()
        .replace("\"../../", &format!("\"{ROOT}/"));
    let p = dir.join("c.toml");
    std::fs::write(&p, f(src)).unwrap();
    let l = campaign::load(Some(&p));
    (p, l)
}

fn line_with(p: &Path, needle: &str) -> usize {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .position(|l| l.contains(needle))
        .unwrap()
        + 1
}

fn full(e: &kaohe::Error) -> String {
    match e.remedy() {
        Some(h) => format!("{}\n提示：{h}", e.message()),
        None => e.message(),
    }
}

#[test]
fn campaign_dates_are_checked_in_order_with_file_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    // Chinese dates and times with a full-width colon are read as meant.
    let (_, l) = campaign_with(tmp.path(), |s| {
        s.replace("date = \"2018-11-02\"", "date = \"2018年11月2日\"")
            .replace("time = \"08:30-10:20\"", "time = \"8：30-10：20\"")
    });
    let l = l.unwrap();
    assert_eq!(
        campaign::parse_slot(&l.campaign.units[20].time),
        Ok((510, 620))
    );

    let (p, l) = campaign_with(tmp.path(), |s| {
        s.replace(
            "report_deadline = \"2018-11-12\"",
            "report_deadline = \"2018-11-01\"",
        )
    });
    let e = l.unwrap_err();
    assert_eq!(e.exit_code(), 2);
    let line = line_with(&p, "report_deadline =");
    assert_eq!(
        full(&e),
        format!(
            "{}: 第{line}行 notice.report_deadline（自评报告截止日期）：2018年11月1日早于通知日期（2018年11月2日）\n\
             提示：日期应依次不早于前一个：通知日期 ≤ 自评报告截止日期 ≤ 考核开始日期 ≤ 考核结束日期 ≤ 结果通报日期；本方案现在是 通知日期 2018年11月2日 ≤ 自评报告截止日期 2018年11月1日 ≤ 考核开始日期 2018年11月14日 ≤ 考核结束日期 2018年11月22日 ≤ 结果通报日期 2018年12月10日",
            p.display()
        )
    );

    let (p, l) = campaign_with(tmp.path(), |s| {
        s.replace("date = \"2018-12-10\"", "date = \"2018-11-20\"")
    });
    let line = line_with(&p, "date = \"2018-11-20\"");
    assert!(
        full(&l.unwrap_err()).starts_with(&format!(
            "{}: 第{line}行 circular.date（结果通报日期）：2018年11月20日早于考核结束日期（2018年11月22日）\n",
            p.display()
        ))
    );

    // A unit's day outside the period.
    let (p, l) = campaign_with(tmp.path(), |s| {
        s.replacen(
            "date = \"2018-11-14\"\ntime",
            "date = \"2018-11-24\"\ntime",
            1,
        )
    });
    let line = line_with(&p, "date = \"2018-11-24\"");
    assert_eq!(
        full(&l.unwrap_err()),
        format!(
            "{}: 第{line}行 第1个 [[units]] 的 date（海兴开发区管委会的考核日期）：2018年11月24日不在考核期间（2018年11月14日至2018年11月22日）内\n\
             提示：请把 date 改为 2018年11月14日 至 2018年11月22日 中的一天，或修改 [notice] 的 period_start、period_end",
            p.display()
        )
    );

    // A date that cannot be read, and a slot that ends before it starts.
    let (p, l) = campaign_with(tmp.path(), |s| {
        s.replace(
            "period_end = \"2018-11-22\"",
            "period_end = \"2018年11月31日\"",
        )
    });
    let line = line_with(&p, "period_end =");
    assert_eq!(
        full(&l.unwrap_err()),
        format!(
            "{}: 第{line}行 notice.period_end（考核结束日期）：日期 “2018年11月31日” 无效，应写作 2018-11-02 或 2018年11月2日\n\
             提示：例如 period_end = \"2018年11月5日\"",
            p.display()
        )
    );
    let (p, l) = campaign_with(tmp.path(), |s| {
        s.replacen("time = \"08:30-10:20\"", "time = \"10:20-08:30\"", 1)
    });
    let line = line_with(&p, "time = \"10:20-08:30\"");
    let e = l.unwrap_err();
    let msg = full(&e);
    assert!(
        msg.starts_with(&format!("{}: 第{line}行 第", p.display()))
            && msg.contains("的 time（")
            && msg.ends_with(
                "：时间 “10:20-08:30” 的结束时间不晚于开始时间\n提示：例如 time = \"09:00-10:30\"（开始时间在前，结束时间在后）"
            ),
        "{msg}"
    );
}

#[test]
fn overlapping_slots_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let (p, l) = campaign_with(tmp.path(), |s| {
        s.replacen("time = \"08:30-10:20\"", "time = \"08:30-10：20\"", 1)
    });
    l.unwrap();
    let src = std::fs::read_to_string(&p).unwrap();
    // Two units on the same day and hour.
    let dup = src.replace("time = \"10:30-12:00\"", "time = \"8:30-10:20\"");
    std::fs::write(&p, dup).unwrap();
    let o = kaohe(
        tmp.path(),
        &["schedule", "-q", "--campaign", p.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("考核时间重叠"), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .ends_with("提示：请在考核方案的 [[units]] 中把其中一个单位的 date 或 time 改开\n")
    );
}

// ---------------------------------------------------------------------------
// score --partial
// ---------------------------------------------------------------------------

#[test]
fn score_partial_ranks_the_forms_in_and_lists_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let l = builtin();
    let forms = tmp.path().join("交回");
    std::fs::create_dir(&forms).unwrap();
    for u in &l.campaign.units[..2] {
        std::fs::write(
            forms.join(format!("{}.xlsx", u.name)),
            blank::workbook(&l, u).unwrap(),
        )
        .unwrap();
    }
    let b = builtin_file();
    let camp = b.to_str().unwrap();
    let o = kaohe(tmp.path(), &["score", "交回", "-q", "--campaign", camp]);
    assert_eq!(o.status.code(), Some(1));
    let names: Vec<&str> = l.campaign.units[2..]
        .iter()
        .map(|u| u.name.as_str())
        .collect();
    assert!(
        stderr(&o).ends_with(&format!(
            "kaohe: 还有 23 个单位没有评分表：{}；所有单位的评分表收齐后才能评分、排名和印发结果通报\n\
             提示：收齐后再运行；要先对已交回的单位评分和排名（列出未报送的单位，不印发结果通报），加 --partial，如 kaohe score . --partial\n",
            names.join("、")
        )),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("output").exists());

    let o = kaohe(
        tmp.path(),
        &["score", "交回", "--partial", "--campaign", camp],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "部分评分：已对 2 个单位评分和排名；23 个单位未报送：{}。未生成结果通报（circular.pdf），收齐后去掉 --partial 重新运行\n",
            names.join("、")
        )),
        "{}",
        stderr(&o)
    );
    let out = tmp.path().join("output");
    assert!(!out.join("circular.pdf").exists());
    assert!(
        out.join("filled")
            .join(format!("{}.pdf", l.campaign.units[0].name))
            .is_file()
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(json["partial"], true);
    assert_eq!(json["units"].as_array().unwrap().len(), 2);
    let missing = json["missing"].as_array().unwrap();
    assert_eq!(missing.len(), 23);
    assert_eq!(
        missing[0],
        serde_json::json!({"unit": names[0], "rubric": "county-2018", "status": "未报送"})
    );
    let text = zip_text(&out.join("results.xlsx"));
    assert!(text.contains("未报送") && text.contains(names[22]));
}

// ---------------------------------------------------------------------------
// Returned forms: the gaps
// ---------------------------------------------------------------------------

fn filled(l: &Loaded, unit: &str, entries: &[(&str, &str, &str)]) -> Vec<u8> {
    let u = l.unit(unit).unwrap();
    let mut m = BTreeMap::new();
    for (code, amount, reason) in entries {
        m.insert(
            code.to_string(),
            Entry {
                amount: Pts::parse(amount).unwrap(),
                veto: false,
                reason: reason.to_string(),
            },
        );
    }
    let f = Filled {
        file: String::new(),
        sha256: String::new(),
        unit: u.name.clone(),
        rubric: u.rubric.clone(),
        entries: m,
        ..Filled::default()
    };
    blank::filled_workbook(l, u, Some(&f)).unwrap()
}

/// The letter of a form's 扣分原因 column.
fn reason_column(bytes: &[u8]) -> String {
    use calamine::Reader;
    let mut wb =
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = wb.worksheet_range("评分表").unwrap();
    let (_, c0) = range.start().unwrap();
    for row in range.rows() {
        if let Some(j) = row
            .iter()
            .position(|d| matches!(d, calamine::Data::String(s) if s == "扣分原因"))
        {
            let a1 = ingest::a1(0, c0 + j as u32);
            return a1.trim_end_matches('1').to_string();
        }
    }
    panic!("no 扣分原因 heading")
}

fn lines(problems: &[ingest::Problem]) -> Vec<String> {
    problems.iter().map(|p| p.to_string()).collect()
}

#[test]
fn a_file_named_after_another_unit_is_refused_naming_both() {
    let l = builtin();
    let bytes = filled(&l, "市水务局", &[("1-1", "0.5", "会议记录不全")]);
    let (form, problems) = ingest::read_bytes(&bytes, "交回/市民政局.xlsx", &l);
    assert!(form.is_none());
    assert_eq!(
        lines(&problems),
        [
            "交回/市民政局.xlsx: 错误：文件名是“市民政局”，但表内的被考核单位是“市水务局”\n\
          提示：可能交错了文件或改错了文件名：请向市民政局和市水务局核实，换成正确的评分表或改正文件名后重新检查"
        ]
    );
    // A file name that names no unit is fine.
    let (form, problems) = ingest::read_bytes(&bytes, "交回/水务局（盖章版）.xlsx", &l);
    assert!(form.is_some(), "{problems:?}");
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn an_untouched_blank_is_a_warning_that_asks_about_the_file() {
    let l = builtin();
    let bytes = blank::workbook(&l, l.unit("市水务局").unwrap()).unwrap();
    let (form, problems) = ingest::read_bytes(&bytes, "市水务局.xlsx", &l);
    assert!(form.is_some());
    assert_eq!(
        lines(&problems),
        [
            "市水务局.xlsx: 警告：这份评分表的“扣分”“扣分原因”栏一格也没有填写，看起来是下发时的空白表\n\
          提示：如果该单位确实没有任何扣分，可以不理会；否则请确认交回的是不是填好的那份文件"
        ]
    );
}

#[test]
fn a_reason_without_a_deduction_is_a_warning_and_kept_as_a_remark() {
    let l = builtin();
    let bytes = filled(
        &l,
        "市水务局",
        &[("1-1", "0", "资料已补齐"), ("2-1", "0.5", "会议记录不全")],
    );
    let (form, problems) = ingest::read_bytes(&bytes, "市水务局.xlsx", &l);
    let form = form.expect("a warning only");
    let cell = problems[0].cell.clone().unwrap();
    assert_eq!(
        lines(&problems),
        [format!(
            "市水务局.xlsx: 评分表!{cell}: 警告：填了扣分原因“资料已补齐”，但“扣分”栏没有扣分\n\
             提示：如应扣分，请在同一行的“扣分”栏填写分数；否则这段文字作为备注保留在评分表存档中"
        )]
    );
    let col: String = cell
        .chars()
        .take_while(|c| c.is_ascii_uppercase())
        .collect();
    assert_eq!(col, reason_column(&bytes), "the 扣分原因 column");
    let scored = kaohe::score::score_unit(l.rubric("member-2018"), &form);
    assert_eq!(scored.items[0].reasons, ["①备注：资料已补齐"]);
}

#[test]
fn a_deduction_off_the_rules_step_is_asked_about_as_a_question() {
    let l = builtin();
    // Rule 2-1 of the member rubric deducts in steps.
    let r = l.rubric("member-2018");
    let (item, rule) = r
        .rules()
        .find(|(_, x)| matches!(x.deduction, kaohe::rubric::Deduction::Step { .. }))
        .unwrap();
    let code = kaohe::rubric::Rubric::code(item, rule);
    let step = rule.deduction.step(rule.points.unwrap()).unwrap();
    let odd = Pts(step.hundredths() / 2 + 1);
    let bytes = filled(&l, "市水务局", &[(&code, &odd.to_string(), "缺资料")]);
    let (_, problems) = ingest::read_bytes(&bytes, "市水务局.xlsx", &l);
    let cell = problems[0].cell.clone().unwrap();
    assert_eq!(
        lines(&problems),
        [format!(
            "市水务局.xlsx: 评分表!{cell}: 警告：本条每处扣 {step} 分，这里扣了 {odd} 分，不是 {step} 分的整数倍，是不是填错了？\n\
             提示：请按本条的扣分标准核对：扣分应是 {step} 分的 1 倍、2 倍……；确实如此可以不理会"
        )]
    );
}

#[test]
fn a_row_inserted_with_text_is_a_warning_naming_the_cell() {
    // A unit's form re-made with one row inserted under rule 1-1 (as Excel
    // does on 插入行), holding a note in the 扣分原因 column.
    let l = builtin();
    let bytes = filled(&l, "市水务局", &[("1-1", "0.5", "会议记录不全")]);
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
    use calamine::Reader;
    let range = wb.worksheet_range("评分表").unwrap();
    let (r0, c0) = range.start().unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("评分表").unwrap();
    let mut out_row = 0u32;
    let mut inserted_at = String::new();
    let mut reason_col = 0u16;
    for row in range.rows() {
        for (j, d) in row.iter().enumerate() {
            let col = (c0 as usize + j) as u16;
            match d {
                calamine::Data::String(s) => {
                    ws.write_string(r0 + out_row, col, s).unwrap();
                }
                calamine::Data::Float(f) => {
                    ws.write_number(r0 + out_row, col, *f).unwrap();
                }
                calamine::Data::Int(i) => {
                    ws.write_number(r0 + out_row, col, *i as f64).unwrap();
                }
                _ => {}
            }
        }
        out_row += 1;
        if let Some(j) = row
            .iter()
            .position(|d| matches!(d, calamine::Data::String(s) if s == "扣分原因"))
        {
            reason_col = (c0 as usize + j) as u16;
        }
        if row
            .iter()
            .any(|d| matches!(d, calamine::Data::String(s) if s == "1-1"))
        {
            ws.write_string(r0 + out_row, reason_col, "另附说明材料三份")
                .unwrap();
            inserted_at = ingest::a1(r0 + out_row, reason_col as u32);
            out_row += 1;
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let (form, problems) = ingest::read_bytes(&bytes, "市水务局.xlsx", &l);
    assert!(form.is_some(), "{problems:?}");
    assert!(!inserted_at.is_empty());
    assert_eq!(
        lines(&problems),
        [
            "市水务局.xlsx: 警告：隐藏的 kaohe 工作表已丢失（可能被另存时删除），已按编号和单位名称识别".to_string(),
            format!("市水务局.xlsx: 评分表!{inserted_at}: 警告：这一行不是评分表原有的行（没有编号），其中的“另附说明材料三份”不会计入评分\n\
             提示：扣分和扣分原因请填在对应细则那一行的“扣分”“扣分原因”栏；说明可写在扣分原因中"),
        ]
    );
}

#[test]
fn a_folder_scan_names_every_file_it_does_not_read() {
    let l = builtin();
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("交回");
    std::fs::create_dir(&d).unwrap();
    let book = filled(&l, "市水务局", &[("1-1", "0.5", "会议记录不全")]);
    // An .xlsm and a WPS .et are read.
    std::fs::write(d.join("市水务局.xlsm"), &book).unwrap();
    std::fs::write(
        d.join("市民政局.et"),
        filled(&l, "市民政局", &[("1-1", "0.5", "会议记录不全")]),
    )
    .unwrap();
    std::fs::write(d.join("~$市水务局.xlsx"), b"lock").unwrap();
    std::fs::write(d.join("说明.docx"), b"PK").unwrap();
    std::fs::write(d.join("扫描件.pdf"), b"%PDF").unwrap();
    std::fs::write(d.join("备注.txt"), b"x").unwrap();
    std::fs::create_dir(d.join("旧")).unwrap();
    let b = builtin_file();
    let o = kaohe(
        tmp.path(),
        &["check", "交回", "--campaign", b.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "交回/~$市水务局.xlsx: 警告：未读取：这是 Excel 或 WPS 打开文件时留下的临时文件\n\
         交回/备注.txt: 警告：未读取：不是评分表（只读取 .xlsx、.xlsm、.xls、.et、.ods）\n\
         交回/扫描件.pdf: 警告：未读取：这是 PDF 文件，不是评分表；请交回 Excel、WPS 或 LibreOffice 的表格文件\n\
         交回/旧: 警告：未读取：这是子文件夹，其中的文件不读取；要检查它们，请把这个文件夹也写在命令行上\n\
         交回/说明.docx: 警告：未读取：这是 Word 或 WPS 文字文档，不是评分表\n\
         检查了 2 个文件，2 份评分表无错误（5 个警告）\n"
    );
}

#[test]
fn a_rubric_edited_after_the_forms_went_out_says_what_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), "c");
    let o = kaohe(&dir, &["blank", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let back = dir.join("交回");
    std::fs::copy(
        dir.join("output/blank/市水务局.xlsx"),
        back.join("市水务局.xlsx"),
    )
    .unwrap();
    // The office rewords rule 1-1 of the member rubric.
    edit(&dir.join("rubrics/2018-member.toml"), |s| {
        s.replacen("①查看", "①查阅", 1)
    });
    let o = kaohe(&back, &["check", "."]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "./市水务局.xlsx: 错误：考核细则在这份评分表下发后被修改过（考核细则“member-2018”）：细则 1-1 的文字改了\n\
         提示：请把用新细则生成的评分表（kaohe blank）发给该单位重新填报；如改动不影响这份评分表，可加 --accept-changed-rubric 按新细则评分，改动会列在结果中\n\
         kaohe: 检查了 1 个文件：1 个错误，0 个警告\n"
    );
    let o = kaohe(
        &back,
        &["score", ".", "--partial", "--accept-changed-rubric", "-q"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).starts_with(
        "./市水务局.xlsx: 警告：考核细则在这份评分表下发后被修改过（考核细则“member-2018”）：细则 1-1 的文字改了；已按新细则评分\n\
         提示：评分结果按修改后的考核细则计算，改动记录在 results.json 的 rubric_changes 中\n"
    ));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("output/results.json")).unwrap()).unwrap();
    assert_eq!(
        json["rubric_changes"],
        serde_json::json!([{
            "file": "./市水务局.xlsx",
            "change": "考核细则在这份评分表下发后被修改过（考核细则“member-2018”）：细则 1-1 的文字改了；已按新细则评分"
        }])
    );
}

// ---------------------------------------------------------------------------
// rubric show
// ---------------------------------------------------------------------------

#[test]
fn rubric_show_prints_every_rule_with_points_and_deduction() {
    let tmp = tempfile::tempdir().unwrap();
    let county = Path::new(ROOT).join("rubrics/2018-county.toml");
    let o = kaohe(tmp.path(), &["rubric", "show", county.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("2018年度县（区）人民政府安全生产工作考核细则（county-2018），"));
    assert!(out.contains("\n第1项  一、责任落实  3 分\n"));
    assert!(out.contains(
        "  1-1  2 分  不全的扣 0.5 分，未做到的扣 2 分：①查看贯彻习近平总书记党的十八大以来关于安全生产重要思想的相关安排、宣传、学习、会议资料；建立相关资料不全的，扣0.5分，未建立的不得分。（2分）\n"
    ));
    assert!(out.contains("  2-1  2 分  每缺一项扣 0.25 分，最多扣 2 分："));
    let l = builtin();
    let r = l.rubric("county-2018");
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("  ") && l.contains(" 分  ") || l.contains("  —  "))
            .count(),
        r.rules().count()
    );
}

#[test]
fn rubric_lint_names_the_line_and_a_wrong_total_names_its_items() {
    let tmp = tempfile::tempdir().unwrap();
    let src = r#"id = "t"
title = "测试细则"
headers = ["一级标题", "考核内容", "评分细则", "分值", "扣分及原因"]

[[items]]
no = 1
level1 = "一、甲"
content = "甲"
kind = "scored"
points = 60

[[items.rules]]
text = "①甲。（６０分）"
points = 60
deduction = { kind = "all_or_nothing" }

[[items]]
no = 2
level1 = "二、乙"
content = "乙"
kind = "scored"
points = 30

[[items.rules]]
text = "①乙。（３分）"
points = 30
deduction = { kind = "step", step = 1 }
"#;
    let p = tmp.path().join("t.toml");
    std::fs::write(&p, src).unwrap();
    let e = kaohe::rubric::load_file(&p).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert_eq!(
        e.message(),
        format!(
            "{0}: 第24行，细则 2-1：文字写“（3分）”，而 points = 30\n\
             {0}: 计分项目与减分项合计 90 分，应为满分 100 分（第1项 60 分 + 第2项 30 分）",
            p.display()
        )
    );
    // The full-width （６０分） of rule 1-1 was read and agrees; with a
    // `total` of 90 and the text fixed, the rubric loads.
    std::fs::write(
        &p,
        src.replace("（３分）", "（30分）")
            .replace("headers =", "total = 90\nheaders ="),
    )
    .unwrap();
    let r = kaohe::rubric::load_file(&p).unwrap();
    assert_eq!(r.total, Pts::from_int(90));
}

// ---------------------------------------------------------------------------
// Done when: another city's campaign, with no flag and no Zhongwei word
// ---------------------------------------------------------------------------

/// Words of the 2018 Zhongwei example that must not reach another city's
/// outputs: place names, the document number's prefix and the leading
/// group of 2018.
const ZHONGWEI: &[&str] = &[
    "中卫",
    "卫安办",
    "沙坡头",
    "中宁",
    "海原",
    "海兴",
    "张龙",
    "雍正嘉",
    "冯玉彦",
    "段永强",
    "张垣",
    "杨有定",
    "董达",
    "孙超",
];

#[test]
fn another_citys_campaign_runs_from_its_folder_with_no_flag_and_no_zhongwei_word() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = init(tmp.path(), "吴忠2019");
    // kaohe.toml edited as text, as an office would.
    edit(&dir.join("kaohe.toml"), |s| {
        let mut s = s
            .replace("id = \"zhongwei-2018\"", "id = \"wuzhong-2019\"")
            .replace("year = 2018", "year = 2019")
            .replace("\"2018-1", "\"2019-1")
            .replace("2018年", "2019年")
            .replace("〔2018〕", "〔2019〕")
            .replace("卫安办", "吴安办")
            .replace("中卫日报", "吴忠日报")
            .replace("中卫工业园区", "金积工业园区")
            .replace("中卫", "吴忠")
            .replace("海兴开发区", "太阳山开发区")
            .replace("沙坡头区", "利通区")
            .replace("中宁县", "青铜峡市")
            .replace("海原县", "同心县");
        for (a, b) in [
            ("张龙", "马明"),
            ("雍正嘉", "李强"),
            ("冯玉彦", "王芳"),
            ("段永强", "刘伟"),
            ("张垣", "陈静"),
            ("杨有定", "赵磊"),
            ("董达", "周敏"),
            ("孙超", "吴刚"),
        ] {
            s = s.replace(a, b);
        }
        s
    });
    // A rubric and the notice's prose edited too.
    for r in ["rubrics/2018-county.toml", "rubrics/2018-member.toml"] {
        edit(&dir.join(r), |s| s.replace("中卫市", "吴忠市"));
    }
    edit(&dir.join("rubrics/2018-county.toml"), |s| {
        s.replacen("①查看", "①查阅", 1)
    });
    edit(&dir.join("templates/notice.j2"), |s| {
        s.replace(
            "现将有关事项通知如下：",
            "请各单位认真准备。现将有关事项通知如下：",
        )
    });
    let back = dir.join("交回");
    let o = kaohe(&back, &["blank", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = kaohe(&back, &["notice", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The units send their forms back (here: as they were sent).
    for f in files_under(&dir.join("output/blank")) {
        if f.extension().is_some_and(|x| x == "xlsx") {
            std::fs::copy(&f, back.join(f.file_name().unwrap())).unwrap();
        }
    }
    let o = kaohe(&back, &["check", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = kaohe(&back, &["score", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = dir.join("output");
    assert!(out.join("circular.pdf").is_file());
    let notice: String = pdf_text(&out.join("notice.pdf"))
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    // (A page break may fall inside the sentence: its page number between.)
    assert!(notice.contains("请各单位"), "{notice}");
    assert!(
        notice.contains("认真准备。现将有关事项通知如下："),
        "{notice}"
    );
    assert!(notice.contains("吴忠市安全生产委员会办公室"));
    let mut checked = 0;
    for f in files_under(&out) {
        let text = match f.extension().and_then(|x| x.to_str()) {
            Some("pdf") => pdf_text(&f),
            Some("xlsx") => zip_text(&f),
            _ => String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned(),
        };
        let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for w in ZHONGWEI {
            assert!(!squeezed.contains(w), "{w} in {}", f.display());
        }
        checked += 1;
    }
    assert!(checked > 50, "{checked} files read");
}
