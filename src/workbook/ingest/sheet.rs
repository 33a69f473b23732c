//! Reading one workbook, in the order of the sheet: the hidden metadata,
//! the scoring sheet and its header row, which campaign, unit, rubric and
//! round the form belongs to, then every row by its 编号, each kind of cell
//! by its own reader.

use super::open::{DAMAGED, SheetCells, SheetError, TRACE, calamine, open, sheet_range};
use super::*;
use crate::workbook::layout::{Col, FormKind, H_ASSESSOR};
use calamine::{Range, Reader};
use rows::rubric_changes;

mod rows;

/// The metadata sheet's keys and values, and the row of the unit's.
#[derive(Default)]
struct Meta {
    values: BTreeMap<String, String>,
    unit_row: u32,
}

impl Meta {
    fn get(&self, key: &str) -> &str {
        self.values.get(key).map(String::as_str).unwrap_or("")
    }
}

/// The header row and the columns found in it (relative to the range).
struct Header {
    row: u32,
    cols: Vec<(Col, u32)>,
}

impl Header {
    fn col(&self, c: Col) -> Option<u32> {
        self.cols.iter().find(|(x, _)| *x == c).map(|(_, i)| *i)
    }
}

/// The scoring sheet as found: its name, its cells and its header.
struct Found {
    sheet: String,
    cells: SheetCells,
    header: Header,
}

type Read = (Option<Filled>, Vec<Problem>);

pub(super) fn read_workbook(bytes: &[u8], file: &str, l: &Loaded, opts: Options) -> Read {
    let limits = &l.campaign.limits;
    TRACE.with(|t| t.borrow_mut().opened = true);
    let mut wb = match open(bytes) {
        Ok(wb) => wb,
        Err(m) => return (None, vec![whole(file, m)]),
    };
    let Ok(names) = calamine(|| wb.sheet_names()) else {
        return (None, vec![whole(file, DAMAGED.into())]);
    };
    let meta = match read_meta(&mut wb, &names, limits) {
        Ok(m) => m,
        Err(p) => return (None, vec![whole(file, p)]),
    };
    // A returned 问题整改清单 is not a scoring form: read as what it is.
    if meta.get(META_FORM) == FormKind::Rectify.meta() {
        return super::rectify::read(&mut wb, &meta.values, bytes, file, l);
    }
    let found = match find_scoring_sheet(&mut wb, &names, file, limits) {
        Ok(f) => f,
        Err(p) => return (None, vec![*p]),
    };
    let mut problems = Vec::new();
    if found.sheet != SCORING_SHEET {
        problems.push(Problem {
            file: file.into(),
            sheet: Some(found.sheet.clone()),
            cell: None,
            message: format!("评分工作表被改名为“{}”，已按表头识别", found.sheet),
            error: false,
            hint: None,
        });
    }
    let range = &found.cells.range;
    if range.height() > limits.max_rows as usize {
        return (
            None,
            vec![Problem {
                file: file.into(),
                sheet: Some(found.sheet),
                cell: None,
                message: format!(
                    "工作表有 {} 行，超过上限 {} 行，不是正常的评分表",
                    range.height(),
                    limits.max_rows
                ),
                error: true,
                hint: None,
            }],
        );
    }
    let mut cx = Ctx {
        file,
        sheet: found.sheet.clone(),
        problems,
    };
    let form = Form {
        l,
        file,
        meta: &meta,
        found: &found,
        origin: range.start().unwrap_or((0, 0)),
    };
    match form.read(&mut cx, bytes, opts) {
        Some(filled) if !cx.problems.iter().any(|p| p.error) => (Some(filled), cx.problems),
        _ => (None, cx.problems),
    }
}

/// The metadata sheet, if it survived.
fn read_meta(
    wb: &mut calamine::Sheets<std::io::Cursor<&[u8]>>,
    names: &[String],
    limits: &Limits,
) -> Result<Meta, String> {
    let mut meta = Meta::default();
    if !names.iter().any(|n| n == META_SHEET) {
        return Ok(meta);
    }
    let cells = match sheet_range(wb, META_SHEET, limits) {
        Err(SheetError::Panicked) => return Err(DAMAGED.into()),
        r => r.ok(),
    };
    if let Some(SheetCells { range, .. }) = cells {
        let r0 = range.start().map(|(r, _)| r).unwrap_or(0);
        for (i, row) in range.rows().take(50).enumerate() {
            if let (Some(k), Some(v)) = (row.first(), row.get(1)) {
                if cell_text(k) == META_UNIT {
                    meta.unit_row = r0 + i as u32;
                }
                meta.values.insert(cell_text(k), cell_text(v));
            }
        }
    }
    Ok(meta)
}

