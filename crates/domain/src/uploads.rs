//! What kind of document an upload is, from its bytes (never from its name or the
//! browser's `Content-Type`, which the uploader controls).
//!
//! Pure, so that it can be fuzzed without the web crate (`fuzz/fuzz_targets/upload_type.rs`).

/// The media type of a document, from its first bytes: PDF (`%PDF-`, ISO 32000-2 §7.5.2), PNG
/// (the 8-byte signature of RFC 2083 §3.1) or JPEG (SOI marker `FF D8` followed by a marker
/// `FF`); `None` for anything else, including the empty file.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_recognised_by_content_only() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(
            sniff(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some("image/png")
        );
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"MZ\x90\x00 an exe named cv.pdf"), None);
        assert_eq!(sniff(b"%PDF"), None);
        assert_eq!(sniff(b""), None);
    }
}
