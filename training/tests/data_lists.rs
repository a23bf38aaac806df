//! List files as image sets: the weights they give are the mix the loader draws, and a bad list
//! names its line.

use std::path::Path;
use std::sync::Arc;

use adain_training::data::{BatchLoader, ImageFolder, LoaderConfig};

fn solid(path: &Path, rgb: [u8; 3]) {
    image::RgbImage::from_pixel(40, 30, image::Rgb(rgb))
        .save(path)
        .unwrap();
}

#[test]
fn a_list_draws_its_images_in_proportion_to_their_weights() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("art")).unwrap();
    solid(&dir.path().join("art/red.png"), [255, 0, 0]);
    solid(&dir.path().join("art/blue.png"), [0, 0, 255]);
    let list = dir.path().join("mix.tsv");
    std::fs::write(&list, "# a 3:1 mix\nart/red.png\t3\n\nart/blue.png\t1\n").unwrap();
    let (set, report) = ImageFolder::scan(&list).unwrap();
    assert_eq!(report.usable, 2);
    assert_eq!(set.weights.as_deref(), Some(&[3.0, 1.0][..]));
    assert!(set.files[0].ends_with("art/red.png"));

    let config = LoaderConfig {
        batch: 4,
        resize: 16,
        crop: 16,
        seed: 7,
    };
    let set = Arc::new(set);
    let loader = BatchLoader::spawn(set.clone(), set, config, 0, 200);
    let (mut red, mut all) = (0, 0);
    for batch in loader.receiver.iter() {
        let batch = batch.unwrap();
        let plane = 16 * 16;
        for image in batch.style.chunks(3 * plane) {
            // Planar RGB: a red image's first plane is bright.
            red += usize::from(image[0] > 0.5);
            all += 1;
        }
    }
    assert_eq!(all, 800);
    let share = red as f64 / all as f64;
    assert!(
        (share - 0.75).abs() < 0.05,
        "red drawn {share:.3} of the time"
    );
}

#[test]
fn a_folder_has_no_weights_and_a_plain_list_weighs_evenly() {
    let dir = tempfile::tempdir().unwrap();
    solid(&dir.path().join("a.png"), [1, 2, 3]);
    solid(&dir.path().join("b.png"), [4, 5, 6]);
    assert!(ImageFolder::scan(dir.path()).unwrap().0.weights.is_none());
    let list = dir.path().join("list.txt");
    std::fs::write(&list, "a.png\nb.png\n").unwrap();
    let (set, _) = ImageFolder::scan(&list).unwrap();
    assert_eq!(set.weights.as_deref(), Some(&[1.0, 1.0][..]));
    // A held-out split keeps each file's weight with it.
    std::fs::write(&list, "a.png\t2\nb.png\t5\n").unwrap();
    let (set, _) = ImageFolder::scan(&list).unwrap();
    let (kept, held) = set.split(0.5);
    let mut pairs: Vec<(String, f64)> = [kept, held]
        .iter()
        .flat_map(|s| {
            s.files
                .iter()
                .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
                .zip(s.weights.clone().unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(pairs, [("a.png".into(), 2.0), ("b.png".into(), 5.0)]);
}

#[test]
fn bad_lists_name_the_list_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    solid(&dir.path().join("a.png"), [1, 2, 3]);
    let list = dir.path().join("mix.tsv");
    let error = |text: &str| {
        std::fs::write(&list, text).unwrap();
        ImageFolder::scan(&list).unwrap_err().to_string()
    };
    let e = error("a.png\t1\nmissing.png\t1\n");
    assert!(
        e.contains("mix.tsv") && e.contains("line 2") && e.contains("missing.png"),
        "{e}"
    );
    let e = error("a.png\tmany\n");
    assert!(e.contains("line 1") && e.contains("not a number"), "{e}");
    let e = error("a.png\t-1\n");
    assert!(e.contains("line 1") && e.contains("positive"), "{e}");
    let e = error("# nothing\n\n");
    assert!(e.contains("mix.tsv") && e.contains("list is empty"), "{e}");
    let e = ImageFolder::scan(&dir.path().join("nowhere"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("nowhere") && e.contains("no such folder or list"),
        "{e}"
    );
}
