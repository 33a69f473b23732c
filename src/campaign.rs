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
    /// The folder of the prose templates (`notice.j2`, `circular.j2`),
    /// relative to the campaign file; `templates` when not given.
    #[serde(default)]
    pub templates: Option<String>,
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
    #[serde(default)]
    pub output: Output,
    #[serde(default)]
    pub scoring: Scoring,
    #[serde(default)]
    pub feedback: FeedbackInfo,
}

/// `[feedback]`: the 考核情况反馈意见 given to each unit.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedbackInfo {
    /// Who signs it; "市安委办考核组" (the issuer's short name) when not given.
    pub group: Option<String>,
}

impl Campaign {
    /// `[circular] rectify_deadline` as printed ("2018年12月31日"), "" without one.
    pub fn rectify_deadline_cn(&self) -> String {
        self.circular
            .rectify_deadline
            .as_deref()
            .map(|d| cn_date(Campaign::date(d)))
            .unwrap_or_default()
    }

    /// The 考核组 that signs the feedback.
    pub fn feedback_group(&self) -> String {
        self.feedback
            .group
            .clone()
            .filter(|g| !g.trim().is_empty())
            .unwrap_or_else(|| format!("{}考核组", self.issuer.short))
    }
}

/// `[scoring]`: how the 考核组's forms are combined.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scoring {
    /// How the forms of several assessors for one unit combine.
    pub assessors: AssessorMode,
}

/// How several assessors' deductions on one rule become the unit's.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AssessorMode {
    /// Every assessor must give the same deduction; a difference is an
    /// error for the group to settle.
    #[default]
    Agree,
    /// The mean, rounded half up to hundredths.
    Mean,
    /// The mean without the highest and the lowest (with three or more
    /// assessors), rounded half up to hundredths.
    TrimmedMean,
}

impl AssessorMode {
    /// The value as written in the campaign file.
    pub fn as_str(self) -> &'static str {
        match self {
            AssessorMode::Agree => "agree",
            AssessorMode::Mean => "mean",
            AssessorMode::TrimmedMean => "trimmed-mean",
        }
    }
}

/// `[output]`: which formats are written besides the PDFs.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Output {
    /// OFD (GB/T 33190) beside the notice, the circular and each filled sheet.
    pub ofd: bool,
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

/// The head fields (number … cc, copy_no … signer) are declared again in
/// [`Circular`]: one `#[serde(flatten)]` struct would lose the line, column
/// and allowed keys of an error (test `head_field_errors_name_…`).
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
    /// How each group of units is named in the circular and its ranking
    /// table, by rubric id; a rubric not named here gives its title.
    #[serde(default)]
    pub groups: BTreeMap<String, String>,
    /// The note under the ranking table for a vetoed unit; may use
    /// `{{ unit }}` and `{{ reason }}`.
    #[serde(default)]
    pub veto_note: Option<String>,
    /// 整改期限：通报“整改要求”中各单位报送整改情况的日期，可选。
    #[serde(default)]
    pub rectify_deadline: Option<String>,
    /// “存在的主要问题”中每组最多列出的扣分项数（默认 3）。
    #[serde(default)]
    pub problems: Option<usize>,
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
    /// 考核地点（日历文件 schedule.ics 的 LOCATION），各单位没有写 location 时用，可选。
    #[serde(default)]
    pub location: Option<String>,
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
    /// 考核地点（日历文件的 LOCATION），可选。
    #[serde(default)]
    pub location: Option<String>,
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
    /// The notice's and the circular's prose, read when the campaign loads.
    pub prose: Prose,
}

/// The file names of the prose templates in a campaign's `templates/`.
pub const NOTICE_TEMPLATE: &str = "notice.j2";
pub const CIRCULAR_TEMPLATE: &str = "circular.j2";
/// The feedback's prose; a campaign folder made before it existed uses the
/// built-in text.
pub const FEEDBACK_TEMPLATE: &str = "feedback.j2";

/// The prose templates of a campaign.
#[derive(Clone, Debug)]
pub struct Prose {
    pub notice: ProseTemplate,
    pub circular: ProseTemplate,
    /// 考核情况反馈意见 (`feedback.j2`).
    pub feedback: ProseTemplate,
}

