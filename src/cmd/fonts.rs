//! `kaohe fonts`: the font families a run would use, where each comes from
//! and which role of the campaign it serves.

use super::Ctx;
use crate::error::Result;
use crate::render::{self, Engine};
use std::path::Path;

/// The Typst engine of a run: the font folders of the command line, the
/// environment and the campaign folder over the built-in fonts, and the
/// campaign folder's own Typst templates over the built-in ones.
pub fn engine(ctx: &Ctx) -> Result<Engine> {
    let campaign_dir = ctx.campaign.as_deref().and_then(Path::parent);
    let dirs = render::font_dirs(ctx.fonts.as_deref(), campaign_dir)?;
    let templates = campaign_dir.map(|d| d.join("templates"));
    Engine::new(&dirs, templates.as_deref())
}

pub fn run(ctx: &Ctx) -> Result<()> {
    let l = ctx.load()?;
    let engine = engine(ctx)?;
    print!(
        "{}",
        render::fonts::listing(&engine, &l.campaign.fonts.roles())
    );
    engine.check_fonts(&l.campaign.fonts.roles())
}
