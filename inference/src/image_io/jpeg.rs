//! Whether a JPEG file is complete. The JPEG decoder fills a cut-off file with grey and reports
//! success, so a truncated download would be stylized silently; we look for the end-of-image marker.

/// True when the main image's entropy-coded data is followed by an end-of-image marker (FF D9).
/// Walks the marker segments from the start of the file so that an EXIF thumbnail (a complete JPEG
/// inside an APP1 segment, with its own FF D9) is skipped rather than mistaken for the end.
pub(super) fn is_complete(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut i = 2;
    while i + 2 <= bytes.len() {
        if bytes[i] != 0xFF {
            return false;
        }
        let marker = bytes[i + 1];
        match marker {
            0xFF => i += 1, // fill byte
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => i += 2, // markers without a length
            _ => {
                let Some(&[hi, lo]) = bytes.get(i + 2..i + 4) else {
                    return false;
                };
                let length = usize::from(u16::from_be_bytes([hi, lo]));
                let data_start = i + 2 + length;
                if marker != 0xDA {
                    i = data_start;
                    continue;
                }
                // Start of scan: entropy-coded data follows. Inside it FF is stuffed as FF 00 and
                // restart markers are FF D0–D7; any other marker ends the scan.
                let mut j = data_start;
                loop {
                    match bytes.get(j..j + 2) {
                        None => return false,
                        Some([0xFF, 0x00]) | Some([0xFF, 0xD0..=0xD7]) => j += 2,
                        Some([0xFF, _]) => break,
                        Some(_) => j += 1,
                    }
                }
                i = j;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg() -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 6, y as u8 * 8, 128]));
        let mut bytes = std::io::Cursor::new(Vec::new());
        img.write_to(&mut bytes, image::ImageFormat::Jpeg).unwrap();
        bytes.into_inner()
    }

    #[test]
    fn a_whole_jpeg_is_complete_and_any_cut_is_not() {
        let bytes = jpeg();
        assert!(is_complete(&bytes));
        for cut in [bytes.len() - 1, bytes.len() - 2, bytes.len() / 2, 100, 3] {
            assert!(!is_complete(&bytes[..cut]), "cut at {cut}");
        }
        let mut trailing = bytes.clone();
        trailing.extend(b"trailing bytes some cameras add");
        assert!(is_complete(&trailing));
    }

    #[test]
    fn a_thumbnail_end_marker_does_not_count() {
        let main = jpeg();
        let thumb = jpeg();
        // SOI, APP1 holding a whole JPEG, then the main image without its SOI, cut short.
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE1];
        bytes.extend(u16::try_from(thumb.len() + 2).unwrap().to_be_bytes());
        bytes.extend(&thumb);
        bytes.extend(&main[2..main.len() - 40]);
        assert!(!is_complete(&bytes));
        bytes.extend(&main[main.len() - 40..]);
        assert!(is_complete(&bytes));
    }
}
