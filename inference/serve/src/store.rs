//! Stored styles: statistics computed once per upload and kept in memory, the least recently used
//! uploaded style evicted beyond a bound. Built-in styles are never evicted or deleted.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use adain::ops::ChannelStats;
use image::RgbImage;

/// What a stored style was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Image,
    Stats,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Image => "image",
            Origin::Stats => "stats",
        }
    }
}

pub struct StoredStyle {
    pub id: String,
    pub name: String,
    pub origin: Origin,
    pub builtin: bool,
    /// relu4_1 statistics, what AdaIN uses.
    pub stats: ChannelStats,
    /// The style image as encoded (after resizing), kept for the palettes.
    pub image: Option<RgbImage>,
    /// The colours of a style stored from a statistics file that keeps them.
    pub colors: Option<adain::ops::ColorMoments>,
    /// A small JPEG for the web page's gallery.
    pub thumbnail: Option<Vec<u8>>,
}

/// Why a style could not be deleted.
#[derive(Debug, PartialEq, Eq)]
pub enum RemoveError {
    NotFound,
    Builtin,
}

pub struct StyleStore {
    inner: Mutex<Inner>,
    /// Uploaded styles kept at most.
    max_uploaded: usize,
}

#[derive(Default)]
struct Inner {
    styles: BTreeMap<String, Entry>,
    /// Logical clock for least-recently-used order.
    tick: u64,
}

struct Entry {
    style: Arc<StoredStyle>,
    last_used: u64,
}

impl StyleStore {
    pub fn new(max_uploaded: usize) -> Self {
        Self {
            inner: Mutex::default(),
            max_uploaded,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The map stays consistent even if a holder panicked: every change is one insert/remove.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stores `style` (replacing one with the same id) and evicts the least recently used uploaded
    /// styles beyond the bound; returns the ids evicted.
    pub fn insert(&self, style: StoredStyle) -> (Arc<StoredStyle>, Vec<String>) {
        let mut inner = self.lock();
        inner.tick += 1;
        let style = Arc::new(style);
        let last_used = inner.tick;
        inner.styles.insert(
            style.id.clone(),
            Entry {
                style: style.clone(),
                last_used,
            },
        );
        let mut evicted = Vec::new();
        loop {
            let uploaded = inner.styles.values().filter(|e| !e.style.builtin);
            if uploaded.clone().count() <= self.max_uploaded {
                break;
            }
            let Some(oldest) = uploaded
                .min_by_key(|e| e.last_used)
                .map(|e| e.style.id.clone())
            else {
                break;
            };
            inner.styles.remove(&oldest);
            evicted.push(oldest);
        }
        (style, evicted)
    }

    /// The style with `id`, marked as just used.
    pub fn get(&self, id: &str) -> Option<Arc<StoredStyle>> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let entry = inner.styles.get_mut(id)?;
        entry.last_used = tick;
        Some(entry.style.clone())
    }

    /// Built-in styles first, then uploads, each by name.
    pub fn list(&self) -> Vec<Arc<StoredStyle>> {
        let mut all: Vec<_> = self
            .lock()
            .styles
            .values()
            .map(|e| e.style.clone())
            .collect();
        all.sort_by(|a, b| (!a.builtin, &a.name).cmp(&(!b.builtin, &b.name)));
        all
    }

    pub fn remove(&self, id: &str) -> Result<(), RemoveError> {
        let mut inner = self.lock();
        match inner.styles.get(id) {
            None => Err(RemoveError::NotFound),
            Some(entry) if entry.style.builtin => Err(RemoveError::Builtin),
            Some(_) => {
                inner.styles.remove(id);
                Ok(())
            }
        }
    }

    pub fn len(&self) -> usize {
        self.lock().styles.len()
    }
}

/// Uploads of the same bytes with the same options get the same id (and are stored once).
pub fn content_id(bytes: &[u8], options: &str) -> String {
    let mut hasher = DefaultHasher::new();
    hasher.write(bytes);
    hasher.write(options.as_bytes());
    format!("u{:016x}", hasher.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(id: &str, builtin: bool) -> StoredStyle {
        StoredStyle {
            id: id.into(),
            name: id.into(),
            origin: Origin::Stats,
            builtin,
            stats: ChannelStats {
                mean: ndarray::arr1(&[0.0]),
                std: ndarray::arr1(&[1.0]),
            },
            image: None,
            colors: None,
            thumbnail: None,
        }
    }

    #[test]
    fn evicts_the_least_recently_used_upload_only() {
        let store = StyleStore::new(2);
        store.insert(style("builtin", true));
        store.insert(style("a", false));
        store.insert(style("b", false));
        assert!(store.get("a").is_some()); // b is now the oldest upload
        let (_, evicted) = store.insert(style("c", false));
        assert_eq!(evicted, vec!["b".to_string()]);
        let ids: Vec<String> = store.list().iter().map(|s| s.id.clone()).collect();
        assert_eq!(ids, ["builtin", "a", "c"]);
    }

    #[test]
    fn builtin_styles_cannot_be_deleted() {
        let store = StyleStore::new(4);
        store.insert(style("swirl", true));
        store.insert(style("mine", false));
        assert_eq!(store.remove("swirl"), Err(RemoveError::Builtin));
        assert_eq!(store.remove("nope"), Err(RemoveError::NotFound));
        assert_eq!(store.remove("mine"), Ok(()));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn ids_depend_on_bytes_and_options() {
        assert_eq!(content_id(b"x", "512"), content_id(b"x", "512"));
        assert_ne!(content_id(b"x", "512"), content_id(b"x", "256"));
        assert_ne!(content_id(b"x", "512"), content_id(b"y", "512"));
    }
}
