//! Adam, written out so its state can be checkpointed and restored exactly (tch's optimizer keeps its
//! moments inside libtorch, out of reach).

use tch::Tensor;

pub const BETA1: f64 = 0.9;
pub const BETA2: f64 = 0.999;
pub const EPS: f64 = 1e-8;

/// The paper's schedule: lr / (1 + decay · iteration).
pub fn learning_rate(base: f64, decay: f64, iteration: u64) -> f64 {
    base / (1.0 + decay * iteration as f64)
}

/// First and second moments per parameter.
pub struct Adam {
    pub m: Vec<Tensor>,
    pub v: Vec<Tensor>,
    /// Steps taken (for bias correction).
    pub steps: u64,
}

impl Adam {
    pub fn new(params: &[&Tensor]) -> Self {
        Self {
            m: params.iter().map(|p| p.zeros_like()).collect(),
            v: params.iter().map(|p| p.zeros_like()).collect(),
            steps: 0,
        }
    }

    /// One update with the gradients currently stored on `params`; clears them.
    pub fn step(&mut self, params: &[&Tensor], lr: f64) {
        self.steps += 1;
        let c1 = 1.0 - BETA1.powi(self.steps as i32);
        let c2 = 1.0 - BETA2.powi(self.steps as i32);
        tch::no_grad(|| {
            for ((p, m), v) in params.iter().zip(&mut self.m).zip(&mut self.v) {
                let mut g = p.grad();
                if !g.defined() {
                    continue;
                }
                let _ = m.g_mul_scalar_(BETA1).g_add_(&(&g * (1.0 - BETA1)));
                let _ = v.g_mul_scalar_(BETA2).g_add_(&(g.square() * (1.0 - BETA2)));
                let update = (&*m / c1) / ((&*v / c2).sqrt() + EPS) * lr;
                let mut p = p.shallow_clone();
                let _ = p.g_sub_(&update);
                let _ = g.zero_();
            }
        });
    }
}
