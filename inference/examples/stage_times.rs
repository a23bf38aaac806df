//! Times the stages of one stylization: `cargo run --release -p adain --example stage_times -- MODEL_DIR SIZE THREADS`.

use std::collections::BTreeMap;
use std::time::Instant;

use adain::adain::StyleMix;
use adain::package::ModelPackage;
use adain::runtime::SessionOptions;
use adain::stylize::{adain_stats, transfer, Stylizer};

fn main() -> adain::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(&args[1]);
    let size: u32 = args[2].parse().unwrap();
    let threads: usize = args[3].parse().unwrap();
    let t = Instant::now();
    let package = ModelPackage::load(&dir)?;
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let mut st = Stylizer::new(&package, &SessionOptions { threads, ..Default::default() })?;
    let sessions_ms = t.elapsed().as_secs_f64() * 1e3;
    let img = |seed: u32| image::RgbImage::from_fn(size, size, |x, y| image::Rgb([(x * 7 + seed) as u8, (y * 3) as u8, ((x ^ y) + seed) as u8]));
    let (content, style) = (img(1), img(2));
    eprintln!("package check {load_ms:.0} ms, sessions {sessions_ms:.0} ms");
    for round in 0..4 {
        let t0 = Instant::now();
        let c = st.encode_content(&content)?;
        let t1 = Instant::now();
        let s = st.style_statistics(&style, BTreeMap::new())?;
        let t2 = Instant::now();
        let target = transfer(&c, StyleMix::One(&adain_stats(&s)), 1.0)?;
        let t3 = Instant::now();
        let out = st.decode(target.view(), c.width, c.height)?;
        let t4 = Instant::now();
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
        eprintln!(
            "round {round}: content encode {:.0} ms, style encode+stats {:.0} ms, adain {:.1} ms, decode {:.0} ms, total {:.0} ms ({}x{})",
            ms(t0, t1), ms(t1, t2), ms(t2, t3), ms(t3, t4), ms(t0, t4), out.width(), out.height()
        );
    }
    Ok(())
}
