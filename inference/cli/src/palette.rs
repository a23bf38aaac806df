//! `--palette`: whose colours results take, for `adain stylize` and `adain video`, with the older
//! switches kept as its aliases.

use adain::Palette;
use clap::Args;

#[derive(Debug, Args)]
pub struct PaletteArgs {
    /// Whose colours results take. style: the painting's (each result recoloured to its style's
    /// colour mean and covariance after decoding, in proportion to --alpha; a mix takes the weighted
    /// mixture, masks each region its own style's; stats files from `adain stats` keep the colours,
    /// older ones and --style-sample leave the model's, with a notice). content: the content's (each
    /// style image recoloured to the content's colours before encoding; needs style images). model:
    /// the decoder's own
    #[arg(long, value_name = "P", default_value = "style", value_parser = parse_palette)]
    pub palette: Palette,

    /// The same as --palette content
    #[arg(long, conflicts_with_all = ["palette", "match_style_color"])]
    pub preserve_color: bool,

    /// The same as --palette style (the default)
    #[arg(long, conflicts_with = "palette")]
    pub match_style_color: bool,
}

impl PaletteArgs {
    pub fn palette(&self) -> Palette {
        Palette::from_flags(self.preserve_color, self.match_style_color).unwrap_or(self.palette)
    }
}

fn parse_palette(value: &str) -> Result<Palette, String> {
    value.parse().map_err(|e: adain::AdainError| e.to_string())
}
