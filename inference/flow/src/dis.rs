//! Dense Inverse Search (Kroeger, Timofte, Dai and Van Gool, "Fast Optical Flow using Dense Inverse
//! Search", ECCV 2016), coarse to fine over an image pyramid. At each level:
//! 1. a grid of overlapping square patches of the first frame, each moved to where it best matches
//!    the second frame by Gauss-Newton steps on its mean-normalised difference. The template's
//!    gradients and Hessian serve every step (the *inverse* search), so a step costs one bilinear
//!    sample per patch pixel;
//! 2. each patch starts from the best of three guesses: the coarser level's motion, and the motion
//!    just found for its left and upper neighbours (spatial propagation: a patch on a flat wall or
//!    sky matches any motion equally well and takes its neighbours'). A patch that ends up matching
//!    worse than its start, or runs off, keeps the start;
//! 3. densification: each pixel's motion is the average of the patches that cover it, each weighted
//!    by how well its motion explains that pixel (1 / max(1, |difference|));
//! 4. optionally a few smoothing sweeps that pull each vector towards its neighbours' where the image
//!    has no texture to decide (a light stand-in for the paper's variational refinement, which
//!    propagation made unnecessary here: see `cargo xtask bench-video`).

use crate::field::FlowField;
use crate::plane::Plane;

/// The search's settings. [`DisOptions::default`] is the preset `adain video` uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DisOptions {
    /// Pyramid level the search stops at: 0 is full resolution; 1 searches at half size and scales
    /// the field up (four times less work, a little less detail).
    pub finest_level: usize,
    /// Side of the square patches, in pixels of each level.
    pub patch: usize,
    /// Distance between neighbouring patches (smaller: more overlap, smoother and slower).
    pub stride: usize,
    /// Gauss-Newton steps per patch.
    pub iterations: usize,
    /// Smoothing sweeps per level after densification (0: none).
    pub smoothing_sweeps: usize,
    /// Threads (0: as many as the machine has). Each thread searches a band of patch rows, and
    /// the first row of a band has no upper neighbour to start from, so the field depends a little
    /// on the thread count: fix it for results that must not vary between machines.
    pub threads: usize,
}

impl Default for DisOptions {
    fn default() -> Self {
        Self {
            finest_level: 1,
            patch: 8,
            stride: 4,
            iterations: 8,
            smoothing_sweeps: 0,
            threads: 0,
        }
    }
}

/// How much lower a later starting guess's cost must be to displace an earlier one.
const CLEARLY_BETTER: f32 = 0.8;

/// Pyramids shorter than this many patches on their shorter side are not searched.
const COARSEST_PATCHES: usize = 2;

/// The motion from `from` to `to` (two frames of one size): `from(x) ≈ to(x + flow(x))`.
pub fn flow(from: &Plane, to: &Plane, options: &DisOptions) -> FlowField {
    assert_eq!(
        (from.width(), from.height()),
        (to.width(), to.height()),
        "frames of one size"
    );
    let patch = options.patch.max(2);
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    // Levels 0 (full size) .. coarsest, the coarsest still a few patches across.
    let mut from_levels = vec![from.clone()];
    let mut to_levels = vec![to.clone()];
    loop {
        let last = from_levels.last().expect("level 0");
        let next_short = last.width().min(last.height()).div_ceil(2);
        if next_short < COARSEST_PATCHES * patch {
            break;
        }
        let (f, t) = (last.half(), to_levels.last().expect("level 0").half());
        from_levels.push(f);
        to_levels.push(t);
    }
    let finest = options.finest_level.min(from_levels.len() - 1);
    let coarsest = from_levels.len() - 1;

    let mut field: Option<FlowField> = None;
    for level in (finest..=coarsest).rev() {
        let (f, t) = (&from_levels[level], &to_levels[level]);
        let init = match field.take() {
            Some(coarser) => coarser.resized(f.width(), f.height()),
            None => FlowField::zeros(f.width(), f.height()),
        };
        let mut dense = search_level(f, t, &init, patch, options, threads);
        for _ in 0..options.smoothing_sweeps {
            dense = smooth(&dense, f);
        }
        field = Some(dense);
    }
    let field = field.expect("at least one level");
    if finest == 0 {
        field
    } else {
        field.resized(from.width(), from.height())
    }
}

/// Where patches start along a side of `length` pixels: every `stride`, the last flush with the end.
fn patch_starts(length: usize, patch: usize, stride: usize) -> Vec<usize> {
    if length <= patch {
        return vec![0];
    }
    let mut starts: Vec<usize> = (0..=length - patch).step_by(stride.max(1)).collect();
    if *starts.last().expect("at least 0") != length - patch {
        starts.push(length - patch);
    }
    starts
}

/// One patch's result: its top-left corner, its motion, and the mean brightness change its
/// normalisation removed.
#[derive(Debug, Clone, Copy, Default)]
struct Found {
    x: usize,
    y: usize,
    u: f32,
    v: f32,
    offset: f32,
}

