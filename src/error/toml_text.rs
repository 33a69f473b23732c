//! The messages of the TOML reader (the `toml` crate and serde) in Chinese.
//! They come in English; a campaign or rubric file with a mistake must be
//! explained in the office's language. Key names and values from the file
//! are kept as written; the rest is translated, and a message of a shape
//! not known here becomes a general one instead of passing English through.

/// The Chinese for one message of `toml::de::Error::message()`.
pub fn chinese(msg: &str) -> String {
    let msg = msg.trim();
    // An unknown key or value, with what may be written instead.
    for (prefix, what, allowed, none) in [
        (
            "unknown field ",
            "不认识的键",
            "这里可以写的键",
            "；这里不能写键",
        ),
        ("unknown variant ", "不认识的取值", "可以写", ""),
    ] {
        if let Some(rest) = msg.strip_prefix(prefix) {
            let (name, list) = name_and_rest(rest);
            return match keys_allowed(list) {
                Some(keys) if !keys.is_empty() => {
                    format!("{what} {name}；{allowed}：{}", keys.join("、"))
                }
                _ => format!("{what} {name}{none}"),
            };
        }
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        return format!("缺少必填的键 {}", name_and_rest(rest).0);
    }
    if let Some(rest) = msg.strip_prefix("duplicate field ") {
        return format!("键 {} 写了两次，只能写一次", name_and_rest(rest).0);
    }
    if msg.starts_with("duplicate key") {
        return "同一个键（或表）写了两次，只能写一次".into();
    }
    for (prefix, what) in [
        ("invalid type: ", "类型不对"),
        ("invalid value: ", "取值无效"),
    ] {
        if let Some(rest) = msg.strip_prefix(prefix)
            && let Some((got, want)) = rest.split_once(", expected ")
        {
            return format!(
                "{what}：这里应写{}，写的是{}",
                expected(want),
                unexpected(got)
            );
        }
    }
    if let Some(rest) = msg.strip_prefix("invalid length ")
        && let Some((n, want)) = rest.split_once(", expected ")
    {
        let digits: String = want
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        return match digits.as_str() {
            "" => format!("项数不对：写了 {n} 项"),
            d => format!("项数不对：写了 {n} 项，应为 {d} 项"),
        };
    }
    syntax(msg)
}

/// `` `name`, rest `` → (name, rest).
fn name_and_rest(s: &str) -> (String, &str) {
    match s.strip_prefix('`').and_then(|s| s.split_once('`')) {
        Some((name, rest)) => (name.to_string(), rest.trim_start_matches(',').trim()),
        None => (s.to_string(), ""),
    }
}

/// serde's list of what is allowed: "expected one of `a`, `b`",
/// "expected `a` or `b`", "expected `a`", "there are no fields".
fn keys_allowed(s: &str) -> Option<Vec<String>> {
    if s.starts_with("there are no") {
        return Some(Vec::new());
    }
    let list = s.strip_prefix("expected ")?;
    Some(
        list.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect(),
    )
}

/// serde's description of what was found ("integer `5`", "string \"x\"").
fn unexpected(s: &str) -> String {
    let value = |s: &str| s.trim_matches('`').to_string();
    for (en, cn) in [
        ("integer ", "整数"),
        ("floating point ", "小数"),
        ("boolean ", "布尔值"),
        ("character ", "字符"),
        ("string ", "文字"),
    ] {
        if let Some(v) = s.strip_prefix(en) {
            return format!("{cn} {}", value(v));
        }
    }
    match s {
        "sequence" => "数组（方括号）".into(),
        "map" => "表".into(),
        _ => "其他类型的值".into(),
    }
}

/// serde's description of what was expected ("a string", "u32").
fn expected(s: &str) -> String {
    let s = s.trim();
    let cn = match s {
        "a string" | "a borrowed string" | "string" => "文字（加英文双引号）",
        "a sequence" | "sequence" => "数组（方括号）",
        "a boolean" | "bool" => "true 或 false",
        "u8" | "u16" | "u32" | "u64" | "usize" => "不小于 0 的整数",
        "i8" | "i16" | "i32" | "i64" | "isize" => "整数",
        "f32" | "f64" => "数字",
        "a map" | "map" => "表",
        _ if s.starts_with("struct ") => "表",
        _ if s.contains("date") => "日期",
        // Our own expectations are written in Chinese already.
        _ if !s.chars().any(|c| c.is_ascii_alphabetic()) => s,
        _ => "其他类型的值",
    };
    cn.to_string()
}

