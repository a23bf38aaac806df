//! The flow against motions with exact truth: frames drawn from a continuous texture (smooth value
//! noise at several scales), so a sub-pixel move, a zoom or a rotation is known at every pixel.
//! Mean endpoint error is asserted per case, away from the borders (where content leaves the frame).

use adain_flow::{DisOptions, Flow, FlowField, Plane};

const W: usize = 320;
const H: usize = 192;

/// Deterministic lattice noise in [0, 1], smoothly interpolated: a texture at every scale from
/// `cell` pixels up.
fn value_noise(x: f32, y: f32, cell: f32, seed: u32) -> f32 {
    let hash = |i: i64, j: i64| -> f32 {
        let mut h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ (j as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
            ^ u64::from(seed).wrapping_mul(0x1656_67B1_9E37_79F9);
        h ^= h >> 29;
        h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h ^= h >> 32;
        (h % 10_000) as f32 / 10_000.0
    };
    let (fx, fy) = (x / cell, y / cell);
    let (i, j) = (fx.floor() as i64, fy.floor() as i64);
    let s = |t: f32| t * t * (3.0 - 2.0 * t);
    let (tx, ty) = (s(fx - fx.floor()), s(fy - fy.floor()));
    let top = hash(i, j) * (1.0 - tx) + hash(i + 1, j) * tx;
    let bottom = hash(i, j + 1) * (1.0 - tx) + hash(i + 1, j + 1) * tx;
    top * (1.0 - ty) + bottom * ty
}

/// Brightness of the scene at a real position (0–255).
fn scene(x: f32, y: f32, seed: u32) -> f32 {
    let octaves = [(48.0, 0.4), (20.0, 0.3), (9.0, 0.2), (4.0, 0.1)];
    255.0
        * octaves
            .iter()
            .enumerate()
            .map(|(k, &(cell, weight))| weight * value_noise(x, y, cell, seed + k as u32))
            .sum::<f32>()
}

fn render(f: impl Fn(f32, f32) -> f32) -> Plane {
    Plane::new(
        W,
        H,
        (0..W * H)
            .map(|i| f((i % W) as f32, (i / W) as f32))
            .collect(),
    )
}

/// `from` shows the scene; `to` shows it after each scene point p moved to `motion(p)`; the truth
/// is `motion(p) − p`. `inverse` maps a point of `to` back to the scene.
fn case(
    motion: impl Fn(f32, f32) -> (f32, f32),
    inverse: impl Fn(f32, f32) -> (f32, f32),
) -> (Plane, Plane, FlowField) {
    let from = render(|x, y| scene(x, y, 1));
    let to = render(|x, y| {
        let (sx, sy) = inverse(x, y);
        scene(sx, sy, 1)
    });
    let truth = FlowField::from_fn(W, H, |x, y| {
        let (mx, my) = motion(x as f32, y as f32);
        (mx - x as f32, my - y as f32)
    });
    (from, to, truth)
}

fn interior(margin: usize) -> impl Fn(usize, usize) -> bool {
    move |x, y| x >= margin && y >= margin && x + margin < W && y + margin < H
}

fn error(from: &Plane, to: &Plane, truth: &FlowField, margin: usize) -> f32 {
    let field = Flow::default().between(from, to);
    let epe = field.endpoint_error(truth, interior(margin));
    let still = FlowField::zeros(W, H).endpoint_error(truth, interior(margin));
    eprintln!("endpoint error {epe:.3} px (no motion at all: {still:.3} px)");
    epe
}

#[test]
fn whole_pixel_translation() {
    let (from, to, truth) = case(|x, y| (x + 4.0, y - 2.0), |x, y| (x - 4.0, y + 2.0));
    let epe = error(&from, &to, &truth, 16);
    assert!(epe < 0.05, "endpoint error {epe:.3} px");
}

#[test]
fn sub_pixel_translation() {
    let (from, to, truth) = case(|x, y| (x + 1.3, y + 0.6), |x, y| (x - 1.3, y - 0.6));
    let epe = error(&from, &to, &truth, 16);
    assert!(epe < 0.1, "endpoint error {epe:.3} px");
}

#[test]
fn a_large_pan_is_found_through_the_pyramid() {
    let (from, to, truth) = case(|x, y| (x + 17.0, y + 5.0), |x, y| (x - 17.0, y - 5.0));
    let epe = error(&from, &to, &truth, 32);
    assert!(epe < 0.1, "endpoint error {epe:.3} px");
}

#[test]
fn zoom() {
    let (cx, cy, s) = (W as f32 / 2.0, H as f32 / 2.0, 1.04);
    let (from, to, truth) = case(
        move |x, y| (cx + s * (x - cx), cy + s * (y - cy)),
        move |x, y| (cx + (x - cx) / s, cy + (y - cy) / s),
    );
    let epe = error(&from, &to, &truth, 24);
    assert!(epe < 0.2, "endpoint error {epe:.3} px");
}

#[test]
fn rotation() {
    let (cx, cy, a) = (W as f32 / 2.0, H as f32 / 2.0, 2.0f32.to_radians());
    let (c, s) = (a.cos(), a.sin());
    let (from, to, truth) = case(
        move |x, y| {
            (
                cx + c * (x - cx) - s * (y - cy),
                cy + s * (x - cx) + c * (y - cy),
            )
        },
        move |x, y| {
            (
                cx + c * (x - cx) + s * (y - cy),
                cy - s * (x - cx) + c * (y - cy),
            )
        },
    );
    let epe = error(&from, &to, &truth, 24);
    assert!(epe < 0.2, "endpoint error {epe:.3} px");
}

/// A textured square moves over a still background: its own pixels and the background are both
/// found, away from its edges (where pixels are covered or uncovered and have no match).
#[test]
fn an_object_moving_over_a_still_background() {
    let (x0, y0, side, (dx, dy)) = (100.0, 60.0, 80.0, (6.0f32, 3.0f32));
    let inside = move |x: f32, y: f32| x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;
    let object = |x: f32, y: f32| scene(x, y, 7);
    let from = render(|x, y| {
        if inside(x, y) {
            object(x, y)
        } else {
            scene(x, y, 1)
        }
    });
    let to = render(|x, y| {
        if inside(x - dx, y - dy) {
            object(x - dx, y - dy)
        } else {
            scene(x, y, 1)
        }
    });
    let truth = FlowField::from_fn(W, H, |x, y| {
        if inside(x as f32, y as f32) {
            (dx, dy)
        } else {
            (0.0, 0.0)
        }
    });
    let field = Flow::default().between(&from, &to);
    let margin = 10.0;
    let near_edge = move |x: usize, y: usize| {
        let (x, y) = (x as f32, y as f32);
        let grown = x >= x0 - margin
            && x < x0 + side + dx + margin
            && y >= y0 - margin
            && y < y0 + side + dy + margin;
        let core = x >= x0 + margin
            && x < x0 + side - margin
            && y >= y0 + margin
            && y < y0 + side - margin;
        grown && !core
    };
    let object_epe = field.endpoint_error(&truth, |x, y| {
        inside(x as f32, y as f32) && !near_edge(x, y)
    });
    let background_epe = field.endpoint_error(&truth, |x, y| {
        !inside(x as f32, y as f32) && !near_edge(x, y) && interior(16)(x, y)
    });
    eprintln!("object {object_epe:.3} px, background {background_epe:.3} px");
    assert!(object_epe < 0.2, "object: {object_epe:.3} px");
    assert!(background_epe < 0.05, "background: {background_epe:.3} px");
}

/// The forward and backward fields of a translation agree (a round trip near 0), and disagree where
/// the frames are unrelated.
#[test]
fn forward_and_backward_fields_agree_on_a_true_motion() {
    let (from, to, _) = case(|x, y| (x + 2.5, y), |x, y| (x - 2.5, y));
    let flow = Flow::new(DisOptions::default());
    let (forward, backward) = (flow.between(&from, &to), flow.between(&to, &from));
    let trip = forward.round_trip_error(&backward);
    let mean_inside = {
        let keep = interior(16);
        let (mut s, mut n) = (0.0, 0);
        for y in 0..H {
            for x in 0..W {
                if keep(x, y) {
                    s += trip.get(x, y);
                    n += 1;
                }
            }
        }
        s / n as f32
    };
    eprintln!("round trip {mean_inside:.3} px");
    assert!(mean_inside < 0.1, "round trip {mean_inside:.3} px");
}

/// A photograph's sky or wall: a patch there matches anywhere equally well, so it must take its
/// motion from the textured patches beside it rather than wander off on noise.
#[test]
fn a_pan_over_a_picture_with_flat_areas() {
    // Texture in the left third and in a band at the bottom; elsewhere flat but for a faint ripple
    // (a fraction of a level, like sensor noise after compression).
    let picture = |x: f32, y: f32| {
        if x < W as f32 / 3.0 || y > 0.75 * H as f32 {
            scene(x, y, 3)
        } else {
            128.0 + 0.4 * (x * 1.7).sin() * (y * 2.3).cos()
        }
    };
    let (dx, dy) = (5.0, 1.0);
    let from = render(picture);
    let to = render(|x, y| picture(x - dx, y - dy));
    let truth = FlowField::uniform(W, H, dx, dy);
    let epe = error(&from, &to, &truth, 16);
    assert!(epe < 0.2, "endpoint error {epe:.3} px");
}