/// One prose template: its text and the file it came from.
#[derive(Clone, Debug)]
pub struct ProseTemplate {
    /// The file, as named in messages.
    pub file: String,
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

/// Loads `--campaign FILE`, or the built-in example when `None` (only
/// `kaohe demo` and the tests ask for it).
pub fn load(path: Option<&Path>) -> Result<Loaded> {
    match path {
        None => {
            let builtin: BTreeMap<&str, &str> = BUILTIN_RUBRICS.iter().copied().collect();
            let prose = |_: &Campaign| {
                let t = |name: &str, source: &str| ProseTemplate {
                    file: format!("内置:templates/{name}"),
                    source: source.to_string(),
                };
                Ok(Prose {
                    notice: t(NOTICE_TEMPLATE, crate::assets::NOTICE_J2),
                    circular: t(CIRCULAR_TEMPLATE, crate::assets::CIRCULAR_J2),
                    feedback: t(FEEDBACK_TEMPLATE, crate::assets::FEEDBACK_J2),
                })
            };
            load_with(
                BUILTIN,
                BUILTIN_NAME,
                |p| {
                    let name = format!("内置:{}", p.trim_start_matches("../../"));
                    builtin
                        .get(p)
                        .map(|src| rubric::load_str(src, &name))
                        .unwrap_or_else(|| {
                            Err(config_err!("{BUILTIN_NAME}: 没有内置的考核细则 {p}"))
                        })
                },
                prose,
            )
        }
        Some(path) => {
            let name = path.display().to_string();
            let src = std::fs::read_to_string(path).map_err(|e| {
                config_err!(
                    "{}: 无法读取考核方案文件：{}",
                    crate::error::printable(&name),
                    crate::error::os(&e)
                )
                .hint("请检查文件名和所在文件夹；或运行 kaohe init 文件夹名 创建一个考核文件夹")
            })?;
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            load_with(
                &src,
                &name,
                |p| rubric::load_file(&resolve(&dir, p)),
                |c| read_prose(&dir, c, &name),
            )
        }
    }
}

/// Reads the campaign's `templates/notice.j2` and `templates/circular.j2`.
fn read_prose(dir: &Path, c: &Campaign, campaign_file: &str) -> Result<Prose> {
    let folder = resolve(dir, c.templates.as_deref().unwrap_or("templates"));
    let read = |name: &str| -> Result<ProseTemplate> {
        let p = folder.join(name);
        let file = p.display().to_string();
        let source = std::fs::read_to_string(&p).map_err(|e| {
            config_err!(
                "{}: 无法读取正文模板：{}",
                crate::error::printable(&file),
                crate::error::os(&e)
            )
            .hint(format!(
                "正文模板放在考核方案（{}）旁的 templates/ 文件夹中（或由考核方案的 templates 指明）；运行 kaohe init 文件夹名 可生成一份可编辑的模板",
                crate::error::printable(campaign_file)
            ))
        })?;
        Ok(ProseTemplate { file, source })
    };
    // feedback.j2 came later than the other two: a folder without it takes
    // the built-in text.
    let feedback = if folder.join(FEEDBACK_TEMPLATE).exists() {
        read(FEEDBACK_TEMPLATE)?
    } else {
        ProseTemplate {
            file: format!("内置:templates/{FEEDBACK_TEMPLATE}"),
            source: crate::assets::FEEDBACK_J2.to_string(),
        }
    };
    Ok(Prose {
        notice: read(NOTICE_TEMPLATE)?,
        circular: read(CIRCULAR_TEMPLATE)?,
        feedback,
    })
}

pub fn resolve(dir: &Path, p: &str) -> PathBuf {
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
    load_prose: impl Fn(&Campaign) -> Result<Prose>,
) -> Result<Loaded> {
    let campaign: Campaign = toml::from_str(src).map_err(|e| toml_error(name, src, &e))?;
    let rubrics = campaign
        .rubrics
        .iter()
        .map(|p| load_rubric(p))
        .collect::<Result<Vec<_>>>()?;
    crate::dates::check(&campaign, src, name)?;
    check(&campaign, &rubrics, name)?;
    let prose = load_prose(&campaign)?;
    crate::render::prose::check_placeholders(&prose.notice, crate::render::prose::NOTICE_VARS)?;
    crate::render::prose::check_placeholders(&prose.circular, crate::render::prose::CIRCULAR_VARS)?;
    crate::render::prose::check_placeholders(&prose.feedback, crate::render::prose::FEEDBACK_VARS)?;
    Ok(Loaded {
        campaign,
        rubrics,
        source: name.to_string(),
        prose,
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

/// A date as an office writes it: `2019-11-05`, `2019-11-5`, `2019/11/5`
/// or `2019年11月5日`, with full-width digits too.
pub fn parse_date(s: &str) -> std::result::Result<NaiveDate, String> {
    let t = ascii_digits(s.trim());
    let parts: Vec<&str> = if let Some(rest) = t.strip_suffix('日') {
        rest.split(['年', '月']).collect()
    } else {
        t.split(['-', '/', '.']).collect()
    };
    let num = |p: &str| p.trim().parse::<u32>().ok();
    let date = match parts.as_slice() {
        [y, m, d] => match (num(y), num(m), num(d)) {
            (Some(y), Some(m), Some(d)) if (1900..=2999).contains(&y) => {
                NaiveDate::from_ymd_opt(y as i32, m, d)
            }
            _ => None,
        },
        _ => None,
    };
    date.ok_or_else(|| format!("日期 “{s}” 无效，应写作 2018-11-02 或 2018年11月2日"))
}

/// Full-width digits, colon and dashes as their ASCII forms.
fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '：' => ':',
            '－' | '—' | '–' | '~' | '～' | '至' => '-',
            c => c,
        })
        .collect()
}

/// A time slot "08:30-10:20" as minutes since midnight; `9:00-10:30`,
/// `09：00－10：30` and `09:00至10:30` are read as meant.
pub fn parse_slot(s: &str) -> std::result::Result<(u32, u32), String> {
    let err = || format!("时间 “{s}” 无效，应写作 08:30-10:20");
    let t = ascii_digits(s);
    let (a, b) = t.split_once('-').ok_or_else(err)?;
    let hm = |t: &str| -> Option<u32> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
        (h < 24 && m < 60).then_some(h * 60 + m)
    };
    let (a, b) = (hm(a).ok_or_else(err)?, hm(b).ok_or_else(err)?);
    if a >= b {
        return Err(format!("时间 “{s}” 的结束时间不晚于开始时间"));
    }
    Ok((a, b))
}

