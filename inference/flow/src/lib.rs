//! Dense optical flow for steady stylized video: where each pixel of one frame went in the next.
//!
//! ```
//! use adain_flow::{Flow, Plane};
//! let texture = |x: usize, y: usize| ((x * 37 + y * 91) % 17) as f32 * 10.0;
//! let from = Plane::new(64, 48, (0..64 * 48usize).map(|i| texture(i % 64, i / 64)).collect());
//! let to = Plane::new(64, 48, (0..64 * 48usize).map(|i| texture((i % 64).saturating_sub(2), i / 64)).collect());
//! let field = Flow::default().between(&from, &to);
//! assert_eq!(field.width(), 64);
//! ```
//!
//! The method is Dense Inverse Search (see [`dis`]); [`FlowField`] warps images along a field and
//! checks two fields against each other (forward-backward consistency).

pub mod dis;
mod field;
mod plane;

pub use dis::DisOptions;
pub use field::FlowField;
pub use plane::{luma, Plane};

/// A flow estimator with fixed settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flow {
    pub options: DisOptions,
}

impl Flow {
    pub fn new(options: DisOptions) -> Self {
        Self { options }
    }

    /// The motion from `from` to `to` (frames of one size): `from(x) ≈ to(x + field(x))`.
    ///
    /// # Panics
    /// When the frames differ in size.
    pub fn between(&self, from: &Plane, to: &Plane) -> FlowField {
        dis::flow(from, to, &self.options)
    }
}
