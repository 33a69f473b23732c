//! The rows of the scoring sheet, each found by its 编号 and each kind of
//! cell read by its own reader; and what a form's rules say against the
//! rubric now.

use super::*;

/// A form's rows as read: the entries, and the self-assessment the
/// assessor form carries.
pub(super) struct Rows {
    pub(super) entries: BTreeMap<String, Entry>,
    pub(super) own: BTreeMap<String, Entry>,
    pub(super) cells: BTreeMap<String, String>,
}

impl Form<'_> {
    /// Every row by its code: the entries, each cell by its kind's reader.
    pub(super) fn read_rows(&self, cx: &mut Ctx, rubric: &Rubric) -> Rows {
        let (file, limits) = (self.file, &self.l.campaign.limits);
        let (r0, c0) = self.origin;
        let c_code = self.col(Col::Code).expect("found with the header");
        let c_deduct = self.col(Col::Deduct).expect("found with the header");
        let c_reason = self.col(Col::Reason).expect("found with the header");
        let own_cols = self.col(Col::SelfDeduct).zip(self.col(Col::SelfReason));
        let no_value = &self.found.cells.no_value;
        let mut seen: BTreeMap<String, u32> = BTreeMap::new();
        let mut rows = Rows {
            entries: BTreeMap::new(),
            own: BTreeMap::new(),
            cells: BTreeMap::new(),
        };
        // Whether any input cell (扣分, 扣分原因) holds anything.
        let mut touched = false;
        // Rows without a code that hold text: inserted by the unit.
        let mut uncoded: Vec<(u32, u32, String)> = Vec::new();
        for (i, row) in self
            .range()
            .rows()
            .enumerate()
            .skip(self.found.header.row as usize + 1)
        {
            let r = r0 + i as u32;
            let get = |c: u32| row.get(c as usize).unwrap_or(&Data::Empty);
            let code = cell_text(get(c_code));
            if code.is_empty() || !is_code(&code) {
                // Text in the input columns of a row kaohe did not write: the
                // form's own rows without a code (headings, totals) leave them
                // empty, and a row whose code was damaged is reported as such.
                let text = row.iter().enumerate().find(|(j, d)| {
                    (*j as u32 == c_deduct || *j as u32 == c_reason) && !cell_text(d).is_empty()
                });
                if let Some((j, d)) = text {
                    uncoded.push((r, c0 + j as u32, cell_text(d)));
                }
                continue;
            }
            if !cell_text(get(c_deduct)).is_empty() || !cell_text(get(c_reason)).is_empty() {
                touched = true;
            }
            if let Some(first) = seen.get(&code) {
                cx.at(
                    r,
                    c0 + c_code,
                    true,
                    format!("编号 {code} 重复（第一次在第 {} 行）", first + 1),
                );
                continue;
            }
            seen.insert(code.clone(), r);
            let Some((item, rule)) = rubric.find_code(&code) else {
                cx.at(
                    r,
                    c0 + c_code,
                    true,
                    format!("编号 {code} 不在考核细则“{}”中", rubric.id),
                );
                continue;
            };
            if let Some((sd, sr)) = own_cols
                && let Some(e) = own_entry(get(sd), get(sr))
            {
                rows.own.insert(code.clone(), e);
            }
            let reason = cell_text(get(c_reason));
            if reason.chars().count() > limits.max_text_chars {
                cx.at(
                    r,
                    c0 + c_reason,
                    true,
                    format!(
                        "扣分原因有 {} 个字，超过上限 {} 个字",
                        reason.chars().count(),
                        limits.max_text_chars
                    ),
                );
                continue;
            }
            let (dr, dc) = (r, c0 + c_deduct);
            rows.cells.insert(code.clone(), a1(dr, dc));
            let cell = get(c_deduct);
            if matches!(cell, Data::Empty) && no_value.contains(&(dr, dc)) {
                cx.at(
                    dr,
                    dc,
                    true,
                    "这里是公式，但文件中没有保存它的计算结果，无法判断扣分；请在 Excel 或 WPS 中打开并保存后再提交，或直接填写数字".into(),
                );
                continue;
            }
            let entry = match item.kind {
                ItemKind::Veto => read_veto(cx, dr, dc, cell, &reason, c0 + c_reason),
                ItemKind::Bonus => {
                    read_bonus(cx, dr, dc, cell, &reason, rule.deduction, c0 + c_reason)
                }
                _ => read_deduction(
                    cx,
                    dr,
                    dc,
                    cell,
                    &reason,
                    rule.points.unwrap_or_default(),
                    rule.deduction,
                    c0 + c_reason,
                ),
            };
            if let Some(e) = entry {
                rows.entries.insert(code, e);
            }
        }
        self.report_uncoded(cx, uncoded);
        if !touched && !seen.is_empty() {
            cx.problems.push(
                Problem::file(
                    file,
                    "这份评分表的“扣分”“扣分原因”栏一格也没有填写，看起来是下发时的空白表".into(),
                    false,
                )
                .with_hint(
                    "如果该单位确实没有任何扣分，可以不理会；否则请确认交回的是不是填好的那份文件",
                ),
            );
        }
        self.report_missing(cx, rubric, &seen);
        rows
    }

    fn report_uncoded(&self, cx: &mut Ctx, uncoded: Vec<(u32, u32, String)>) {
        for (r, c, text) in uncoded {
            let shown: String = text.chars().take(20).collect();
            cx.problems.push(
                Problem {
                    file: self.file.into(),
                    sheet: Some(cx.sheet.clone()),
                    cell: Some(a1(r, c)),
                    message: format!(
                        "这一行不是评分表原有的行（没有编号），其中的“{shown}”不会计入评分"
                    ),
                    error: false,
                    hint: None,
                }
                .with_hint(
                    "扣分和扣分原因请填在对应细则那一行的“扣分”“扣分原因”栏；说明可写在扣分原因中",
                ),
            );
        }
    }

    fn report_missing(&self, cx: &mut Ctx, rubric: &Rubric, seen: &BTreeMap<String, u32>) {
        let missing: Vec<String> = rubric
            .rules()
            .map(|(i, r)| Rubric::code(i, r))
            .filter(|c| !seen.contains_key(c))
            .collect();
        if missing.is_empty() {
            return;
        }
        let shown: Vec<_> = missing.iter().take(12).cloned().collect();
        cx.problems.push(Problem {
            file: self.file.into(),
            sheet: Some(cx.sheet.clone()),
            cell: None,
            message: format!(
                "缺少 {} 条细则的行（编号 {}{}），行被删除或编号被改动",
                missing.len(),
                shown.join("、"),
                if missing.len() > 12 { " 等" } else { "" }
            ),
            error: true,
            hint: None,
        });
    }
}

