//! The campaign file: who issues, the notice and circular, the units and their
//! schedule, grade thresholds and fonts. The 2018 Zhongwei example is built in.

use crate::config_err;
use crate::error::{Result, toml_error};
use crate::points::Pts;
use crate::rubric::{self, Rubric};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const BUILTIN_NAME: &str = "内置示例 zhongwei-2018";
const BUILTIN: &str = include_str!("builtin/zhongwei-2018.toml");
/// The rubrics of the built-in example, by the path the campaign names them with.
const BUILTIN_RUBRICS: &[(&str, &str)] = &[
    (
        "../../rubrics/2018-county.toml",
        include_str!("../rubrics/2018-county.toml"),
    ),
    (
        "../../rubrics/2018-member.toml",
        include_str!("../rubrics/2018-member.toml"),
    ),
];

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    pub id: String,
    pub year: i32,
    pub name: String,
    pub rubrics: Vec<String>,
    pub issuer: Issuer,
    pub notice: Notice,
    pub leading_group: Vec<Member>,
    pub circular: Circular,
    pub schedule: ScheduleInfo,
    pub grades: Grades,
    pub fonts: Fonts,
    pub units: Vec<Unit>,
    #[serde(default)]
    pub limits: Limits,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    pub name: String,
    pub short: String,
    pub mark: String,
    /// 印章图片（PNG 或 SVG），相对于考核方案文件；有印章时署名和日期按
    /// 加盖印章的格式排。
    #[serde(default)]
    pub seal: Option<String>,
    /// 印章直径（毫米），默认 42。
    #[serde(default)]
    pub seal_size: Option<f64>,
    /// 联合行文的其他发文机关（标志中排在本机关之下，“文件”在右）。
    #[serde(default)]
    pub joint: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    pub number: String,
    pub date: String,
    pub title: Vec<String>,
    pub recipients: String,
    pub period_start: String,
    pub period_end: String,
    pub report_deadline: String,
    pub group_duty: String,
    pub scope: String,
    pub requirements: Vec<String>,
    pub attachments: Vec<String>,
    pub note: Option<String>,
    pub cc: Vec<String>,
    pub contact: Contact,
    /// 份号（6位数字）、密级和保密期限、紧急程度、签发人（上行文），可选。
    #[serde(default)]
    pub copy_no: Option<String>,
    #[serde(default)]
    pub secrecy: Option<String>,
    #[serde(default)]
    pub urgency: Option<String>,
    #[serde(default)]
    pub signer: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    pub phone: String,
    pub email: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub role: String,
    pub name: String,
    pub title: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Circular {
    pub number: String,
    pub date: String,
    pub title: Vec<String>,
    pub recipients: String,
    pub note: Option<String>,
    pub cc: Vec<String>,
    /// 份号（6位数字）、密级和保密期限、紧急程度、签发人（上行文），可选。
    #[serde(default)]
    pub copy_no: Option<String>,
    #[serde(default)]
    pub secrecy: Option<String>,
    #[serde(default)]
    pub urgency: Option<String>,
    #[serde(default)]
    pub signer: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInfo {
    pub title: String,
    pub note: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grades {
    pub levels: Vec<GradeLevel>,
    pub fail: String,
    pub veto: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeLevel {
    pub name: String,
    pub min: f64,
}

#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fonts {
    pub xiaobiaosong: Vec<String>,
    pub fangsong: Vec<String>,
    pub heiti: Vec<String>,
    pub kaiti: Vec<String>,
    pub songti: Vec<String>,
}

impl Fonts {
    pub fn roles(&self) -> [(&'static str, &Vec<String>); 5] {
        [
            ("小标宋", &self.xiaobiaosong),
            ("仿宋", &self.fangsong),
            ("黑体", &self.heiti),
            ("楷体", &self.kaiti),
            ("宋体", &self.songti),
        ]
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    pub name: String,
    pub rubric: String,
    pub date: String,
    pub time: String,
}

/// Limits on what a returned workbook may be; a campaign may raise them.
#[derive(Clone, Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest workbook file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Largest uncompressed size of a workbook's parts, in bytes.
    pub max_unpacked_bytes: u64,
    /// Most rows read from the scoring sheet.
    pub max_rows: u32,
    /// Longest text accepted in one cell, in characters.
    pub max_text_chars: usize,
    /// Most memory reading one workbook may take, in bytes.
    pub max_memory_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 20 << 20,
            max_unpacked_bytes: 100 << 20,
            max_rows: 2000,
            max_text_chars: 2000,
            max_memory_bytes: 2 << 30,
        }
    }
}

/// A campaign with its rubrics loaded and checked.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub campaign: Campaign,
    pub rubrics: Vec<Rubric>,
    /// Where it came from, for messages and the manifest.
    pub source: String,
}

