//! The 考核组's forms made from the units' self-assessments (`kaohe self`):
//! one per unit, the self-assessment read-only beside empty 扣分 and
//! 扣分原因 columns, and the summary of every unit's self-assessed score.

use crate::campaign::Loaded;
use crate::error::Result;
use crate::render::cache::{self, Cache};
use crate::workbook::ingest::{Filled, SelfAssessment};
use crate::workbook::layout::FormKind;
use crate::workbook::safe_file_name;
use rayon::prelude::*;

/// The blank assessor form for a unit whose self-assessment is `own`.
pub fn assessor_form(own: &Filled) -> Filled {
    Filled {
        unit: own.unit.clone(),
        rubric: own.rubric.clone(),
        kind: FormKind::Assessor,
        self_assessment: Some(SelfAssessment::of(own)),
        ..Filled::default()
    }
}

/// `assess/<单位>.xlsx` for every self-assessment, and `self-summary.xlsx`.
pub fn self_round_files(
    cache: Option<&Cache>,
    l: &Loaded,
    own: &[Filled],
) -> Result<Vec<(String, Vec<u8>)>> {
    let campaign = cache::campaign_hash(l);
    let mut files: Vec<(String, Vec<u8>)> = own
        .par_iter()
        .map(|f| {
            let unit = l.unit(&f.unit).expect("forms are matched to units");
            Ok((
                format!("assess/{}.xlsx", safe_file_name(&f.unit)),
                cache::form(cache, &campaign, l, unit, Some(&assessor_form(f)), None)?,
            ))
        })
        .collect::<Result<_>>()?;
    let scores: Vec<crate::score::UnitScore> = own
        .iter()
        .map(|f| crate::score::score_unit(l.rubric(&f.rubric), f))
        .collect();
    let missing = crate::cmd::score::missing_units(l, own);
    files.push((
        "self-summary.xlsx".into(),
        super::summary::workbook(l, &scores, &missing)?,
    ));
    Ok(files)
}
