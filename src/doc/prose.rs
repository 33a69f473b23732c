//! Prose: minijinja renders the text of a notice or circular from a `.j2`
//! template with the campaign's values; the text is then split into blocks
//! whose heading level is read from the numbering (一、 （一） 1. （1）).

use super::{Block, MemberRow};
use crate::error::Result;
use crate::failed;
use serde_json::Value;

pub const NOTICE_J2: &str = include_str!("../../templates/notice.j2");
pub const CIRCULAR_J2: &str = include_str!("../../templates/circular.j2");

/// The line that stands for the leading-group list in a prose template.
pub const MEMBERS_MARK: &str = "<领导小组名单>";

/// Renders a prose template; `name` names it in messages.
pub fn render(template: &str, name: &str, ctx: &Value) -> Result<String> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // Values are printed as they are: this is plain text, not HTML.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.add_template(name, template)
        .map_err(|e| failed!("{name}: 模板错误：{e}"))?;
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| failed!("{name}: 模板错误：{e}"))
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

/// Splits a heading paragraph into the part set in the heading's face and the
/// rest: a level-1 line up to its first 。 (or whole), other levels likewise.
fn split_lead(line: &str, level: usize) -> (String, String) {
    if level == 0 {
        return (String::new(), line.to_string());
    }
    match line.find('。') {
        Some(i) => {
            let cut = i + '。'.len_utf8();
            (line[..cut].to_string(), line[cut..].to_string())
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
    }

    #[test]
    fn values_are_not_escaped_or_evaluated() {
        let out = render("{{ x }}", "t", &json!({"x": "<b>{{ y }}</b> & #panic()"})).unwrap();
        assert_eq!(out, "<b>{{ y }}</b> & #panic()");
    }
}
