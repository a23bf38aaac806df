//! Stylizes one photo through the library, as a program embedding `adain` would (without the CLI):
//! `cargo run --release --example embed -- content.jpg style.jpg out.png [MODEL_DIR]`

use adain::image_io::{load_rgb, prepare, save_rgb, DEFAULT_MAX_PIXELS};
use adain::{ModelPackage, PrecisionChoice, Provider, Recipe, SessionOptions, Style, Stylizer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [content, style, output, rest @ ..] = &args[..] else {
        return Err("usage: embed CONTENT STYLE OUTPUT [MODEL_DIR]".into());
    };
    let model = rest.first().map_or("models/default", String::as_str);
    let package = ModelPackage::load(model, PrecisionChoice::Auto, Provider::Cpu)?;
    let mut stylizer = Stylizer::new(&package, &SessionOptions::default())?;
    // The command's defaults: the style at 512 pixels on its shorter side, the content as it is.
    let recipe = Recipe::default();
    let style = prepare(&load_rgb(style, DEFAULT_MAX_PIXELS)?, 512, false);
    let styles = recipe.ready(&mut stylizer, vec![Style::image(style)])?;
    let content = load_rgb(content, DEFAULT_MAX_PIXELS)?;
    save_rgb(&recipe.stylize(&mut stylizer, &styles, &content)?, output)?;
    Ok(())
}
