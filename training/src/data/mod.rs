//! Training images: folder scanning with a held-out split, and a loader thread that decodes, resizes and
//! crops batches beside the training step.

mod folder;
mod loader;
mod sample;

pub use folder::{ImageFolder, ScanReport};
pub use loader::{Batch, BatchLoader, LoaderConfig};
pub use sample::{center_crop, load_resized, planar_batch, random_crop};