fn search_level(
    from: &Plane,
    to: &Plane,
    init: &FlowField,
    patch: usize,
    options: &DisOptions,
    threads: usize,
) -> FlowField {
    let (w, h) = (from.width(), from.height());
    let (pw, ph) = (patch.min(w), patch.min(h));
    let (gx, gy) = from.gradients();
    let xs = patch_starts(w, pw, options.stride);
    let ys = patch_starts(h, ph, options.stride);
    let mut found: Vec<Found> = ys
        .iter()
        .flat_map(|&y| {
            xs.iter().map(move |&x| Found {
                x,
                y,
                ..Found::default()
            })
        })
        .collect();
    // Whole rows of patches per thread, so that each patch can try its left and upper neighbours'
    // results (spatial propagation: a patch in a flat area takes the motion found next to it).
    let row = xs.len();
    let rows_per = ys.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        for part in found.chunks_mut(rows_per * row) {
            let (gx, gy) = (&gx, &gy);
            scope.spawn(move || {
                let mut scratch = Scratch::new(pw * ph);
                for k in 0..part.len() {
                    let p = part[k];
                    let centre = (
                        p.x as f32 + pw as f32 / 2.0 - 0.5,
                        p.y as f32 + ph as f32 / 2.0 - 0.5,
                    );
                    let coarse = init.sample(centre.0, centre.1);
                    let left = (k % row > 0).then(|| (part[k - 1].u, part[k - 1].v));
                    let up = (k >= row).then(|| (part[k - row].u, part[k - row].v));
                    // Neighbours first: in a flat area all guesses match about equally, and
                    // the motion found beside it is the better guess.
                    let starts = [left, up, Some(coarse)];
                    part[k] = search_patch(
                        from,
                        to,
                        gx,
                        gy,
                        p.x,
                        p.y,
                        pw,
                        ph,
                        starts.iter().flatten().copied(),
                        options.iterations,
                        &mut scratch,
                    );
                }
            });
        }
    });
    densify(from, to, &found, pw, ph, threads)
}

/// Buffers one thread reuses for every patch.
struct Scratch {
    template: Vec<f32>,
    gx: Vec<f32>,
    gy: Vec<f32>,
    warped: Vec<f32>,
}