/// A slot as printed: `08:30-10:20`, however it was written.
pub fn slot_text(s: &str) -> String {
    match parse_slot(s) {
        Ok((a, b)) => format!("{:02}:{:02}-{:02}:{:02}", a / 60, a % 60, b / 60, b % 60),
        Err(_) => s.to_string(),
    }
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
        assert_eq!(parse_slot("9:00-10：30"), Ok((540, 630)));
        assert_eq!(parse_slot("０９：００—１０：３０"), Ok((540, 630)));
        assert_eq!(slot_text("9:00-10：30"), "09:00-10:30");
        assert_eq!(parse_date("2019年11月5日"), parse_date("2019-11-05"));
        assert_eq!(parse_date("２０１９年１１月５日"), parse_date("2019/11/5"));
        assert!(parse_date("2019年13月5日").is_err());
        assert!(parse_date("11月5日").is_err());
    }

    /// The head fields of [notice] and [circular] (number, date, title,
    /// recipients, note, cc, copy_no, secrecy, urgency, signer) are declared
    /// in each struct rather than in one `#[serde(flatten)]` struct: through
    /// flatten, serde buffers the table and toml's spans are lost, so an
    /// unknown key or a wrong type in a head field would be reported at the
    /// table's header line, column 1, and an unknown key without the list of
    /// the keys allowed. These are the places and lists a user gets now.
    #[test]
    fn head_field_errors_name_the_line_column_and_allowed_keys() {
        let err = |table: &str, line: &str| {
            let src = BUILTIN.replacen(&format!("[{table}]\n"), &format!("[{table}]\n{line}\n"), 1);
            let at = src.lines().position(|l| l == line).unwrap() + 1;
            let Err(e) = load_with(&src, "kaohe.toml", |_| unreachable!(), |_| unreachable!())
            else {
                panic!("{line} in [{table}] was accepted");
            };
            (at, e.message())
        };
        for table in ["notice", "circular"] {
            let (at, m) = err(table, "signr = \"张龙\"");
            assert!(
                m.starts_with(&format!("kaohe.toml: 第{at}行第1列: 格式错误：")),
                "{m}"
            );
            // The unknown key, and the allowed ones with the head fields among them.
            assert!(
                m.contains("不认识的键 signr；这里可以写的键：number、date、title、recipients、"),
                "{m}"
            );
            assert!(m.ends_with("、copy_no、secrecy、urgency、signer"), "{m}");
            // A head field of the wrong type: the column of its value.
            let (at, m) = err(table, "signer = 5");
            assert_eq!(
                m,
                format!(
                    "kaohe.toml: 第{at}行第10列: 格式错误：类型不对：这里应写文字（加英文双引号），写的是整数 5"
                )
            );
        }
    }
}
