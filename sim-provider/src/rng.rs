//! Seeded, counter-based randomness for fault decisions.
//!
//! Symphony creates a new provider for every call, so a random generator kept in the provider
//! would restart on every call. Instead each decision is a pure function of the seed, the
//! device's call number and what is being decided (`purpose`): the same seed and the same
//! sequence of calls give the same decisions, whichever provider instance makes them, and
//! turning one fault on does not shift the decisions of another.
//!
//! The mixer is SplitMix64 (Steele, Lea and Flood, 2014; the seeding generator of the
//! xoshiro family): a dozen lines, no dependency, and its output is fixed forever, which a
//! crate's generator need not be across major versions.

/// One SplitMix64 step: a well-mixed 64-bit value from `x`.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a purpose tag, so that each kind of decision draws from its own stream.
fn tag(purpose: &str) -> u64 {
    purpose.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// The random value for one decision.
pub fn draw(seed: u64, call: u64, purpose: &str) -> u64 {
    splitmix64(splitmix64(splitmix64(seed) ^ call) ^ tag(purpose))
}

/// True with probability `rate` (0 never, 1 always).
pub fn chance(seed: u64, call: u64, purpose: &str, rate: f64) -> bool {
    if rate <= 0.0 {
        return false;
    }
    // The top 53 bits as a uniform value in [0, 1).
    let unit = (draw(seed, call, purpose) >> 11) as f64 / (1u64 << 53) as f64;
    unit < rate
}

/// A value in `low..=high`, uniform enough for picking latencies and indices.
pub fn between(seed: u64, call: u64, purpose: &str, low: u64, high: u64) -> u64 {
    if high <= low {
        return low;
    }
    let span = high - low;
    match span.checked_add(1) {
        Some(width) => low + draw(seed, call, purpose) % width,
        None => draw(seed, call, purpose),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // First outputs of the reference SplitMix64 generator seeded with 0 (state advanced by
        // the golden gamma before each output, as here).
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(0x9E37_79B9_7F4A_7C15), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn same_inputs_same_draw_and_purposes_are_independent() {
        assert_eq!(draw(7, 3, "fail"), draw(7, 3, "fail"));
        assert_ne!(draw(7, 3, "fail"), draw(7, 3, "slow"));
        assert_ne!(draw(7, 3, "fail"), draw(8, 3, "fail"));
        assert_ne!(draw(7, 3, "fail"), draw(7, 4, "fail"));
    }

    #[test]
    fn chance_extremes_and_rough_rate() {
        assert!(!(0..100).any(|call| chance(1, call, "x", 0.0)));
        assert!((0..100).all(|call| chance(1, call, "x", 1.0)));
        let hits = (0..10_000)
            .filter(|&call| chance(1, call, "x", 0.3))
            .count();
        assert!((2_700..3_300).contains(&hits), "{hits}");
    }

    #[test]
    fn between_stays_in_range() {
        for call in 0..1000 {
            let v = between(5, call, "latency", 10, 20);
            assert!((10..=20).contains(&v));
        }
        assert_eq!(between(5, 1, "latency", 4, 4), 4);
        let _ = between(5, 1, "latency", 0, u64::MAX);
    }
}
