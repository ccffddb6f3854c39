//! The random stream (ChaCha20 keystream), uniform integers and the shuffle
//! (docs/lottery.md §6–8).

use chacha20::ChaCha20;
use chacha20::cipher::{KeyIvInit, StreamCipher};

/// The random numbers of one draw: the ChaCha20 keystream (RFC 8439: 20 rounds,
/// 96-bit nonce of zeros, 32-bit block counter from 0) read 4 bytes at a time
/// as little-endian `u32`.
///
/// Public so that re-implementers and tests can compare intermediate values.
pub struct RandomStream {
    cipher: ChaCha20,
    block: [u8; 64],
    pos: usize,
}

impl RandomStream {
    /// A stream keyed with `key` (see [`super::stream_key`]).
    pub fn new(key: &[u8; 32]) -> RandomStream {
        let nonce = [0u8; 12];
        RandomStream {
            cipher: ChaCha20::new(key.into(), &nonce.into()),
            block: [0; 64],
            pos: 64,
        }
    }

    /// The next 4 keystream bytes as a little-endian `u32`.
    pub fn next_u32(&mut self) -> u32 {
        if self.pos == self.block.len() {
            // Keystream = encryption of zeros; one 64-byte block at a time.
            self.block = [0; 64];
            self.cipher.apply_keystream(&mut self.block);
            self.pos = 0;
        }
        let p = self.pos;
        self.pos += 4;
        u32::from_le_bytes([
            self.block[p],
            self.block[p + 1],
            self.block[p + 2],
            self.block[p + 3],
        ])
    }

    /// A uniform integer in `[0, n)`, without modulo bias; see [`uniform_from`].
    pub fn uniform(&mut self, n: u32) -> u32 {
        uniform_from(n, || self.next_u32())
    }

    /// Fisher–Yates: for `i` from `len − 1` down to 1, swap `items[i]` with `items[uniform(i + 1)]`.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            // Lists are capped far below u32::MAX (MAX_PARTICIPANTS, MAX_PLACE_COUNT).
            let j = self.uniform((i + 1) as u32) as usize;
            items.swap(i, j);
        }
    }
}

/// A uniform integer in `[0, n)` from a source of uniform `u32` words.
///
/// Draw `x`; if `x ≥ 2³² − (2³² mod n)` reject it and draw again; else return `x mod n`.
/// Always draws at least one word, also for `n = 1`. `n = 0` returns 0 and draws
/// nothing (never used by the lottery).
pub fn uniform_from(n: u32, mut next: impl FnMut() -> u32) -> u32 {
    if n == 0 {
        return 0;
    }
    let n = u64::from(n);
    let limit = (1u64 << 32) - ((1u64 << 32) % n);
    loop {
        let x = u64::from(next());
        if x < limit {
            return (x % n) as u32;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn keystream_matches_rfc_8439_appendix_a1_vector_1() {
        // RFC 8439 A.1 test vector #1: key and nonce all zero, block counter 0.
        let expected = "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7\
                        da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586";
        let mut s = RandomStream::new(&[0; 32]);
        let mut bytes = Vec::new();
        for _ in 0..16 {
            bytes.extend_from_slice(&s.next_u32().to_le_bytes());
        }
        assert_eq!(hex::encode(bytes), expected);
    }

    #[test]
    fn keystream_continues_into_block_1() {
        // RFC 8439 A.1 test vector #2 uses the same zero key with counter 1; its
        // keystream starts 9f 07 e7 be.
        let mut s = RandomStream::new(&[0; 32]);
        for _ in 0..16 {
            s.next_u32();
        }
        assert_eq!(s.next_u32(), u32::from_le_bytes([0x9f, 0x07, 0xe7, 0xbe]));
    }

    #[test]
    fn uniform_rejects_the_biased_tail() {
        // 2^32 mod 3 = 1, so only u32::MAX is rejected.
        let mut words = [u32::MAX, 5].into_iter();
        assert_eq!(uniform_from(3, || words.next().unwrap()), 2);
        let mut words = [u32::MAX - 1].into_iter();
        assert_eq!(
            uniform_from(3, || words.next().unwrap()),
            (u32::MAX - 1) % 3
        );
        // n = 1 still consumes a word.
        let mut used = 0;
        assert_eq!(
            uniform_from(1, || {
                used += 1;
                u32::MAX
            }),
            0
        );
        assert_eq!(used, 1);
        // 2^32 mod 10 = 6: the six words 4294967290..=u32::MAX are rejected.
        let mut words = [4_294_967_290, u32::MAX, 4_294_967_289].into_iter();
        assert_eq!(uniform_from(10, || words.next().unwrap()), 9);
    }

    #[test]
    fn shuffle_is_a_permutation_and_swaps_from_the_end() {
        let mut s = RandomStream::new(&[1; 32]);
        let mut v: Vec<u32> = (0..50).collect();
        s.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(v, sorted);

        // Same as doing it by hand with the same stream.
        let mut a = RandomStream::new(&[2; 32]);
        let mut b = RandomStream::new(&[2; 32]);
        let mut v = ['a', 'b', 'c', 'd'];
        a.shuffle(&mut v);
        let mut w = ['a', 'b', 'c', 'd'];
        for i in (1..4).rev() {
            let j = b.uniform(i as u32 + 1) as usize;
            w.swap(i, j);
        }
        assert_eq!(v, w);
    }
}
