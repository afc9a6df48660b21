//! Scenario 5: photos — compressing a generated 12-megapixel camera JPEG on the device (time,
//! bytes in and out, beside decoding it alone), and uploading it through a throttled proxy
//! (50 kbit/s, the line cut once at half the photo) beside the same upload uncut: the bytes
//! sent again after the cut.

use std::time::{Duration, Instant};

use jiandang_domain::photo::PhotoKind;
use jiandang_replica::Replica;
use uuid::Uuid;

use crate::county::{self, County};
use crate::figure::{Check, Figure};
use crate::proxy::Proxy;
use crate::snapshot::ms;
use crate::{BenchError, Outcome};

pub struct Plan {
    pub width: u32,
    pub height: u32,
    pub rate_bps: u64,
    pub chunk: usize,
}

/// A camera-like JPEG: sky and ground gradients, a house, and sensor-like texture (so that
/// it compresses like a photo, not like a flat test card).
pub fn camera_jpeg(width: u32, height: u32) -> Result<Vec<u8>, BenchError> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let fy = y as f32 / height as f32;
        let fx = x as f32 / width as f32;
        let mut h =
            (x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77)).wrapping_mul(0xC2B2_AE3D);
        h ^= h >> 15;
        let noise = (h & 0x0f) as f32 - 8.0;
        let texture = ((fx * 90.0).sin() * (fy * 70.0).cos()) * 18.0;
        let (r, g, b) = if fy < 0.45 {
            (110.0 + 60.0 * fy, 150.0 + 50.0 * fy, 220.0 - 40.0 * fx)
        } else if (0.3..0.7).contains(&fx) && fy < 0.85 {
            (170.0 + texture, 160.0 + texture, 150.0 + texture)
        } else {
            (90.0 + texture + 30.0 * fx, 110.0 + texture, 60.0 + texture)
        };
        let c = |v: f32| (v + noise).clamp(0.0, 255.0) as u8;
        image::Rgb([c(r), c(g), c(b)])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92)
        .encode_image(&img)
        .map_err(|e| BenchError::Photo(e.to_string()))?;
    Ok(out)
}

pub async fn run(
    county: &County,
    dir: &std::path::Path,
    village: Uuid,
    subject: Uuid,
    user: &(Uuid, String),
    plan: &Plan,
    out: &mut Outcome,
) -> Result<(), BenchError> {
    let (w, h) = (plan.width, plan.height);
    let original = tokio::task::spawn_blocking(move || camera_jpeg(w, h))
        .await
        .map_err(|e| BenchError::Photo(e.to_string()))??;
    let o2 = original.clone();
    let (prepare_time, decode_time, prepared) = tokio::task::spawn_blocking(move || {
        let t = Instant::now();
        let decoded = image::load_from_memory(&o2).map_err(|e| BenchError::Photo(e.to_string()))?;
        let decode_time = t.elapsed();
        drop(decoded);
        let t = Instant::now();
        let p = jiandang_replica::photo::prepare(&o2)?;
        Ok::<_, BenchError>((t.elapsed(), decode_time, p))
    })
    .await
    .map_err(|e| BenchError::Photo(e.to_string()))??;
    let mp = f64::from(w) * f64::from(h) / 1e6;
    out.figures.push(Figure::new(
        "photo",
        format!(
            "compress a {mp:.1}-megapixel JPEG on the device (to {} px)",
            jiandang_replica::photo::MAX_SIDE
        ),
        ms(prepare_time),
        "ms",
        "decode alone",
        ms(decode_time),
    ));
    let out_bytes = prepared.jpeg.len() + prepared.thumb.len();
    out.figures.push(Figure::new(
        "photo",
        "photo + thumbnail stored",
        out_bytes as f64 / 1024.0,
        "KiB",
        "camera JPEG in",
        original.len() as f64 / 1024.0,
    ));

    // Two devices hold the same photo; the first uploads it uncut, the server forgets it, the
    // second uploads it through the slow line that is cut once.
    let mut devices = Vec::new();
    for name in ["a", "b"] {
        let r = Replica::open(&dir.join(format!("device-photo-{name}.db")))?;
        r.enroll(
            &county.base_url,
            &user.1,
            county::BENCH_PASSWORD,
            "压测设备",
        )
        .await?;
        let p = r.import_photo(&original, subject, village, PhotoKind::HouseFront)?;
        devices.push((r, p));
    }
    let target = county.base_url.trim_start_matches("http://").to_owned();
    let photo_bytes = devices[0].1.bytes;

    let plain = Proxy::start(target.clone(), 0, None).await?;
    devices[0].0.set_server_url(&plain.url)?;
    devices[0].0.upload_pending_photos(plan.chunk).await?;
    let uncut = plain.bytes_up();
    plain.stop();
    county
        .sql(|conn| {
            conn.execute("DELETE FROM blobs", [])?;
            Ok(())
        })
        .await?;

    let slow = Proxy::start(target, plan.rate_bps, Some(photo_bytes / 2)).await?;
    devices[1].0.set_server_url(&slow.url)?;
    let t = Instant::now();
    let mut attempts = 0;
    let mut done = false;
    while attempts < 5 && !done {
        attempts += 1;
        match devices[1].0.upload_pending_photos(plan.chunk).await {
            Ok(_) => {
                done =
                    devices[1].0.photo_progress()?.uploaded == devices[1].0.photo_progress()?.total
            }
            Err(jiandang_replica::Error::Network(_)) => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(e) => return Err(e.into()),
        }
    }
    let elapsed = t.elapsed();
    let cut = slow.bytes_up();
    let was_cut = slow.was_cut();
    slow.stop();

    let sha = devices[1].1.sha256.clone();
    let held = county::raw_client()?
        .get(format!("{}/api/v1/blobs/{sha}", county.base_url))
        .bearer_auth(raw_token(county, user).await?)
        .header(jiandang_protocol::PROTOCOL_HEADER, "2")
        .send()
        .await
        .map_err(crate::snapshot::http)?
        .bytes()
        .await
        .map_err(crate::snapshot::http)?;
    out.checks.push(Check::new(
        "photo: after the cut the upload resumed and the server holds the exact photo",
        done && was_cut && jiandang_replica::photo::sha256_hex(&held) == sha,
        format!(
            "cut: {was_cut}, complete: {done}, rounds: {attempts}, server bytes: {}",
            held.len()
        ),
    ));
    let kbit = plan.rate_bps as f64 / 1000.0;
    out.figures.push(Figure::new(
        "photo",
        format!(
            "upload at {kbit:.0} kbit/s, cut at 50 % ({} KiB chunks): bytes sent",
            plan.chunk / 1024
        ),
        cut as f64 / 1024.0,
        "KiB",
        "the same upload uncut",
        uncut as f64 / 1024.0,
    ));
    out.figures.push(Figure::new(
        "photo",
        "bytes sent again after the cut",
        cut.saturating_sub(uncut) as f64 / 1024.0,
        "KiB",
        "the photo's bytes",
        photo_bytes as f64 / 1024.0,
    ));
    out.figures.push(Figure::new(
        "photo",
        format!("upload time at {kbit:.0} kbit/s with the cut"),
        elapsed.as_secs_f64(),
        "s",
        "uncut bytes at line rate",
        uncut as f64 * 8.0 / plan.rate_bps as f64,
    ));
    Ok(())
}

async fn raw_token(county: &County, user: &(Uuid, String)) -> Result<String, BenchError> {
    Ok(county.add_raw_device(user.0).await?.token)
}
