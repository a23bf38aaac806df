//! Preprocessing shared by training and inference: 8-bit RGB ↔ planar f32 in [0, 1].
//! Any mean/scale/BGR handling of a particular encoder lives inside its graph, not here.

/// Interleaved RGB8 (HWC) → planar f32 (CHW) in [0, 1].
pub fn rgb8_to_planar(rgb: &[u8], width: usize, height: usize) -> Vec<f32> {
    let plane = width * height;
    assert_eq!(
        rgb.len(),
        plane * 3,
        "rgb buffer does not match {width}x{height}"
    );
    let mut out = vec![0f32; plane * 3];
    for (i, px) in rgb.chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[c * plane + i] = px[c] as f32 / 255.0;
        }
    }
    out
}

/// Planar f32 (CHW) → interleaved RGB8, clamped to [0, 1] and rounded.
pub fn planar_to_rgb8(planar: &[f32], width: usize, height: usize) -> Vec<u8> {
    let plane = width * height;
    assert_eq!(
        planar.len(),
        plane * 3,
        "planar buffer does not match {width}x{height}"
    );
    let mut out = vec![0u8; plane * 3];
    for i in 0..plane {
        for c in 0..3 {
            out[i * 3 + c] = to_u8(planar[c * plane + i]);
        }
    }
    out
}

/// One [0, 1] value to 8 bits; NaN becomes 0.
pub fn to_u8(v: f32) -> u8 {
    if v.is_nan() {
        0
    } else {
        (v.clamp(0.0, 1.0) * 255.0).round() as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_exact() {
        let rgb: Vec<u8> = (0..2 * 3 * 3).map(|i| (i * 13 % 256) as u8).collect();
        let planar = rgb8_to_planar(&rgb, 3, 2);
        assert_eq!(planar[0], rgb[0] as f32 / 255.0);
        assert_eq!(planar[6], rgb[1] as f32 / 255.0); // G plane starts after 6 pixels
        assert_eq!(planar_to_rgb8(&planar, 3, 2), rgb);
    }

    #[test]
    fn out_of_range_values_clamp() {
        assert_eq!(to_u8(-0.5), 0);
        assert_eq!(to_u8(1.5), 255);
        assert_eq!(to_u8(f32::NAN), 0);
    }
}
