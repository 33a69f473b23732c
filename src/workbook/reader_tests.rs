//! Unit tests of the cell readers of ingest: the number in a 扣分 cell, the
//! deduction, bonus and veto rows. Each case states the exact problem (cell,
//! message, error or warning, remedy) a person sees, so that a changed
//! bound or comparison in a reader fails here (issue 16, mutation testing).

use super::ingest::{
    Ctx, Entry, Problem, number, parse_number_text, read_bonus, read_deduction, read_veto,
};
use crate::points::Pts;
use crate::rubric::Deduction;
use calamine::{CellErrorType, Data, ExcelDateTime, ExcelDateTimeType};

/// A problem as (cell, error, message, hint).
type Said = (String, bool, String, Option<String>);

fn cx() -> Ctx<'static> {
    Ctx {
        file: "单位.xlsx",
        sheet: "评分表".into(),
        problems: Vec::new(),
    }
}

/// The problems as (cell, error, message, hint).
fn said(cx: &Ctx) -> Vec<Said> {
    cx.problems
        .iter()
        .map(|p: &Problem| {
            assert_eq!(p.file, "单位.xlsx");
            assert_eq!(p.sheet.as_deref(), Some("评分表"));
            (
                p.cell.clone().unwrap(),
                p.error,
                p.message.clone(),
                p.hint.clone(),
            )
        })
        .collect()
}

fn err(cell: &str, message: &str) -> Said {
    (cell.into(), true, message.into(), None)
}

/// `number` of `cell` at C5, and what it said.
fn num(cell: Data) -> (Option<Option<Pts>>, Vec<Said>) {
    let mut c = cx();
    let v = number(&mut c, 4, 2, &cell);
    (v, said(&c))
}

fn s(text: &str) -> Data {
    Data::String(text.into())
}

#[test]
fn numbers_read() {
    for (cell, want) in [
        (Data::Empty, None),
        (s("   "), None),
        (Data::Int(3), Some(Pts(300))),
        (Data::Int(-2), Some(Pts(-200))),
        (Data::Int(9_999), Some(Pts(999_900))),
        (Data::Int(-9_999), Some(Pts(-999_900))),
        (Data::Float(0.5), Some(Pts(50))),
        (Data::Float(9_999.99), Some(Pts(999_999))),
        (Data::Float(-9_999.99), Some(Pts(-999_999))),
        (s("０．５分"), Some(Pts(50))),
        (s("9999.99"), Some(Pts(999_999))),
        (s("-9999.99"), Some(Pts(-999_999))),
    ] {
        assert_eq!(num(cell.clone()), (Some(want), vec![]), "{cell:?}");
    }
}

#[test]
fn numbers_refused() {
    let big = || vec![err("C5", "数字过大")];
    for cell in [
        Data::Int(10_000),
        Data::Int(-10_000),
        // Past Pts::from_f64's 1e12: still "too big", not "two decimals".
        Data::Int(10_000_000_000_000),
        Data::Int(i64::MIN),
        Data::Float(10_000.0),
        Data::Float(-10_000.0),
        Data::Float(f64::NAN),
        Data::Float(f64::INFINITY),
        s("10000"),
        s("-10000"),
    ] {
        assert_eq!(num(cell.clone()), (None, big()), "{cell:?}");
    }
    let one = |cell: Data, message: &str| {
        assert_eq!(
            num(cell.clone()),
            (None, vec![err("C5", message)]),
            "{cell:?}"
        );
    };
    one(Data::Float(0.125), "“0.125”最多保留两位小数");
    one(s("0.125"), "“0.125”不是数字（扣分请填写如 0.5 的数字）");
    one(s("半分"), "“半分”不是数字（扣分请填写如 0.5 的数字）");
    one(
        s(&"扣".repeat(50)),
        &format!("“{}”不是数字（扣分请填写如 0.5 的数字）", "扣".repeat(40)),
    );
    one(Data::Bool(true), "应填数字，这里是逻辑值（TRUE/FALSE）");
    let date = "应填数字，这里是日期或时间（单元格格式可能被改成了日期）";
    one(
        Data::DateTime(ExcelDateTime::new(
            43418.0,
            ExcelDateTimeType::DateTime,
            false,
        )),
        date,
    );
    one(Data::DateTimeIso("2018-11-14".into()), date);
    one(Data::DurationIso("PT1H".into()), date);
    one(
        Data::Error(CellErrorType::Div0),
        "应填数字，这里是公式错误值 #DIV/0!",
    );
}