impl Loaded {
    pub fn rubric(&self, id: &str) -> &Rubric {
        self.rubrics
            .iter()
            .find(|r| r.id == id)
            .expect("units are checked against the rubrics when loading")
    }

    pub fn unit(&self, name: &str) -> Option<&Unit> {
        self.campaign.units.iter().find(|u| u.name == name)
    }
}

/// Loads `--campaign FILE`, or the built-in example when `None`.
pub fn load(path: Option<&Path>) -> Result<Loaded> {
    match path {
        None => {
            let builtin: BTreeMap<&str, &str> = BUILTIN_RUBRICS.iter().copied().collect();
            load_with(BUILTIN, BUILTIN_NAME, |p| {
                let name = format!("内置:{}", p.trim_start_matches("../../"));
                builtin
                    .get(p)
                    .map(|src| rubric::load_str(src, &name))
                    .unwrap_or_else(|| Err(config_err!("{BUILTIN_NAME}: 没有内置的考核细则 {p}")))
            })
        }
        Some(path) => {
            let name = path.display().to_string();
            let src = std::fs::read_to_string(path)
                .map_err(|e| config_err!("{name}: 无法读取考核方案文件：{e}"))?;
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            load_with(&src, &name, |p| rubric::load_file(&resolve(&dir, p)))
        }
    }
}

fn resolve(dir: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        dir.join(p)
    }
}

fn load_with(
    src: &str,
    name: &str,
    load_rubric: impl Fn(&str) -> Result<Rubric>,
) -> Result<Loaded> {
    let campaign: Campaign = toml::from_str(src).map_err(|e| toml_error(name, src, &e))?;
    let rubrics = campaign
        .rubrics
        .iter()
        .map(|p| load_rubric(p))
        .collect::<Result<Vec<_>>>()?;
    check(&campaign, &rubrics, name)?;
    Ok(Loaded {
        campaign,
        rubrics,
        source: name.to_string(),
    })
}