/// The scoring sheet: by name, else the first sheet with the headings.
fn find_scoring_sheet(
    wb: &mut calamine::Sheets<std::io::Cursor<&[u8]>>,
    names: &[String],
    file: &str,
    limits: &Limits,
) -> Result<Found, Box<Problem>> {
    let mut order: Vec<&String> = names.iter().filter(|n| *n == SCORING_SHEET).collect();
    order.extend(
        names
            .iter()
            .filter(|n| *n != SCORING_SHEET && *n != META_SHEET),
    );
    for name in order {
        let cells = match sheet_range(wb, name, limits) {
            Ok(cells) => cells,
            Err(SheetError::Unreadable) => continue,
            Err(SheetError::Panicked) => return Err(Box::new(whole(file, DAMAGED.into()))),
            Err(SheetError::TooBig(message)) => {
                return Err(Box::new(Problem {
                    file: file.into(),
                    sheet: Some(name.clone()),
                    cell: None,
                    message,
                    error: true,
                    hint: None,
                }));
            }
        };
        if let Some(header) = find_header(&cells.range) {
            return Ok(Found {
                sheet: name.clone(),
                cells,
                header,
            });
        }
    }
    let msg = if names.iter().any(|n| n == SCORING_SHEET) {
        format!(
            "“{SCORING_SHEET}”工作表中找不到“{H_CODE}”“{H_DEDUCT}”“{H_REASON}”表头行，表格结构被改动"
        )
    } else {
        format!(
            "找不到“{SCORING_SHEET}”工作表（文件中的工作表：{}），不是本次考核的评分表",
            names.join("、")
        )
    };
    Err(Box::new(whole(file, msg)))
}

/// The header row: the first of the top 30 rows with 编号, 扣分 and
/// 扣分原因; the self columns too when they are there.
fn find_header(range: &Range<Data>) -> Option<Header> {
    let wanted = [
        Col::Code,
        Col::Deduct,
        Col::Reason,
        Col::SelfDeduct,
        Col::SelfReason,
    ];
    for (i, row) in range.rows().enumerate().take(30) {
        let cols: Vec<(Col, u32)> = wanted
            .iter()
            .filter_map(|c| {
                let h = c.fixed_heading()?;
                let at = row.iter().position(|d| cell_text(d) == h)?;
                Some((*c, at as u32))
            })
            .collect();
        let header = Header {
            row: i as u32,
            cols,
        };
        if [Col::Code, Col::Deduct, Col::Reason]
            .iter()
            .all(|c| header.col(*c).is_some())
        {
            return Some(header);
        }
    }
    None
}

/// One form being read: what was found of it so far.
struct Form<'a> {
    l: &'a Loaded,
    file: &'a str,
    meta: &'a Meta,
    found: &'a Found,
    /// The range's first row and column on the sheet.
    origin: (u32, u32),
}