#[test]
fn number_text_as_meant() {
    assert_eq!(parse_number_text("－０．５"), Some(Pts(-50)));
    assert_eq!(parse_number_text("−1"), Some(Pts(-100)));
    assert_eq!(parse_number_text("＋２"), Some(Pts(200)));
    assert_eq!(parse_number_text("1。5"), Some(Pts(150)));
    assert_eq!(parse_number_text("１２"), Some(Pts(1200)));
    assert_eq!(parse_number_text("2分 "), Some(Pts(200)));
    assert_eq!(parse_number_text("分"), None);
    assert_eq!(parse_number_text(""), None);
}

/// `read_deduction` of `cell` at C5 (reason in D5) for a rule of 2 points.
fn deduct(cell: Data, reason: &str, how: Deduction) -> (Option<Entry>, Vec<Said>) {
    let mut c = cx();
    let e = read_deduction(&mut c, 4, 2, &cell, reason, Pts(200), how, 3);
    (e, said(&c))
}

fn entry(amount: i64, reason: &str) -> Option<Entry> {
    Some(Entry {
        amount: Pts(amount),
        veto: false,
        reason: reason.into(),
    })
}

#[test]
fn deductions() {
    let step = Deduction::Step { step: Pts(50) };
    assert_eq!(deduct(Data::Empty, "", step), (entry(0, ""), vec![]));
    assert_eq!(
        deduct(Data::Float(0.5), "缺", step),
        (entry(50, "缺"), vec![])
    );
    // All of the rule's points, no more.
    assert_eq!(deduct(Data::Int(2), "无", step), (entry(200, "无"), vec![]));
    assert_eq!(
        deduct(Data::Float(2.5), "无", step),
        (None, vec![err("C5", "扣分 2.5 超过本条分值 2 分")])
    );
    assert_eq!(
        deduct(Data::Float(-0.5), "无", step),
        (None, vec![err("C5", "扣分不能为负数（-0.5）")])
    );
    assert_eq!(
        deduct(Data::Float(0.5), "", step),
        (None, vec![err("D5", "扣了 0.5 分，但没有填写扣分原因")])
    );
    assert_eq!(
        deduct(s("半分"), "无", step),
        (
            None,
            vec![err("C5", "“半分”不是数字（扣分请填写如 0.5 的数字）")]
        )
    );
    // Not a multiple of the step: a warning with its remedy, and read.
    assert_eq!(
        deduct(Data::Float(0.3), "缺", step),
        (
            entry(30, "缺"),
            vec![(
                "C5".into(),
                false,
                "本条每处扣 0.5 分，这里扣了 0.3 分，不是 0.5 分的整数倍，是不是填错了？".into(),
                Some(
                    "请按本条的扣分标准核对：扣分应是 0.5 分的 1 倍、2 倍……；确实如此可以不理会"
                        .into()
                )
            )]
        )
    );
    // All or nothing: the step is the rule's points.
    assert_eq!(
        deduct(Data::Int(1), "缺", Deduction::AllOrNothing).1[0].2,
        "本条每处扣 2 分，这里扣了 1 分，不是 2 分的整数倍，是不是填错了？"
    );
    // Judgement allows any amount.
    assert_eq!(
        deduct(Data::Float(0.3), "缺", Deduction::Judgement),
        (entry(30, "缺"), vec![])
    );
    // A reason without a deduction: kept, with a warning at the reason.
    let long = "原因".repeat(15);
    assert_eq!(
        deduct(Data::Empty, &long, step),
        (
            entry(0, &long),
            vec![(
                "D5".into(),
                false,
                format!("填了扣分原因“{}”，但“扣分”栏没有扣分", "原因".repeat(10)),
                Some(
                    "如应扣分，请在同一行的“扣分”栏填写分数；否则这段文字作为备注保留在评分表存档中"
                        .into()
                )
            )]
        )
    );
}