/// The TOML grammar's own messages (from `toml_parser`).
fn syntax(msg: &str) -> String {
    let (what, want) = match msg.split_once(", expected ") {
        Some((w, e)) => (w, Some(e)),
        None => (msg, None),
    };
    let known = [
        (
            "string values must be quoted",
            "文字取值要加英文双引号，例如 id = \"zhongwei-2018\"",
        ),
        (
            "invalid basic string",
            "字符串没有结束：缺少右边的英文双引号",
        ),
        ("invalid literal string", "字符串没有结束：缺少右边的单引号"),
        ("unclosed table", "表名缺少右方括号 ]"),
        ("unclosed array of tables", "表名缺少右边的两个方括号 ]]"),
        ("unclosed array", "数组缺少右方括号 ]"),
        ("unclosed inline table", "行内表缺少右花括号 }"),
        (
            "missing comma between array elements",
            "数组的元素之间缺少英文逗号",
        ),
        (
            "missing assignment between key-value pairs",
            "键和值之间缺少等号 =",
        ),
        (
            "extra assignment between key-value pairs",
            "一行里多写了一个等号",
        ),
        ("missing key", "等号前缺少键名"),
        (
            "invalid unquoted key",
            "键名只能由英文字母、数字、- 和 _ 组成，其他文字要加英文双引号",
        ),
        (
            "invalid escape sequence",
            "反斜杠 \\ 后的转义写法无效；路径请用 / 或写两个 \\\\",
        ),
        ("invalid string", "字符串写法无效"),
        ("invalid integer", "整数写法无效"),
        ("invalid float", "数字写法无效"),
        ("invalid datetime", "日期或时间写法无效"),
    ];
    if let Some((_, cn)) = known.iter().find(|(en, _)| what.starts_with(en)) {
        return cn.to_string();
    }
    let mut s = String::from("这里不符合 TOML 的写法（常见原因：少了引号、等号、逗号或括号）");
    // What the parser expected, when it is punctuation.
    if let Some(want) = want {
        let marks: Vec<&str> = want
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|m| !m.chars().any(|c| c.is_ascii_alphanumeric()))
            .collect();
        if !marks.is_empty() {
            s.push_str(&format!("（此处应为 {}）", marks.join(" 或 ")));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::chinese;

    #[test]
    fn serde_messages() {
        assert_eq!(
            chinese("unknown field `signr`, expected one of `number`, `date`, `signer`"),
            "不认识的键 signr；这里可以写的键：number、date、signer"
        );
        assert_eq!(
            chinese("unknown field `x`, expected `a` or `b`"),
            "不认识的键 x；这里可以写的键：a、b"
        );
        assert_eq!(
            chinese("unknown field `x`, there are no fields"),
            "不认识的键 x；这里不能写键"
        );
        assert_eq!(
            chinese("unknown variant `avg`, expected one of `agree`, `mean`, `trimmed-mean`"),
            "不认识的取值 avg；可以写：agree、mean、trimmed-mean"
        );
        assert_eq!(chinese("missing field `id`"), "缺少必填的键 id");
        assert_eq!(
            chinese("duplicate field `id`"),
            "键 id 写了两次，只能写一次"
        );
        assert_eq!(
            chinese("duplicate key"),
            "同一个键（或表）写了两次，只能写一次"
        );
        assert_eq!(
            chinese("invalid type: integer `5`, expected a string"),
            "类型不对：这里应写文字（加英文双引号），写的是整数 5"
        );
        assert_eq!(
            chinese("invalid type: string \"x\", expected u32"),
            "类型不对：这里应写不小于 0 的整数，写的是文字 \"x\""
        );
        assert_eq!(
            chinese("invalid value: integer `-1`, expected u32"),
            "取值无效：这里应写不小于 0 的整数，写的是整数 -1"
        );
        assert_eq!(
            chinese("invalid type: sequence, expected struct Notice"),
            "类型不对：这里应写表，写的是数组（方括号）"
        );
        assert_eq!(
            chinese("invalid length 3, expected a tuple of size 2"),
            "项数不对：写了 3 项，应为 2 项"
        );
    }

    #[test]
    fn grammar_messages() {
        assert_eq!(
            chinese("string values must be quoted, expected literal string"),
            "文字取值要加英文双引号，例如 id = \"zhongwei-2018\""
        );
        assert_eq!(
            chinese("invalid basic string, expected `\"`"),
            "字符串没有结束：缺少右边的英文双引号"
        );
        assert_eq!(
            chinese("unclosed table, expected `]`"),
            "表名缺少右方括号 ]"
        );
        assert_eq!(
            chinese("missing comma between array elements, expected `,`"),
            "数组的元素之间缺少英文逗号"
        );
    }

    #[test]
    fn an_unknown_grammar_message_names_the_expected_mark() {
        assert_eq!(
            chinese("unexpected content, expected `=`"),
            "这里不符合 TOML 的写法（常见原因：少了引号、等号、逗号或括号）（此处应为 =）"
        );
    }

    /// Whatever the reader says, no English sentence reaches the user: a
    /// shape not known here gives the general message.
    #[test]
    fn unknown_shapes_are_not_passed_through() {
        for m in [
            "something new went wrong",
            "invalid type: unit value, expected something odd",
            "expected newline, `#`",
        ] {
            let cn = chinese(m);
            let words: Vec<&str> = cn
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() > 1 && *w != "TOML")
                .collect();
            assert!(words.is_empty(), "{m} → {cn}");
        }
    }
}
