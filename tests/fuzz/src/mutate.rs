//! Byte-level mutations, the part every target shares: flips, interesting values, arithmetic on
//! little- and big-endian integers, block copies and deletions, and splicing with another input.

use rand::{Rng, RngCore};

/// Values that sit on boundaries parsers get wrong.
const INTERESTING_U32: [u32; 12] = [
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0x8000,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
];

/// Applies 1–8 random byte mutations to `data`, keeping it at most `max_len` bytes. `other` is a
/// second corpus input to splice from.
pub fn havoc(rng: &mut impl RngCore, data: &mut Vec<u8>, other: &[u8], max_len: usize) {
    let rounds = 1 << rng.random_range(0..4);
    for _ in 0..rounds {
        one(rng, data, other);
    }
    data.truncate(max_len);
}

fn one(rng: &mut impl RngCore, data: &mut Vec<u8>, other: &[u8]) {
    if data.is_empty() {
        data.push(rng.random());
        return;
    }
    let len = data.len();
    let at = rng.random_range(0..len);
    match rng.random_range(0..10) {
        0 => data[at] ^= 1 << rng.random_range(0..8),
        1 => data[at] = rng.random(),
        2 => {
            let delta: u8 = rng.random_range(1..=16);
            data[at] = if rng.random() {
                data[at].wrapping_add(delta)
            } else {
                data[at].wrapping_sub(delta)
            };
        }
        3 => {
            // An interesting 32-bit value, in either byte order.
            let v = INTERESTING_U32[rng.random_range(0..INTERESTING_U32.len())];
            let bytes = if rng.random() {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            };
            let width = [1, 2, 4][rng.random_range(0..3)];
            for (i, b) in bytes.iter().take(width).enumerate() {
                if let Some(slot) = data.get_mut(at + i) {
                    *slot = *b;
                }
            }
        }
        4 => {
            // Delete a block.
            let n = rng.random_range(1..=(len - at).min(64));
            data.drain(at..at + n);
        }
        5 => {
            // Duplicate a block in place.
            let n = rng.random_range(1..=(len - at).min(64));
            let block = data[at..at + n].to_vec();
            let to = rng.random_range(0..=data.len());
            data.splice(to..to, block);
        }
        6 => {
            // Insert random bytes.
            let n = rng.random_range(1..=16);
            let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            data.splice(at..at, bytes);
        }
        7 if !other.is_empty() => {
            // Splice: our head, the other input's tail.
            let from = rng.random_range(0..other.len());
            data.truncate(at);
            data.extend_from_slice(&other[from..]);
        }
        8 => {
            // Overwrite with a copy of another part of the input.
            let from = rng.random_range(0..len);
            let n = rng.random_range(1..=(len - from).min(len - at).min(32));
            let block = data[from..from + n].to_vec();
            data[at..at + n].copy_from_slice(&block);
        }
        _ => data.truncate(at.max(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn mutations_change_inputs_and_respect_the_length_bound() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let seed: Vec<u8> = (0..200).map(|i| i as u8).collect();
        let mut changed = 0;
        for _ in 0..1000 {
            let mut data = seed.clone();
            havoc(&mut rng, &mut data, b"other input", 256);
            assert!(data.len() <= 256);
            changed += usize::from(data != seed);
        }
        assert!(
            changed > 950,
            "only {changed} of 1000 mutations changed the input"
        );
    }
}
