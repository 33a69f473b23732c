//! Prose: minijinja renders the text of a notice or circular from a `.j2`
//! template with the campaign's values; the text is then split into blocks
//! whose heading level is read from the numbering (一、 （一） 1. （1）).

use super::{Block, MemberRow};
use crate::campaign::ProseTemplate;
use crate::config_err;
use crate::error::{Result, printable};
use serde_json::Value;

/// The placeholders `notice.j2` may use (listed in `templates/README.md`).
pub const NOTICE_VARS: &[&str] = &[
    "year",
    "name",
    "issuer",
    "issuer_short",
    "notice_date",
    "report_deadline",
    "period",
    "period_start",
    "period_end",
    "unit_count",
    "group_duty",
    "scope",
    "requirements",
    "contact",
];

/// The placeholders `circular.j2` may use.
pub const CIRCULAR_VARS: &[&str] = &[
    "year",
    "name",
    "issuer",
    "issuer_short",
    "notice_title",
    "notice_number",
    "period",
    "total",
    "groups",
    "vetoed",
    "veto_grade",
    "excellent",
    "max_points",
    "excellent_units",
    "grade_counts",
    "thresholds",
    "fail",
    "fail_below",
    "rectify_deadline",
    "self_compare",
];

/// The placeholders `feedback.j2` may use.
pub const FEEDBACK_VARS: &[&str] = &[
    "year",
    "name",
    "issuer",
    "issuer_short",
    "notice_title",
    "notice_number",
    "unit",
    "date",
    "group",
    "headings",
    "count",
    "rectify_deadline",
];

/// Refuses a template that uses a placeholder kaohe does not provide,
/// naming the template's file, the line and the placeholder.
pub fn check_placeholders(t: &ProseTemplate, allowed: &[&str]) -> Result<()> {
    let mut env = minijinja::Environment::new();
    env.add_template("t", &t.source)
        .map_err(|e| template_error(&t.file, &e))?;
    let tmpl = env
        .get_template("t")
        .map_err(|e| template_error(&t.file, &e))?;
    let mut unknown: Vec<String> = tmpl
        .undeclared_variables(false)
        .into_iter()
        .filter(|v| !allowed.contains(&v.as_str()) && !is_builtin(v))
        .collect();
    unknown.sort_by_key(|v| (line_of_name(&t.source, v), v.clone()));
    if let Some(v) = unknown.first() {
        let line = line_of_name(&t.source, v);
        return Err(config_err!(
            "{}: 第{line}行: 模板中的占位符 {{{{ {} }}}} 不存在",
            printable(&t.file),
            printable(v)
        )
        .hint(format!(
            "可用的占位符：{}（见 templates/README.md）",
            allowed.join("、")
        )));
    }
    Ok(())
}

/// minijinja's own functions and tests, which a template may call.
fn is_builtin(name: &str) -> bool {
    matches!(name, "range" | "dict" | "namespace" | "loop" | "debug")
}

/// The first line of `src` with `name` as a whole word inside a tag.
fn line_of_name(src: &str, name: &str) -> usize {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    for (i, line) in src.lines().enumerate() {
        if !(line.contains("{{") || line.contains("{%")) {
            continue;
        }
        let mut from = 0;
        while let Some(pos) = line[from..].find(name) {
            let at = from + pos;
            let before = line[..at].chars().next_back();
            let after = line[at + name.len()..].chars().next();
            if !before.is_some_and(ident) && !after.is_some_and(ident) {
                return i + 1;
            }
            from = at + name.len();
        }
    }
    1
}

/// A minijinja error as one Chinese line with the template's file and line.
fn template_error(file: &str, e: &minijinja::Error) -> crate::Error {
    use minijinja::ErrorKind as K;
    let what = match e.kind() {
        K::SyntaxError => "语法错误（检查 {{ }}、{% %} 是否成对，标签是否写对）",
        K::UndefinedError => "用到了不存在的值",
        K::UnknownFilter => "用到了不存在的过滤器",
        K::UnknownTest => "用到了不存在的判断",
        K::UnknownFunction => "用到了不存在的函数",
        K::InvalidOperation => "不能这样运算",
        K::TooManyArguments | K::MissingArgument => "参数个数不对",
        K::BadEscape => "字符串中的转义写法有误",
        _ => "无法生成正文",
    };
    let place = e.line().map(|l| format!("第{l}行: ")).unwrap_or_default();
    config_err!("{}: {place}模板错误：{what}", printable(file)).hint(
        "请对照 templates/README.md 改正模板；占位符写作 {{ 名称 }}，循环写作 {% for x in 列表 %}…{% endfor %}",
    )
}

/// The line that stands for the leading-group list in a prose template.
pub const MEMBERS_MARK: &str = "<领导小组名单>";

/// Renders a prose template; `name` names it in messages.
pub fn render(template: &str, name: &str, ctx: &Value) -> Result<String> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // Values are printed as they are: this is plain text, not HTML.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.add_template(name, template)
        .map_err(|e| template_error(name, &e))?;
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| template_error(name, &e))
}

