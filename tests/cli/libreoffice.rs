//! What a person meets in LibreOffice Calc: a blank form opened through UNO
//! (python3-uno) is protected except its input cells, validates a 3-point
//! rule, and its total changes as a deduction is typed; and a form that
//! LibreOffice filled and saved as .ods is scored as hand-computed.

use kaohe::campaign;
use kaohe::points::Pts;
use kaohe::score;
use kaohe::workbook::{blank, ingest};
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn require_uno() {
    let ok = Command::new("/usr/bin/python3")
        .args(["-c", "import uno"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "these tests drive LibreOffice through UNO: apt-get install libreoffice-calc-nogui python3-uno (.ci/run does)"
    );
}

/// `book` opened in LibreOffice through UNO, as `lo_form_check.py` reports it.
fn in_libreoffice(book: &[u8]) -> serde_json::Value {
    require_uno();
    let dir = tempfile::tempdir().unwrap();
    let form = dir.path().join("form.xlsx");
    std::fs::write(&form, book).unwrap();
    let profile = dir.path().join("lo-profile");
    // A port no one listens on now, from the system (a port derived from
    // the pid can collide with another run's).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free local port")
        .port();
    let out = Command::new("timeout")
        .args(["180", "/usr/bin/python3"])
        .arg(data("lo_form_check.py"))
        .arg(&form)
        .arg(&profile)
        .arg(port.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_blank_form_in_libreoffice_is_protected_validated_and_live() {
    let l = campaign::load(None).unwrap();
    let unit = l.unit("市公安局").unwrap();
    let v = in_libreoffice(&blank::workbook(&l, unit).unwrap());
    assert_eq!(v["sheets"], serde_json::json!(["评分表", "kaohe"]));
    assert_eq!(v["meta_visible"], false, "the metadata sheet is hidden");
    assert_eq!(v["protected"], true);
    let rules = l.rubric("member-2018").rules().count();
    assert_eq!(v["codes"], rules);
    // 编号 and 分值 locked, 扣分 and 扣分原因 open, on every rule row.
    assert_eq!(
        v["locked_code_points_deduct_reason"],
        serde_json::json!([[true, true, false, false]])
    );
    let val = &v["validation"];
    assert_eq!(val["type"], 1, "a decimal validation");
    assert_eq!(
        (val["min"].as_str(), val["max"].as_str()),
        (Some("0"), Some("3"))
    );
    assert_eq!(
        val["show_error"], true,
        "9 in a 3-point rule is refused with a message"
    );
    assert!(val["error"].as_str().unwrap().contains("3 分"));
    assert_eq!(v["total_before"], 100.0);
    assert_eq!(
        v["total_after"], 99.5,
        "the total follows the typed deduction"
    );
}

#[test]
fn an_assessor_form_in_libreoffice_shows_the_self_assessment_locked_beside_empty_columns() {
    let l = campaign::load(None).unwrap();
    let unit = l.unit("海原县人民政府").unwrap();
    let entry = |amount: i64, reason: &str| ingest::Entry {
        amount: Pts(amount),
        veto: false,
        reason: reason.into(),
    };
    let own = ingest::Filled {
        unit: unit.name.clone(),
        rubric: unit.rubric.clone(),
        entries: [
            ("1-1".to_string(), entry(50, "学习资料不全")),
            ("2-1".to_string(), entry(25, "缺路线图")),
        ]
        .into(),
        ..ingest::Filled::default()
    };
    let form = kaohe::workbook::assessor::assessor_form(&own);
    let v = in_libreoffice(&blank::filled_workbook(&l, unit, Some(&form)).unwrap());
    assert_eq!(v["protected"], true);
    assert_eq!(v["self_left_of_assessor"], true);
    assert_eq!(
        v["self_locked"],
        serde_json::json!([[true, true]]),
        "自评扣分 and 自评说明 cannot be changed on any row"
    );
    assert_eq!(
        v["locked_code_points_deduct_reason"],
        serde_json::json!([[true, true, false, false]]),
        "扣分 and 扣分原因 are open for the assessors"
    );
    assert_eq!(
        v["self_shown"],
        serde_json::json!({"1-1": ["0.5", "学习资料不全"], "2-1": ["0.25", "缺路线图"]})
    );
    assert_eq!(v["assessor_columns_empty"], true);
    assert_eq!(
        v["total_before"], 100.0,
        "the assessors' total starts at 100"
    );
}

#[test]
fn a_form_filled_and_saved_by_libreoffice_as_ods_scores_as_hand_computed() {
    // Made by tests/data/fill_in_libreoffice.py: LibreOffice typed the
    // entries (one as the text "０．２５分") and saved the form as .ods.
    let l = campaign::load(None).unwrap();
    let (form, problems) = ingest::read(&data("haiyuan-filled-in-libreoffice.ods"), &l);
    assert!(problems.is_empty(), "{problems:?}");
    let form = form.unwrap();
    assert_eq!(form.unit, "海原县人民政府");
    assert_eq!(form.entries["2-1"].amount, Pts(25));
    let s = score::score_unit(l.rubric(&form.rubric), &form);
    // 0.5 + 0.25 + 0.75 + 1 + 1.5 deducted, 2 bonus points.
    assert_eq!(s.base, Pts(9600));
    assert_eq!(s.bonus, Pts(200));
    assert_eq!(s.score, Pts(9800));
    assert!(!s.veto);
    let item36 = s.items.iter().find(|i| i.no == 36).unwrap();
    assert_eq!(item36.reasons, ["②扣1.5分：被市安委办通报三次"]);
}
