//! A fixed-size bit set: one bit per employer-list entry, "held by the position".
//!
//! At NRMP size the employer lists have about 550,000 entries: as bytes that is more
//! than a core's L2 cache, as bits 70 KB, which fits.

/// One bit per index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bits(Vec<u64>);

impl Bits {
    /// `n` bits, all clear.
    pub(crate) fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }

    /// Clears every bit.
    pub(crate) fn clear_all(&mut self) {
        self.0.iter_mut().for_each(|w| *w = 0);
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> bool {
        self.0[i >> 6] & (1 << (i & 63)) != 0
    }

    #[inline]
    pub(crate) fn set(&mut self, i: usize) {
        self.0[i >> 6] |= 1 << (i & 63);
    }

    #[inline]
    pub(crate) fn clear(&mut self, i: usize) {
        self.0[i >> 6] &= !(1 << (i & 63));
    }

    /// The highest set index in `[lo, before)`, if any.
    #[inline]
    pub(crate) fn prev_set(&self, before: usize, lo: usize) -> Option<usize> {
        if before <= lo {
            return None;
        }
        let mut i = before - 1;
        loop {
            let w = i >> 6;
            // Bits 0..=i%64 of word w.
            let mask = if i & 63 == 63 {
                u64::MAX
            } else {
                (1u64 << ((i & 63) + 1)) - 1
            };
            let bits = self.0[w] & mask;
            if bits != 0 {
                let found = (w << 6) + 63 - bits.leading_zeros() as usize;
                return (found >= lo).then_some(found);
            }
            if w << 6 <= lo {
                return None;
            }
            i = (w << 6) - 1;
        }
    }

    /// Number of set bits in `[lo, hi)`.
    pub(crate) fn count_range(&self, lo: usize, hi: usize) -> u32 {
        (lo..hi).filter(|&i| self.get(i)).count() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prev_set_finds_the_highest_bit_below_across_words() {
        let mut b = Bits::new(300);
        for i in [0, 63, 64, 130, 199] {
            b.set(i);
        }
        assert_eq!(b.prev_set(300, 0), Some(199));
        assert_eq!(b.prev_set(199, 0), Some(130));
        assert_eq!(b.prev_set(130, 0), Some(64));
        assert_eq!(b.prev_set(64, 0), Some(63));
        assert_eq!(b.prev_set(63, 0), Some(0));
        assert_eq!(b.prev_set(0, 0), None);
        assert_eq!(b.prev_set(130, 65), None);
        assert_eq!(b.prev_set(64, 64), None);
        b.clear(63);
        assert_eq!(b.prev_set(64, 1), None);
        assert_eq!(b.count_range(0, 300), 4);
        assert!(b.get(130) && !b.get(131));
    }
}
