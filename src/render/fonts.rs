//! The listing of `kaohe fonts`: every font of a run, where it comes from,
//! and which family serves each role of the campaign.

use super::Engine;

/// The family that serves a role: the first of the campaign's list that the
/// run has (matched as Typst matches families, ignoring case).
pub fn serving<'a>(engine: &Engine, wanted: &'a [String]) -> Option<&'a str> {
    wanted
        .iter()
        .find(|w| engine.families.iter().any(|f| f.eq_ignore_ascii_case(w)))
        .map(String::as_str)
}

/// The text `kaohe fonts` prints.
pub fn listing(engine: &Engine, roles: &[(&str, &Vec<String>)]) -> String {
    let mut out = format!("字体（优先顺序：{}）：\n", engine.font_sources);
    for e in &engine.entries {
        let used: Vec<&str> = roles
            .iter()
            .filter(|(_, wanted)| {
                serving(engine, wanted).is_some_and(|f| f.eq_ignore_ascii_case(&e.family))
            })
            .map(|(role, _)| *role)
            .collect();
        let used = if used.is_empty() {
            String::new()
        } else {
            format!("  用于：{}", used.join("、"))
        };
        out.push_str(&format!(
            "  {}  {}  {} {}{used}\n",
            e.family, e.style, e.source, e.file
        ));
    }
    out.push_str("各用途的字体（按考核方案 [fonts] 的顺序取第一个可用的）：\n");
    for (role, wanted) in roles {
        let line = match serving(engine, wanted) {
            Some(f) => f.to_string(),
            None => format!("缺少（考核方案指定：{}）", wanted.join("、")),
        };
        out.push_str(&format!("  {role}：{line}\n"));
    }
    out
}