/// Cross-checks that a TOML parser cannot: dates, unit names, rubric ids, grades.
fn check(c: &Campaign, rubrics: &[Rubric], file: &str) -> Result<()> {
    let bad = |what: &str, msg: String| config_err!("{file}: {what}：{msg}");
    if c.id.trim().is_empty() || c.id.contains(['/', '\\']) {
        return Err(bad("id", "不能为空，也不能含有 / 或 \\".into()));
    }
    for (i, r) in rubrics.iter().enumerate() {
        if rubrics[..i].iter().any(|o| o.id == r.id) {
            return Err(bad("rubrics", format!("考核细则 id “{}” 重复", r.id)));
        }
    }
    for (what, d) in [
        ("notice.date", &c.notice.date),
        ("notice.period_start", &c.notice.period_start),
        ("notice.period_end", &c.notice.period_end),
        ("notice.report_deadline", &c.notice.report_deadline),
        ("circular.date", &c.circular.date),
    ] {
        parse_date(d).map_err(|m| bad(what, m))?;
    }
    if c.units.is_empty() {
        return Err(bad("units", "没有被考核单位".into()));
    }
    for (i, u) in c.units.iter().enumerate() {
        let what = format!(
            "第{}个被考核单位（{}）",
            i + 1,
            crate::error::printable(&u.name)
        );
        if u.name.trim().is_empty() || u.name.chars().count() > 100 {
            return Err(bad(&what, "单位名称为空或超过 100 个字".into()));
        }
        if u.name.chars().any(char::is_control) {
            return Err(bad(&what, "单位名称含有控制字符".into()));
        }
        if c.units[..i].iter().any(|o| o.name == u.name) {
            return Err(bad(&what, "单位名称重复".into()));
        }
        // Each unit's files are named after it: two names that give the same
        // file name (also on a file system that ignores case) would share one.
        let file = crate::workbook::safe_file_name(&u.name);
        if let Some(o) = c.units[..i].iter().find(|o| {
            crate::workbook::safe_file_name(&o.name).to_lowercase() == file.to_lowercase()
        }) {
            return Err(bad(
                &what,
                format!(
                    "与“{}”生成的文件名相同（{file}），请改用能区分的名称",
                    o.name
                ),
            ));
        }
        if !rubrics.iter().any(|r| r.id == u.rubric) {
            let ids: Vec<_> = rubrics.iter().map(|r| r.id.as_str()).collect();
            return Err(bad(
                &what,
                format!("考核细则 “{}” 不存在（已有：{}）", u.rubric, ids.join("、")),
            ));
        }
        parse_date(&u.date).map_err(|m| bad(&what, m))?;
        parse_slot(&u.time).map_err(|m| bad(&what, m))?;
    }
    if c.grades.levels.is_empty() {
        return Err(bad("grades", "至少需要一个等次".into()));
    }
    for w in c.grades.levels.windows(2) {
        if w[1].min >= w[0].min {
            return Err(bad("grades", "等次须按分数线从高到低排列".into()));
        }
    }
    for g in &c.grades.levels {
        if Pts::from_f64(g.min).is_none() {
            return Err(bad("grades", format!("分数线 {} 无效", g.min)));
        }
    }
    for (role, fams) in c.fonts.roles() {
        if fams.is_empty() {
            return Err(bad("fonts", format!("{role}没有指定字体")));
        }
    }
    Ok(())
}

pub fn parse_date(s: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("日期 “{s}” 无效，应写作 2018-11-02"))
}

/// A time slot "08:30-10:20" as minutes since midnight.
pub fn parse_slot(s: &str) -> std::result::Result<(u32, u32), String> {
    let err = || format!("时间 “{s}” 无效，应写作 08:30-10:20");
    let (a, b) = s.split_once('-').ok_or_else(err)?;
    let hm = |t: &str| -> Option<u32> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(h * 60 + m)
    };
    let (a, b) = (hm(a).ok_or_else(err)?, hm(b).ok_or_else(err)?);
    if a >= b {
        return Err(format!("时间 “{s}” 的结束时间不晚于开始时间"));
    }
    Ok((a, b))
}

/// "2018年11月2日": Arabic numerals, no zero padding (GB/T 9704 7.3.5).
pub fn cn_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// "11月14日".
pub fn cn_month_day(d: NaiveDate) -> String {
    format!("{}月{}日", d.month(), d.day())
}

impl Campaign {
    pub fn date(s: &str) -> NaiveDate {
        parse_date(s).expect("dates are checked when the campaign loads")
    }

    /// The grade for a score, or the veto grade.
    pub fn grade(&self, score: Pts, vetoed: bool) -> String {
        if vetoed {
            return self.grades.veto.clone();
        }
        for g in &self.grades.levels {
            if score >= Pts::from_f64(g.min).unwrap_or_default() {
                return g.name.clone();
            }
        }
        self.grades.fail.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_loads() {
        let l = load(None).unwrap();
        assert_eq!(l.campaign.units.len(), 25);
        assert_eq!(l.rubrics.len(), 2);
        let county = l
            .campaign
            .units
            .iter()
            .filter(|u| u.rubric == "county-2018")
            .count();
        assert_eq!(county, 5);
    }

    #[test]
    fn dates_print_without_padding() {
        assert_eq!(cn_date(parse_date("2018-11-02").unwrap()), "2018年11月2日");
        assert!(parse_date("2018-13-01").is_err());
        assert_eq!(parse_slot("08:30-10:20"), Ok((510, 620)));
        assert!(parse_slot("10:00-09:00").is_err());
    }
}
