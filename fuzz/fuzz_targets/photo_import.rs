//! Fuzz target: the photo import on any bytes (`jiandang_replica::photo::prepare`, which
//! sniffs the format, decodes JPEG strictly or PNG, reads EXIF, turns upright, scales and
//! re-encodes; and `read_exif` alone). Nothing may panic; a refusal carries a `photo_*` code
//! and a zh-CN message; an accepted photo is a JPEG within the stored sizes, and what EXIF
//! gives is within its ranges. Seeds: crates/jiandang-replica/tests/photos/.

#![no_main]

use jiandang_replica::photo::{self, MAX_SIDE, THUMB_SIDE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let exif = photo::read_exif(data);
    if let Some(p) = exif.position {
        assert!((-90.0..=90.0).contains(&p.y()) && (-180.0..=180.0).contains(&p.x()));
    }
    if let Some(o) = exif.orientation {
        assert!((1..=8).contains(&o));
    }
    match photo::prepare(data) {
        Ok(p) => {
            assert!(p.width.max(p.height) <= MAX_SIDE && p.width > 0 && p.height > 0);
            let stored = image::load_from_memory_with_format(&p.jpeg, image::ImageFormat::Jpeg)
                .expect("the stored photo decodes");
            assert_eq!((stored.width(), stored.height()), (p.width, p.height));
            let thumb = image::load_from_memory_with_format(&p.thumb, image::ImageFormat::Jpeg)
                .expect("the thumbnail decodes");
            assert!(thumb.width().max(thumb.height()) <= THUMB_SIDE);
        }
        Err(e) => {
            assert!(e.code().starts_with("photo_"), "{}: {e}", e.code());
            assert!(!e.to_string().is_empty());
        }
    }
});