/// Renders a one-off string (such as a campaign's requirement text) with `ctx`.
pub fn render_str(text: &str, what: &str, ctx: &Value) -> Result<String> {
    render(text, what, ctx)
}

/// The heading level a paragraph's numbering gives it: 1 for "一、", 2 for
/// "（一）", 3 for "1." and 4 for "（1）"; 0 for plain text.
pub fn level_of(line: &str) -> usize {
    const CN: &str = "一二三四五六七八九十百零〇";
    let cn = |c: char| CN.contains(c);
    let chars: Vec<char> = line.chars().take(12).collect();
    let run =
        |from: usize, f: &dyn Fn(char) -> bool| chars[from..].iter().take_while(|c| f(**c)).count();
    // 一、
    let n = run(0, &cn);
    if n > 0 && chars.get(n) == Some(&'、') {
        return 1;
    }
    if chars.first() == Some(&'（') || chars.first() == Some(&'(') {
        let n = run(1, &cn);
        if n > 0 && matches!(chars.get(1 + n), Some('）') | Some(')')) {
            return 2;
        }
        let n = run(1, &|c: char| c.is_ascii_digit());
        if n > 0 && matches!(chars.get(1 + n), Some('）') | Some(')')) {
            return 4;
        }
    }
    // 1. or 1．, but not a number such as 1.5
    let n = run(0, &|c: char| c.is_ascii_digit());
    if n > 0
        && matches!(chars.get(n), Some('.') | Some('．'))
        && !chars.get(n + 1).is_some_and(|c| c.is_ascii_digit())
    {
        return 3;
    }
    0
}

/// Characters on a paragraph's first line: 28 less the 2 of its indent.
const FIRST_LINE: f64 = 26.0;

/// A text's width in hanzi: a half-width character counts half.
fn width(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 0.5 } else { 1.0 })
        .sum()
}

/// Splits a heading paragraph into the part set in the heading's face and the
/// rest: the heading phrase up to its first 。 when it is short (a title that
/// fits on the paragraph's first line); a long first sentence is running text
/// and stays 仿宋 (lead ""). A line without 。 is a heading as a whole.
fn split_lead(line: &str, level: usize) -> (String, String) {
    if level == 0 {
        return (String::new(), line.to_string());
    }
    match line.find('。') {
        Some(i) => {
            let cut = i + '。'.len_utf8();
            if width(&line[..cut]) <= FIRST_LINE {
                (line[..cut].to_string(), line[cut..].to_string())
            } else {
                (String::new(), line.to_string())
            }
        }
        None => (line.to_string(), String::new()),
    }
}

/// Turns rendered prose into the `body` blocks of a `Document`.
pub fn blocks(text: &str, members: &[MemberRow]) -> Vec<Block> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line == MEMBERS_MARK {
            out.push(Block::Members {
                rows: members.to_vec(),
            });
            continue;
        }
        let level = level_of(line);
        let (lead, text) = split_lead(line, level);
        out.push(Block::Par { level, lead, text });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn levels_from_numbering() {
        assert_eq!(level_of("一、成立考核领导小组"), 1);
        assert_eq!(level_of("十二、其他"), 1);
        assert_eq!(level_of("（一）各县（区）要全面对照"), 2);
        assert_eq!(level_of("(三)半角括号"), 2);
        assert_eq!(level_of("1.把深入学习"), 3);
        assert_eq!(level_of("12．全角点"), 3);
        assert_eq!(level_of("（1）细目"), 4);
        assert_eq!(level_of("1.5分的扣分"), 0);
        assert_eq!(level_of("根据市人民政府"), 0);
        assert_eq!(level_of("一些单位、部门"), 0);
        assert_eq!(level_of("2018年度"), 0);
    }

    #[test]
    fn lead_is_first_sentence() {
        let b = blocks("（一）甲乙。丙丁。\n一、标题\n正文", &[]);
        let par = |level: usize, lead: &str, text: &str| Block::Par {
            level,
            lead: lead.into(),
            text: text.into(),
        };
        assert_eq!(b[0], par(2, "（一）甲乙。", "丙丁。"));
        assert_eq!(b[1], par(1, "一、标题", ""));
        assert_eq!(b[2], par(0, "", "正文"));
        // a long first sentence is running text: no heading face
        let long = "（一）各县（区）、管委会、市安委会相关成员单位要全面对照考核细则。其后。";
        assert_eq!(blocks(long, &[])[0], par(2, "", long));
        let title = "（四）考核组成员要严格遵守工作纪律和廉政纪律。在考核过程中";
        assert_eq!(
            blocks(title, &[])[0],
            par(
                2,
                "（四）考核组成员要严格遵守工作纪律和廉政纪律。",
                "在考核过程中"
            )
        );
    }

    #[test]
    fn values_are_not_escaped_or_evaluated() {
        let out = render("{{ x }}", "t", &json!({"x": "<b>{{ y }}</b> & #panic()"})).unwrap();
        assert_eq!(out, "<b>{{ y }}</b> & #panic()");
    }
}
