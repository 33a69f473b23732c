//! What `kaohe init` writes into a new campaign folder, compiled into the
//! binary so that kaohe needs no source tree: the built-in 2018 example as
//! `kaohe.toml`, its rubrics, the prose templates and the two guides.

/// The built-in example campaign as the repository holds it (its rubric
/// and template paths point into the repository).
const BUILTIN_TOML: &str = include_str!("../builtin/zhongwei-2018.toml");

/// The rubrics of the example, by file name.
pub const RUBRICS: &[(&str, &str)] = &[
    (
        "2018-county.toml",
        include_str!("../../rubrics/2018-county.toml"),
    ),
    (
        "2018-member.toml",
        include_str!("../../rubrics/2018-member.toml"),
    ),
];

pub const NOTICE_J2: &str = include_str!("../../templates/notice.j2");
pub const CIRCULAR_J2: &str = include_str!("../../templates/circular.j2");
pub const FEEDBACK_J2: &str = include_str!("../../templates/feedback.j2");

/// The prose templates, by file name.
pub const PROSE: &[(&str, &str)] = &[
    ("notice.j2", NOTICE_J2),
    ("circular.j2", CIRCULAR_J2),
    ("feedback.j2", FEEDBACK_J2),
];

/// `templates/README.md` of a campaign folder: every placeholder.
pub const TEMPLATES_README: &str = include_str!("templates_readme.md");

/// `说明.md` of a campaign folder: what each file is and what to do next.
pub const GUIDE: &str = include_str!("guide.md");

const HEADER: &str = "\
# 考核方案（kaohe.toml）。本文件是内置的2018年度中卫市示例的副本，
# 请逐项改成本次考核的内容：发文机关、通知、领导小组、结果通报、
# 被考核单位及考核时间、等次和字体。改好后在本文件夹中运行
# kaohe notice、kaohe blank 等命令即可，不需要任何参数。
# 日期写作 2019-11-05 或 2019年11月5日；时间写作 09:00-10:30。
# rubrics 和 templates 中的路径相对于本文件所在的文件夹。
";

/// `kaohe.toml` of a new campaign folder: the built-in example with a
/// Chinese header and its paths pointing into the folder.
pub fn campaign_toml() -> String {
    let mut out = String::from(HEADER);
    let mut in_header = true;
    for line in BUILTIN_TOML.lines() {
        if in_header && line.starts_with('#') {
            continue;
        }
        in_header = false;
        if line.starts_with("rubrics = ") {
            let names: Vec<String> = RUBRICS
                .iter()
                .map(|(n, _)| format!("\"rubrics/{n}\""))
                .collect();
            out.push_str(&format!(
                "rubrics = [{}]   # 考核细则文件，每类单位一个\n",
                names.join(", ")
            ));
        } else if line.starts_with("templates = ") {
            out.push_str("templates = \"templates\"   # 通知和结果通报的正文模板所在的文件夹\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn campaign_toml_points_into_its_folder() {
        let t = super::campaign_toml();
        assert!(
            t.contains("rubrics = [\"rubrics/2018-county.toml\", \"rubrics/2018-member.toml\"]")
        );
        assert!(t.contains("templates = \"templates\""));
        assert!(!t.contains("../../"));
        assert!(!t.contains("Copy this file"));
    }
}