impl Scratch {
    fn new(n: usize) -> Self {
        Self {
            template: vec![0.0; n],
            gx: vec![0.0; n],
            gy: vec![0.0; n],
            warped: vec![0.0; n],
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn search_patch(
    from: &Plane,
    to: &Plane,
    gx_plane: &Plane,
    gy_plane: &Plane,
    px: usize,
    py: usize,
    pw: usize,
    ph: usize,
    starts: impl Iterator<Item = (f32, f32)>,
    iterations: usize,
    s: &mut Scratch,
) -> Found {
    // The template, its gradients and their Hessian: fixed for the whole search.
    let (mut hxx, mut hxy, mut hyy, mut sum_t) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    for j in 0..ph {
        for i in 0..pw {
            let k = j * pw + i;
            let (x, y) = (px + i, py + j);
            let (t, a, b) = (from.get(x, y), gx_plane.get(x, y), gy_plane.get(x, y));
            s.template[k] = t;
            s.gx[k] = a;
            s.gy[k] = b;
            sum_t += t;
            hxx += a * a;
            hxy += a * b;
            hyy += b * b;
        }
    }
    let n = (pw * ph) as f32;
    let mean_t = sum_t / n;
    // A little regularisation keeps flat or one-directional patches from jumping.
    let reg = 1e-2 * n;
    let (hxx, hyy) = (hxx + reg, hyy + reg);
    let det = hxx * hyy - hxy * hxy;
    // The best of the starting guesses, by mean-normalised squared difference; a later guess must
    // be clearly better to displace an earlier one.
    let mut best = (f32::INFINITY, 0.0, 0.0, 0.0);
    for (u, v) in starts {
        let (cost, offset) = s.cost(to, px as f32 + u, py as f32 + v, pw, ph, mean_t);
        if cost < CLEARLY_BETTER * best.0 {
            best = (cost, u, v, offset);
        }
    }
    let (start_cost, u0, v0, offset0) = best;
    let (mut u, mut v) = (u0, v0);
    let mut offset = s.sample(to, px as f32 + u, py as f32 + v, pw, ph, mean_t);
    for _ in 0..iterations {
        let (mut bx, mut by) = (0.0f32, 0.0f32);
        for k in 0..pw * ph {
            let r = s.warped[k] - s.template[k] - offset;
            bx += s.gx[k] * r;
            by += s.gy[k] * r;
        }
        let du = (hyy * bx - hxy * by) / det;
        let dv = (hxx * by - hxy * bx) / det;
        u -= du;
        v -= dv;
        offset = s.sample(to, px as f32 + u, py as f32 + v, pw, ph, mean_t);
        if du * du + dv * dv < 1e-4 {
            break;
        }
    }
    // A patch that ended up matching worse than where it started, or ran off further than its own
    // size, found something else: keep the start.
    let (cost, _) = s.cost_of_warped(pw, ph, mean_t);
    let side = pw.max(ph) as f32;
    let ran_off = (u - u0).powi(2) + (v - v0).powi(2) > side * side;
    if !(u.is_finite() && v.is_finite()) || ran_off || cost > start_cost {
        return Found {
            x: px,
            y: py,
            u: u0,
            v: v0,
            offset: offset0,
        };
    }
    Found {
        x: px,
        y: py,
        u,
        v,
        offset,
    }
}

impl Scratch {
    /// Samples `to` at the patch moved to `(x, y)` into `warped`; returns the mean brightness
    /// change from the template.
    fn sample(&mut self, to: &Plane, x: f32, y: f32, pw: usize, ph: usize, mean_t: f32) -> f32 {
        to.sample_block(x, y, pw, ph, &mut self.warped);
        self.warped.iter().sum::<f32>() / (pw * ph) as f32 - mean_t
    }

    /// The mean-normalised squared difference of the patch moved to `(x, y)`, and its offset.
    fn cost(
        &mut self,
        to: &Plane,
        x: f32,
        y: f32,
        pw: usize,
        ph: usize,
        mean_t: f32,
    ) -> (f32, f32) {
        self.sample(to, x, y, pw, ph, mean_t);
        self.cost_of_warped(pw, ph, mean_t)
    }

    /// The cost and offset of what `warped` holds.
    fn cost_of_warped(&self, pw: usize, ph: usize, mean_t: f32) -> (f32, f32) {
        let n = pw * ph;
        let offset = self.warped.iter().sum::<f32>() / n as f32 - mean_t;
        let cost = self
            .warped
            .iter()
            .zip(&self.template)
            .map(|(w, t)| (w - t - offset).powi(2))
            .sum();
        (cost, offset)
    }
}

/// Each pixel's motion: the patches over it, weighted by how well each explains it.
fn densify(
    from: &Plane,
    to: &Plane,
    found: &[Found],
    pw: usize,
    ph: usize,
    threads: usize,
) -> FlowField {
    let (w, h) = (from.width(), from.height());
    let mut u = vec![0.0f32; w * h];
    let mut v = vec![0.0f32; w * h];
    let rows_per = h.div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        for (band, (u_band, v_band)) in u
            .chunks_mut(rows_per * w)
            .zip(v.chunks_mut(rows_per * w))
            .enumerate()
        {
            scope.spawn(move || {
                let (top, bottom) = (band * rows_per, ((band + 1) * rows_per).min(h));
                let mut weight = vec![0.0f32; (bottom - top) * w];
                let mut warped = vec![0.0f32; pw * ph];
                for p in found.iter().filter(|p| p.y < bottom && p.y + ph > top) {
                    to.sample_block(p.x as f32 + p.u, p.y as f32 + p.v, pw, ph, &mut warped);
                    for y in p.y.max(top)..(p.y + ph).min(bottom) {
                        let row = &warped[(y - p.y) * pw..][..pw];
                        for (i, x) in (p.x..p.x + pw).enumerate() {
                            let d = row[i] - from.get(x, y) - p.offset;
                            let wgt = 1.0 / d.abs().max(1.0);
                            let k = (y - top) * w + x;
                            u_band[k] += wgt * p.u;
                            v_band[k] += wgt * p.v;
                            weight[k] += wgt;
                        }
                    }
                }
                for ((a, b), &wgt) in u_band.iter_mut().zip(v_band.iter_mut()).zip(&weight) {
                    if wgt > 0.0 {
                        *a /= wgt;
                        *b /= wgt;
                    }
                }
            });
        }
    });
    FlowField {
        u: Plane::new(w, h, u),
        v: Plane::new(w, h, v),
    }
}

/// One sweep pulling each vector towards its 4 neighbours' mean, more so where the frame is flat
/// (weak gradients leave the data nothing to decide).
fn smooth(field: &FlowField, frame: &Plane) -> FlowField {
    let (w, h) = (field.width(), field.height());
    let (gx, gy) = frame.gradients();
    let mut out = field.clone();
    for y in 0..h {
        for x in 0..w {
            let (l, r) = (x.saturating_sub(1), (x + 1).min(w - 1));
            let (t, b) = (y.saturating_sub(1), (y + 1).min(h - 1));
            let g2 = gx.get(x, y).powi(2) + gy.get(x, y).powi(2);
            let pull = 1.0 / (1.0 + g2 / 25.0);
            for (src, dst) in [(&field.u, &mut out.u), (&field.v, &mut out.v)] {
                let mean = 0.25 * (src.get(l, y) + src.get(r, y) + src.get(x, t) + src.get(x, b));
                let here = src.get(x, y);
                dst.values_mut()[y * w + x] = here + pull * (mean - here);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_cover_the_side_with_the_last_flush() {
        assert_eq!(patch_starts(20, 8, 4), vec![0, 4, 8, 12]);
        assert_eq!(patch_starts(21, 8, 4), vec![0, 4, 8, 12, 13]);
        assert_eq!(patch_starts(5, 8, 4), vec![0]);
    }
}