/// `read_bonus` of `cell` at C5 (reason in D5).
fn bonus(cell: Data, reason: &str, how: Deduction) -> (Option<Entry>, Vec<Said>) {
    let mut c = cx();
    let e = read_bonus(&mut c, 4, 2, &cell, reason, how, 3);
    (e, said(&c))
}

#[test]
fn bonuses() {
    let how = Deduction::Bonus {
        per: Pts(50),
        cap: Pts(300),
    };
    assert_eq!(bonus(Data::Empty, "", how), (entry(0, ""), vec![]));
    assert_eq!(bonus(Data::Empty, "无", how), (entry(0, "无"), vec![]));
    assert_eq!(
        bonus(Data::Int(3), "表彰", how),
        (entry(300, "表彰"), vec![])
    );
    assert_eq!(
        bonus(Data::Float(3.5), "表彰", how),
        (None, vec![err("C5", "加分 3.5 超过上限 3 分")])
    );
    assert_eq!(
        bonus(Data::Float(0.75), "表彰", how),
        (
            None,
            vec![err(
                "C5",
                "加分 0.75 应为 0.5 分的整数倍（每受表彰一项加 0.5 分）"
            )]
        )
    );
    assert_eq!(
        bonus(Data::Int(-1), "表彰", how),
        (None, vec![err("C5", "加分不能为负数（-1）")])
    );
    assert_eq!(
        bonus(Data::Int(1), "", how),
        (None, vec![err("D5", "申报了加分，但没有写明受表彰事项")])
    );
    assert_eq!(
        bonus(Data::Bool(false), "表彰", how),
        (
            None,
            vec![err("C5", "应填数字，这里是逻辑值（TRUE/FALSE）")]
        )
    );
    // A rule without a bonus rule: one point a commendation, five at most.
    let other = Deduction::Judgement;
    assert_eq!(
        bonus(Data::Int(5), "表彰", other),
        (entry(500, "表彰"), vec![])
    );
    assert_eq!(
        bonus(Data::Int(6), "表彰", other),
        (None, vec![err("C5", "加分 6 超过上限 5 分")])
    );
    assert_eq!(
        bonus(Data::Float(1.5), "表彰", other),
        (
            None,
            vec![err(
                "C5",
                "加分 1.5 应为 1 分的整数倍（每受表彰一项加 1 分）"
            )]
        )
    );
}

/// `read_veto` of `cell` at C5 (reason in D5).
fn veto(cell: Data, reason: &str) -> (Option<Entry>, Vec<Said>) {
    let mut c = cx();
    let e = read_veto(&mut c, 4, 2, &cell, reason, 3);
    (e, said(&c))
}

#[test]
fn vetoes() {
    let v = |veto: bool, reason: &str| {
        Some(Entry {
            amount: Pts::ZERO,
            veto,
            reason: reason.into(),
        })
    };
    assert_eq!(veto(Data::Empty, ""), (v(false, ""), vec![]));
    assert_eq!(veto(s("否"), ""), (v(false, ""), vec![]));
    assert_eq!(veto(s(" 否 "), "无事故"), (v(false, "无事故"), vec![]));
    assert_eq!(veto(s("是"), "较大事故"), (v(true, "较大事故"), vec![]));
    assert_eq!(
        veto(s("是"), ""),
        (
            None,
            vec![err("D5", "填了一票否决“是”，但没有写明事故情况")]
        )
    );
    assert_eq!(
        veto(s("可能"), "x"),
        (
            None,
            vec![err("C5", "一票否决只能填“是”或“否”，这里是“可能”")]
        )
    );
    assert_eq!(
        veto(s(&"否".repeat(30)), "x").1[0].2,
        format!("一票否决只能填“是”或“否”，这里是“{}”", "否".repeat(20))
    );
    assert_eq!(
        veto(Data::Int(1), "x").1[0].2,
        "一票否决只能填“是”或“否”，这里是“1”"
    );
}