/// A self-assessment cell pair as kaohe wrote it: only what is there.
fn own_entry(amount: &Data, reason: &Data) -> Option<Entry> {
    let (a, reason) = (cell_text(amount), cell_text(reason));
    if a.is_empty() && reason.is_empty() {
        return None;
    }
    let veto = a == "是";
    let amount = match amount {
        Data::Float(f) => Pts::from_f64(*f),
        Data::Int(i) => Pts::from_f64(*i as f64),
        _ => parse_number_text(&a),
    }
    .unwrap_or(Pts::ZERO);
    Some(Entry {
        amount,
        veto,
        reason,
    })
}

/// What differs between the rules a form carries (编号, 评分细则 text in
/// the column after it, 分值) and the rubric now: changed texts and points,
/// rules added and removed.
pub(super) fn rubric_changes(
    range: &Range<Data>,
    header_row: u32,
    c_code: u32,
    r: &Rubric,
) -> Vec<String> {
    let header: Vec<String> = range
        .rows()
        .nth(header_row as usize)
        .map(|row| row.iter().map(cell_text).collect())
        .unwrap_or_default();
    let c_points = header.iter().position(|h| h == "分值");
    let c_text = c_code as usize + 1;
    let mut out = Vec::new();
    let mut on_form: Vec<String> = Vec::new();
    for row in range.rows().skip(header_row as usize + 1) {
        let code = cell_text(row.get(c_code as usize).unwrap_or(&Data::Empty));
        if !is_code(&code) {
            continue;
        }
        on_form.push(code.clone());
        let Some((_, rule)) = r.find_code(&code) else {
            out.push(format!("删去了细则 {code}"));
            continue;
        };
        let text = cell_text(row.get(c_text).unwrap_or(&Data::Empty));
        if !text.is_empty() && text != rule.text.trim() {
            out.push(format!("细则 {code} 的文字改了"));
        }
        if let (Some(c), Some(now)) = (c_points, rule.points) {
            let was = row.get(c).and_then(|d| match d {
                Data::Float(f) => Pts::from_f64(*f),
                Data::Int(i) => Pts::from_f64(*i as f64),
                Data::String(s) => parse_number_text(s),
                _ => None,
            });
            if let Some(was) = was
                && was != now
            {
                out.push(format!("细则 {code} 的分值由 {was} 分改为 {now} 分"));
            }
        }
    }
    for (item, rule) in r.rules() {
        let code = Rubric::code(item, rule);
        if !on_form.contains(&code) {
            out.push(format!("新增了细则 {code}"));
        }
    }
    out
}

fn is_code(s: &str) -> bool {
    match s.split_once('-') {
        Some((a, b)) => {
            !a.is_empty()
                && !b.is_empty()
                && a.len() < 5
                && b.len() < 4
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}
