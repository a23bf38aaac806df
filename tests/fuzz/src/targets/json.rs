//! Structure-aware mutation of JSON documents (manifests, safetensors headers): one node of the
//! parsed tree is changed to a neighbouring or hostile value, and the tree is written back.

use rand::Rng as _;
use serde_json::{json, Value};

use crate::target::Rng;

/// Mutates one random node of `value` in place.
pub fn mutate_value(rng: &mut Rng, value: &mut Value) {
    let count = count_nodes(value);
    let mut pick = rng.random_range(0..count);
    mutate_nth(rng, value, &mut pick);
}

fn count_nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        Value::Object(map) => map.values().map(count_nodes).sum(),
        _ => 0,
    }
}

/// Walks depth-first until the `n`th node, and mutates that one.
fn mutate_nth(rng: &mut Rng, value: &mut Value, n: &mut usize) -> bool {
    if *n == 0 {
        replace(rng, value);
        return true;
    }
    *n -= 1;
    match value {
        Value::Array(items) => items.iter_mut().any(|v| mutate_nth(rng, v, n)),
        Value::Object(map) => {
            if rng.random_bool(0.05) && !map.is_empty() {
                // Drop a key or add an unknown one.
                let key = map
                    .keys()
                    .nth(rng.random_range(0..map.len()))
                    .cloned()
                    .unwrap_or_default();
                if rng.random() {
                    map.remove(&key);
                } else {
                    map.insert(format!("{key}_extra"), json!(null));
                }
                return true;
            }
            map.values_mut().any(|v| mutate_nth(rng, v, n))
        }
        _ => false,
    }
}

fn replace(rng: &mut Rng, value: &mut Value) {
    *value = match (rng.random_range(0..12), &*value) {
        (0, Value::Number(n)) => json!(n
            .as_i64()
            .unwrap_or(0)
            .wrapping_add(rng.random_range(-2..=2))),
        (1, Value::Number(_)) => [
            json!(0),
            json!(-1),
            json!(1),
            json!(i64::MAX),
            json!(i64::MIN),
            json!(u64::MAX),
            json!(1e300),
            json!(0.5),
        ][rng.random_range(0..8)]
        .clone(),
        (2, Value::String(s)) => {
            let mut s = s.clone();
            if !s.is_empty() {
                let cut = rng.random_range(0..s.len());
                s.truncate(s.floor_char_boundary(cut));
            }
            json!(s)
        }
        (3, Value::String(s)) => json!(format!("{s}{s}")),
        (4, Value::Array(items)) if !items.is_empty() => {
            let mut items = items.clone();
            items.remove(rng.random_range(0..items.len()));
            Value::Array(items)
        }
        (5, Value::Array(items)) if !items.is_empty() => {
            let mut items = items.clone();
            let copy = items[rng.random_range(0..items.len())].clone();
            items.push(copy);
            Value::Array(items)
        }
        (6, _) => json!(""),
        (7, _) => json!(null),
        (8, _) => json!([]),
        (9, _) => json!({}),
        (10, _) => json!(-1),
        _ => json!("\u{0}\u{ffff}é../../x"),
    };
}