impl Form<'_> {
    fn range(&self) -> &Range<Data> {
        &self.found.cells.range
    }

    fn col(&self, c: Col) -> Option<u32> {
        self.found.header.col(c)
    }

    fn read(&self, cx: &mut Ctx, bytes: &[u8], opts: Options) -> Option<Filled> {
        self.check_campaign(cx)?;
        let unit = self.identify_unit(cx)?;
        let rubric = self.l.rubric(&unit.rubric);
        self.check_rubric(cx, &unit.name, rubric, opts)?;
        let kind = self.kind(cx)?;
        TRACE.with(|t| t.borrow_mut().reached_rows = true);
        let rows = self.read_rows(cx, rubric);
        // (a 问题整改清单 is read apart, before this: see `read_workbook`)
        let self_assessment = match kind {
            FormKind::Unit | FormKind::Rectify => None,
            FormKind::Assessor => Some(self.check_self(cx, rows.own)?),
        };
        let assessor = match kind {
            FormKind::Unit | FormKind::Rectify => None,
            FormKind::Assessor => self.assessor_name(),
        };
        Some(Filled {
            file: self.file.to_string(),
            sha256: crate::archive::sha256_hex(bytes),
            unit: unit.name.clone(),
            rubric: rubric.id.clone(),
            entries: rows.entries,
            kind,
            assessor,
            self_assessment,
            sheet: cx.sheet.clone(),
            cells: rows.cells,
            parts: Vec::new(),
        })
    }

    /// A form of another campaign is said to be so before anything else.
    fn check_campaign(&self, cx: &mut Ctx) -> Option<()> {
        if self.meta.values.is_empty() {
            return Some(());
        }
        let campaign = self.meta.get(META_CAMPAIGN);
        if campaign == self.l.campaign.id {
            return Some(());
        }
        cx.problems.push(
            whole(
                self.file,
                format!(
                    "这是考核“{campaign}”的评分表，不是本次考核（{}）的",
                    self.l.campaign.id
                ),
            )
            .with_hint(format!(
                "可能是在错误的考核文件夹中运行，或忘了 --campaign（本次用的考核方案：{}）；也可能是单位交回了往年的评分表",
                self.l.source
            )),
        );
        None
    }

    /// Which unit: from the metadata, else from the "被考核单位：" line;
    /// the cell it came from is named if the unit is unknown.
    fn identify_unit(&self, cx: &mut Ctx) -> Option<&crate::campaign::Unit> {
        let (l, file) = (self.l, self.file);
        let (r0, c0) = self.origin;
        let from_meta = self
            .meta
            .values
            .get(META_UNIT)
            .map(|u| (u.clone(), META_SHEET.to_string(), a1(self.meta.unit_row, 1)));
        let from_sheet = || {
            self.range()
                .rows()
                .take(self.found.header.row as usize)
                .enumerate()
                .find_map(|(i, row)| {
                    row.iter().enumerate().find_map(|(j, d)| {
                        cell_text(d).strip_prefix("被考核单位：").map(|s| {
                            (
                                s.trim().to_string(),
                                cx.sheet.clone(),
                                a1(r0 + i as u32, c0 + j as u32),
                            )
                        })
                    })
                })
        };
        let found_unit = from_meta.or_else(from_sheet);
        let Some((unit_name, unit_sheet, unit_cell)) = found_unit.filter(|(u, _, _)| !u.is_empty())
        else {
            cx.problems.push(whole(
                file,
                "找不到被考核单位名称（隐藏的 kaohe 工作表和“被考核单位：”一行都不在）".into(),
            ));
            return None;
        };
        let Some(unit) = l.unit(&unit_name) else {
            cx.problems.push(Problem {
                file: file.into(),
                sheet: Some(unit_sheet),
                cell: Some(unit_cell),
                message: format!(
                    "被考核单位“{unit_name}”不在本次考核（{}）的单位名单中",
                    l.campaign.id
                ),
                error: true,
                hint: None,
            });
            return None;
        };
        if let Some(other) = named_unit(file, l).filter(|o| *o != unit.name) {
            cx.problems.push(
                whole(
                    file,
                    format!("文件名是“{other}”，但表内的被考核单位是“{}”", unit.name),
                )
                .with_hint(format!(
                    "可能交错了文件或改错了文件名：请向{other}和{}核实，换成正确的评分表或改正文件名后重新检查",
                    unit.name
                )),
            );
            return None;
        }
        Some(unit)
    }

    /// The rubric the form was made from is the unit's, unchanged (or
    /// changed and accepted with `--accept-changed-rubric`).
    fn check_rubric(
        &self,
        cx: &mut Ctx,
        unit_name: &str,
        rubric: &Rubric,
        opts: Options,
    ) -> Option<()> {
        let file = self.file;
        if self.meta.values.is_empty() {
            cx.problems.push(Problem {
                file: file.into(),
                sheet: None,
                cell: None,
                message: "隐藏的 kaohe 工作表已丢失（可能被另存时删除），已按编号和单位名称识别"
                    .into(),
                error: false,
                hint: None,
            });
            return Some(());
        }
        let rid = self.meta.get(META_RUBRIC);
        if rid != rubric.id {
            cx.problems.push(whole(
                file,
                format!(
                    "这份评分表用的是考核细则“{rid}”，而{unit_name}应使用“{}”",
                    rubric.id
                ),
            ));
            return None;
        }
        if self.meta.get(META_RUBRIC_HASH) == rubric.content_hash {
            return Some(());
        }
        let code = self.col(Col::Code).expect("the header has 编号");
        let changes = rubric_changes(self.range(), self.found.header.row, code, rubric);
        let what = if changes.is_empty() {
            "改动不在评分细则的文字和分值中（可能是考核内容、标题或扣分方式）".to_string()
        } else {
            let n = changes.len();
            let shown: Vec<String> = changes.into_iter().take(8).collect();
            format!(
                "{}{}",
                shown.join("；"),
                if n > 8 {
                    format!("；等共 {n} 处")
                } else {
                    String::new()
                }
            )
        };
        let rid = &rubric.id;
        let msg = format!("{RUBRIC_CHANGED}（考核细则“{rid}”）：{what}");
        if opts.accept_changed_rubric {
            cx.problems.push(
                Problem::file(file, format!("{msg}；已按新细则评分"), false).with_hint(
                    "评分结果按修改后的考核细则计算，改动记录在 results.json 的 rubric_changes 中",
                ),
            );
            Some(())
        } else {
            cx.problems.push(whole(file, msg).with_hint(
                "请把用新细则生成的评分表（kaohe blank）发给该单位重新填报；如改动不影响这份评分表，可加 --accept-changed-rubric 按新细则评分，改动会列在结果中",
            ));
            None
        }
    }

    /// Which round the form belongs to: the metadata says so; a form that
    /// lost it is an assessor form when it has the self columns, and then
    /// its self-assessment can no longer be checked.
    fn kind(&self, cx: &mut Ctx) -> Option<FormKind> {
        let has_self = self.col(Col::SelfDeduct).is_some() || self.col(Col::SelfReason).is_some();
        if self.meta.values.is_empty() {
            if has_self {
                cx.problems.push(whole(
                    self.file,
                    "这是考核组评分表，但隐藏的 kaohe 工作表已丢失，无法核对其中的单位自评".into(),
                ).with_hint("请在 kaohe self 生成的考核组评分表（assess/<单位>.xlsx）上评分，不要另存为其他格式后删除工作表"));
                return None;
            }
            return Some(FormKind::Unit);
        }
        let Some(kind) = FormKind::from_meta(self.meta.get(META_FORM)) else {
            cx.problems.push(whole(
                self.file,
                format!(
                    "隐藏的 kaohe 工作表中的表格类型“{}”无法识别",
                    self.meta.get(META_FORM)
                ),
            ));
            return None;
        };
        if kind == FormKind::Assessor
            && (self.col(Col::SelfDeduct).is_none() || self.col(Col::SelfReason).is_none())
        {
            cx.problems.push(whole(
                self.file,
                format!(
                    "考核组评分表中找不到“{}”“{}”两栏，表格结构被改动",
                    Col::SelfDeduct.fixed_heading().unwrap_or(""),
                    Col::SelfReason.fixed_heading().unwrap_or("")
                ),
            ));
            return None;
        }
        Some(kind)
    }

    /// The self-assessment carried by an assessor form, as `kaohe self`
    /// wrote it: its hash in the metadata must match the self columns.
    fn check_self(&self, cx: &mut Ctx, own: BTreeMap<String, Entry>) -> Option<SelfAssessment> {
        let s = SelfAssessment {
            entries: own,
            file_sha256: self.meta.get(META_SELF_FILE).to_string(),
        };
        if s.hash() == self.meta.get(META_SELF_HASH) {
            return Some(s);
        }
        let (r0, c0) = self.origin;
        let col = self.col(Col::SelfDeduct).expect("checked with the kind");
        cx.problems.push(
            Problem {
                file: self.file.into(),
                sheet: Some(cx.sheet.clone()),
                cell: Some(a1(r0 + self.found.header.row, c0 + col)),
                message: format!(
                    "“{}”“{}”栏与单位交回的自评不一致：单位自评被改动过",
                    Col::SelfDeduct.fixed_heading().unwrap_or(""),
                    Col::SelfReason.fixed_heading().unwrap_or("")
                ),
                error: true,
                hint: None,
            }
            .with_hint("自评栏只能由单位填写：请在 kaohe self 重新生成的考核组评分表上评分，考核组的意见填在“扣分”“扣分原因”栏"),
        );
        None
    }

    /// The 考核人 cell: right of its label, above the header.
    fn assessor_name(&self) -> Option<String> {
        let c_code = self.col(Col::Code)? as usize;
        self.range()
            .rows()
            .take(self.found.header.row as usize)
            .find_map(|row| {
                let label = row
                    .iter()
                    .position(|d| cell_text(d).starts_with(H_ASSESSOR))?;
                let at = (label..=c_code + 1)
                    .skip(1)
                    .find(|j| !cell_text(row.get(*j).unwrap_or(&Data::Empty)).is_empty())?;
                Some(cell_text(&row[at]))
            })
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }
}
