//! The photo store: a photo taken in the field is decoded, turned upright, scaled to at most
//! 1600 px on its long side and stored as a JPEG (quality 80, no EXIF: the encoder writes
//! none, so no position or device data leaks with the file) beside a 320 px thumbnail, both
//! named by their SHA-256 in the folder beside the database. Its EXIF time and GPS position
//! go into the Photo record instead. Uploads go in chunks that resume from what the server
//! already holds.
//!
//! The import takes JPEG and PNG only, and only whole files: a JPEG is decoded strictly, so a
//! truncated or damaged one is refused instead of stored with the rows the decoder could not
//! read filled grey. Other formats (HEIC above all) are refused with what to do instead. EXIF
//! is read as far as it goes: a broken EXIF leaves the photo without a position, and
//! `ExifInfo::position_note` says so.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use geo_types::Point;
use image::{DynamicImage, GenericImageView, ImageDecoder, metadata::Orientation};
use jiandang_domain::photo::{PhotoKind, PhotoRef};
use jiandang_domain::{RecordKind, Timestamp};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::sync::{Progress, network, server_error};
use crate::{Error, Replica};

/// Long side of a stored photo, pixels.
pub const MAX_SIDE: u32 = 1600;
/// Long side of a thumbnail, pixels.
pub const THUMB_SIDE: u32 = 320;
/// JPEG quality of stored photos and thumbnails.
pub const QUALITY: u8 = 80;
/// The most pixels a photo may have to be imported: 120 megapixels covers the 108 MP modes
/// of phones (a 12 MP photo is the everyday case) and keeps the decoded image (3 bytes a
/// pixel) within what a phone can hold.
pub const MAX_PIXELS: u64 = 120_000_000;

/// Why a file was not made a photo. Each says what to do instead; `code()` is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A picture in a format the app cannot read (HEIC, WebP, …), named.
    #[error(
        "这张照片是 {0} 格式，本应用读不了，没有保存。请把手机相机改为拍 JPEG 照片（苹果手机：设置 › 相机 › 格式 › 选“兼容性最佳”），或直接用本应用的“拍照或选择照片”拍照。"
    )]
    Format(String),
    /// Not a picture at all.
    #[error(
        "这不是照片文件，没有保存。只能添加 JPEG 或 PNG 照片：请用本应用的“拍照或选择照片”拍照。"
    )]
    NotAPhoto,
    /// Truncated or damaged: parts of the picture cannot be read.
    #[error(
        "照片文件已损坏或不完整（可能没有拷贝或传输完），没有保存。请重新拍照，或重新选择相机里的原图。"
    )]
    Damaged,
    /// More pixels than `MAX_PIXELS`.
    #[error(
        "照片像素过高（{width}×{height}），本机处理不了，没有保存。请把相机分辨率调回默认后重新拍照。"
    )]
    TooLarge { width: u32, height: u32 },
    /// The same picture is already attached to this record.
    #[error("这张照片已经添加到这条记录，没有重复保存。")]
    AlreadyAttached,
}

impl Refusal {
    /// The stable machine code the app matches on.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Format(_) | Refusal::NotAPhoto => "photo_format",
            Refusal::Damaged => "photo_damaged",
            Refusal::TooLarge { .. } => "photo_too_large",
            Refusal::AlreadyAttached => "photo_duplicate",
        }
    }
}

/// How far a photo's EXIF could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExifStatus {
    /// The file carries no EXIF.
    #[default]
    Absent,
    /// Read whole.
    Read,
    /// There, but damaged (a pointer past its end, an unreadable GPS value): what could be
    /// read was kept.
    Damaged,
}

/// What the camera's EXIF says about a photo.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ExifInfo {
    /// When it was taken (UTC ms). EXIF without an offset is read as Beijing time.
    pub taken_at_ms: Option<i64>,
    /// WGS-84, x = longitude, y = latitude.
    pub position: Option<Point<f64>>,
    /// EXIF orientation (1–8).
    pub orientation: Option<u8>,
    pub status: ExifStatus,
}

impl ExifInfo {
    /// What to tell the worker about a photo that comes without a position (zh-CN), or
    /// `None` when it has one.
    pub fn position_note(&self) -> Option<&'static str> {
        if self.position.is_some() {
            return None;
        }
        Some(match self.status {
            ExifStatus::Damaged => {
                "照片的拍摄信息（EXIF）已损坏，读不出拍摄位置。照片已保存；需要位置时请在“GPS 定位”里记录。"
            }
            ExifStatus::Absent | ExifStatus::Read => {
                "照片里没有拍摄位置（拍照时手机没有开定位）。照片已保存；需要位置时请在“GPS 定位”里记录。"
            }
        })
    }
}

/// A photo prepared for the store: the compressed JPEG, its thumbnail and what EXIF said.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub jpeg: Vec<u8>,
    pub thumb: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub exif: ExifInfo,
}

/// Reads the EXIF time, position and orientation of a JPEG or PNG, as far as it can be read.
/// GPS coordinates are taken in any numeric type (the standard's unsigned rationals, the
/// signed rationals many phones write, floats, integers).
pub fn read_exif(bytes: &[u8]) -> ExifInfo {
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    let (exif, mut damaged) = match reader.read_from_container(&mut std::io::Cursor::new(bytes)) {
        Ok(exif) => (exif, false),
        // Some IFD or value could not be read; the rest could.
        Err(exif::Error::PartialResult(partial)) => (partial.into_inner().0, true),
        Err(exif::Error::NotFound(_)) => return ExifInfo::default(),
        Err(_) => {
            return ExifInfo {
                status: ExifStatus::Damaged,
                ..ExifInfo::default()
            };
        }
    };
    let field = |tag| exif.get_field(tag, exif::In::PRIMARY).map(|f| &f.value);
    let ascii = |tag| match field(tag) {
        Some(exif::Value::Ascii(v)) => v.first().cloned(),
        _ => None,
    };
    let taken_at_ms = [exif::Tag::DateTimeOriginal, exif::Tag::DateTime]
        .into_iter()
        .find_map(|tag| {
            let mut dt = exif::DateTime::from_ascii(&ascii(tag)?).ok()?;
            if let Some(off) = ascii(exif::Tag::OffsetTimeOriginal) {
                let _ = dt.parse_offset(&off);
            }
            datetime_ms(&dt)
        });
    let lat = coordinate(
        field(exif::Tag::GPSLatitude),
        field(exif::Tag::GPSLatitudeRef),
    );
    let lon = coordinate(
        field(exif::Tag::GPSLongitude),
        field(exif::Tag::GPSLongitudeRef),
    );
    let position = match (lat, lon) {
        (None, None) => None,
        (Some(Ok(lat)), Some(Ok(lon)))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
        {
            // Phones without a fix write 0/0 ("null island"): that is no position.
            (lat != 0.0 || lon != 0.0).then(|| Point::new(lon, lat))
        }
        _ => {
            // GPS tags that are there but cannot be read, or half of a position.
            damaged = true;
            None
        }
    };
    let orientation = field(exif::Tag::Orientation)
        .and_then(numbers)
        .and_then(|n| n.first().copied())
        .filter(|o| (1.0..=8.0).contains(o) && o.fract() == 0.0)
        .map(|o| o as u8);
    ExifInfo {
        taken_at_ms,
        position,
        orientation,
        status: if damaged {
            ExifStatus::Damaged
        } else {
            ExifStatus::Read
        },
    }
}

/// Every numeric type EXIF has, as f64; `None` for text, a zero denominator or a value that
/// is not finite.
fn numbers(value: &exif::Value) -> Option<Vec<f64>> {
    use exif::Value as V;
    let out: Vec<f64> = match value {
        V::Rational(v) => v
            .iter()
            .map(|r| (r.denom != 0).then(|| r.to_f64()))
            .collect::<Option<_>>()?,
        V::SRational(v) => v
            .iter()
            .map(|r| (r.denom != 0).then(|| r.to_f64()))
            .collect::<Option<_>>()?,
        V::Double(v) => v.clone(),
        V::Float(v) => v.iter().map(|&x| f64::from(x)).collect(),
        V::Byte(v) => v.iter().map(|&x| f64::from(x)).collect(),
        V::Short(v) => v.iter().map(|&x| f64::from(x)).collect(),
        V::Long(v) => v.iter().map(|&x| f64::from(x)).collect(),
        V::SByte(v) => v.iter().map(|&x| f64::from(x)).collect(),
        V::SShort(v) => v.iter().map(|&x| f64::from(x)).collect(),
        V::SLong(v) => v.iter().map(|&x| f64::from(x)).collect(),
        V::Ascii(_) | V::Undefined(..) | V::Unknown(..) => return None,
    };
    out.iter().all(|x| x.is_finite()).then_some(out)
}

/// A latitude or longitude in degrees from its value (degrees, minutes, seconds; or fewer
/// parts, as some writers give decimal degrees) and its reference (N/S, E/W). `None` when the
/// tag is absent, `Some(Err(()))` when it is there but unreadable.
fn coordinate(
    value: Option<&exif::Value>,
    reference: Option<&exif::Value>,
) -> Option<Result<f64, ()>> {
    let value = value?;
    let Some(parts) = numbers(value).filter(|n| (1..=3).contains(&n.len())) else {
        return Some(Err(()));
    };
    let magnitude = parts
        .iter()
        .zip([1.0, 60.0, 3600.0])
        .map(|(p, div)| p.abs() / div)
        .sum::<f64>();
    let written_negative = parts.iter().find(|p| **p != 0.0).is_some_and(|p| *p < 0.0);
    let reference = match reference {
        Some(exif::Value::Ascii(v)) => v.first().and_then(|s| s.first()).copied(),
        Some(exif::Value::Byte(v) | exif::Value::Undefined(v, _)) => v.first().copied(),
        _ => None,
    }
    .map(|c| c.to_ascii_uppercase());
    // The reference decides when there is one; without it, the sign written in the value.
    let negative = match reference {
        Some(b'S' | b'W') => true,
        Some(b'N' | b'E') => false,
        _ => written_negative,
    };
    Some(Ok(if negative { -magnitude } else { magnitude }))
}

fn datetime_ms(dt: &exif::DateTime) -> Option<i64> {
    let date =
        jiandang_domain::Date::new(i32::from(dt.year), u32::from(dt.month), u32::from(dt.day))
            .ok()?;
    if dt.hour > 23 || dt.minute > 59 || dt.second > 60 {
        return None;
    }
    let offset_ms = dt
        .offset
        .map(|m| i64::from(m) * 60_000)
        .unwrap_or(jiandang_domain::time::BEIJING_OFFSET_MS);
    let local = date.days_since_epoch() * 86_400_000
        + (i64::from(dt.hour) * 3600 + i64::from(dt.minute) * 60 + i64::from(dt.second)) * 1000;
    Some(local - offset_ms)
}

/// Decodes, turns upright, scales and re-encodes a photo; makes its thumbnail. Refuses what
/// is not a whole JPEG or PNG (`Error::Photo`).
pub fn prepare(bytes: &[u8]) -> Result<Prepared, Error> {
    let mut img = decode(bytes)?;
    let exif = read_exif(bytes);
    if let Some(o) = exif.orientation.and_then(Orientation::from_exif) {
        img.apply_orientation(o);
    }
    let img = fit(img, MAX_SIDE);
    let thumb = fit(img.clone(), THUMB_SIDE);
    let (width, height) = img.dimensions();
    Ok(Prepared {
        jpeg: encode_jpeg(&img)?,
        thumb: encode_jpeg(&thumb)?,
        width,
        height,
        exif,
    })
}

/// What a file is, by its first bytes (never by its name: a phone's share sheet may call a
/// HEIC `photo.jpg`).
fn decode(bytes: &[u8]) -> Result<DynamicImage, Refusal> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        decode_jpeg(bytes)
    } else if bytes.starts_with(PNG) {
        decode_png(bytes)
    } else if let Some(format) = iso_media_format(bytes) {
        Err(format)
    } else {
        match image::guess_format(bytes) {
            Ok(format) => Err(Refusal::Format(format_name(format))),
            Err(_) => Err(Refusal::NotAPhoto),
        }
    }
}

/// An ISO base media file (HEIC, HEIF, AVIF; or a video), by the brands of its `ftyp` box.
fn iso_media_format(bytes: &[u8]) -> Option<Refusal> {
    if bytes.get(4..8) != Some(b"ftyp") {
        return None;
    }
    let size = bytes
        .get(0..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .unwrap_or(0)
        .clamp(8, bytes.len().min(256));
    // The major brand, the minor version, then the compatible brands.
    let brands: Vec<&[u8]> = bytes[8..size]
        .chunks_exact(4)
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, b)| b)
        .collect();
    let has = |names: &[&[u8; 4]]| brands.iter().any(|b| names.iter().any(|n| *b == *n));
    Some(if has(&[b"avif", b"avis"]) {
        Refusal::Format("AVIF".to_owned())
    } else if has(&[
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs",
    ]) {
        Refusal::Format("HEIC".to_owned())
    } else if has(&[b"mif1", b"msf1"]) {
        Refusal::Format("HEIF".to_owned())
    } else {
        Refusal::NotAPhoto
    })
}

fn format_name(format: image::ImageFormat) -> String {
    use image::ImageFormat as F;
    match format {
        F::WebP => "WebP".to_owned(),
        F::Avif => "AVIF".to_owned(),
        F::Gif => "GIF".to_owned(),
        F::Tiff => "TIFF".to_owned(),
        F::Bmp => "BMP".to_owned(),
        other => other
            .extensions_str()
            .first()
            .map(|e| e.to_ascii_uppercase())
            .unwrap_or_else(|| "未知".to_owned()),
    }
}

fn check_size(width: u32, height: u32) -> Result<(), Refusal> {
    if width == 0 || height == 0 {
        return Err(Refusal::Damaged);
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Refusal::TooLarge { width, height });
    }
    Ok(())
}

/// Decodes a JPEG strictly: the `image` crate's JPEG decoder (zune-jpeg in lenient mode)
/// fills whatever it cannot read with grey and reports success, so a truncated or damaged
/// file would be stored as a photo with grey rows. The headers are still read leniently
/// (padding between header segments, as some encoders write, harms no pixel); the image data
/// must decode whole.
fn decode_jpeg(bytes: &[u8]) -> Result<DynamicImage, Refusal> {
    use zune_core::{bytestream::ZCursor, colorspace::ColorSpace, options::DecoderOptions};
    let options = DecoderOptions::default()
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX))
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(
        ZCursor::new(bytes),
        options.set_strict_mode(false),
    );
    decoder.decode_headers().map_err(jpeg_refusal)?;
    let (width, height) = decoder.dimensions().ok_or(Refusal::Damaged)?;
    let (width, height) = (
        u32::try_from(width).map_err(|_| Refusal::Damaged)?,
        u32::try_from(height).map_err(|_| Refusal::Damaged)?,
    );
    check_size(width, height)?;
    decoder.set_options(options.set_strict_mode(true));
    let pixels = decoder.decode().map_err(jpeg_refusal)?;
    if decoder.output_colorspace() != Some(ColorSpace::RGB) {
        return Err(Refusal::Damaged);
    }
    image::RgbImage::from_raw(width, height, pixels)
        .map(DynamicImage::ImageRgb8)
        .ok_or(Refusal::Damaged)
}

fn jpeg_refusal(e: zune_jpeg::errors::DecodeErrors) -> Refusal {
    match e {
        // Lossless, arithmetic-coded, 12-bit: JPEGs no phone camera writes.
        zune_jpeg::errors::DecodeErrors::Unsupported(_) => {
            Refusal::Format("特殊编码 JPEG".to_owned())
        }
        _ => Refusal::Damaged,
    }
}

/// Decodes a PNG; the `png` crate refuses truncated data and bad checksums itself.
fn decode_png(bytes: &[u8]) -> Result<DynamicImage, Refusal> {
    let decoder = image::codecs::png::PngDecoder::new(std::io::Cursor::new(bytes))
        .map_err(|_| Refusal::Damaged)?;
    let (width, height) = decoder.dimensions();
    check_size(width, height)?;
    DynamicImage::from_decoder(decoder).map_err(|_| Refusal::Damaged)
}

fn fit(img: DynamicImage, side: u32) -> DynamicImage {
    let (w, h) = img.dimensions();
    if w.max(h) <= side {
        img
    } else {
        img.resize(side, side, image::imageops::FilterType::Triangle)
    }
}

fn encode_jpeg(img: &DynamicImage) -> Result<Vec<u8>, Error> {
    let rgb = img.to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY)
        .encode_image(&rgb)
        .map_err(|e| {
            tracing::warn!(error = %e, "photo encoding failed");
            Error::PhotoEncode(e.to_string())
        })?;
    Ok(out)
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Replica {
    /// Imports a photo file (JPEG or PNG) and attaches it to `subject_id` as a Photo record.
    pub fn import_photo_file(
        &self,
        path: &Path,
        subject_id: Uuid,
        village_id: Uuid,
        kind: PhotoKind,
    ) -> Result<PhotoRef, Error> {
        let bytes = std::fs::read(path)?;
        self.import_photo(&bytes, subject_id, village_id, kind)
    }

    /// Imports a photo from its bytes (JPEG or PNG): stores the compressed photo and its
    /// thumbnail by SHA-256, and saves a Photo record (with the EXIF time and position, or
    /// now) attached to `subject_id`. Both files are on disk before the record is saved.
    /// Refused (`Error::Photo`, nothing stored): another format, a damaged or truncated file,
    /// and a picture already attached to `subject_id` (the same file added twice). The same
    /// picture on another record is that record's photo: both reference one blob.
    pub fn import_photo(
        &self,
        bytes: &[u8],
        subject_id: Uuid,
        village_id: Uuid,
        kind: PhotoKind,
    ) -> Result<PhotoRef, Error> {
        let p = prepare(bytes)?;
        let sha = sha256_hex(&p.jpeg);
        let thumb_sha = sha256_hex(&p.thumb);
        // The stored JPEG is a pure function of the file, so the same file gives the same
        // SHA-256 again.
        if self.photo_attached(subject_id, &sha)? {
            return Err(Refusal::AlreadyAttached.into());
        }
        let id = Replica::new_id();
        let now = self.now_ms();
        self.store_blob(&sha, "photo", id, &p.jpeg, now)?;
        self.store_blob(&thumb_sha, "thumb", id, &p.thumb, now)?;
        let photo = PhotoRef {
            id,
            subject_id,
            kind,
            sha256: sha,
            thumb_sha256: thumb_sha,
            bytes: p.jpeg.len() as u64,
            width: p.width,
            height: p.height,
            taken_at: Timestamp::from_millis(p.exif.taken_at_ms.unwrap_or(now)),
            position: p.exif.position,
        };
        let mut doc = serde_json::to_value(&photo)?;
        // The household list finds a photo by its subject; a photo of a member is found
        // through the member.
        if let Some(obj) = doc.as_object_mut()
            && let Some(subject) = self.get_record(subject_id)?
            && subject.kind == RecordKind::Household
        {
            obj.insert(
                "household_id".to_owned(),
                serde_json::Value::String(subject_id.to_string()),
            );
        }
        self.save_record(RecordKind::Photo, id, village_id, &doc)?;
        Ok(photo)
    }

    /// The bytes of a stored blob (photo or thumbnail), by its SHA-256.
    pub fn blob(&self, sha256: &str) -> Result<Vec<u8>, Error> {
        if !jiandang_domain::photo::is_sha256_hex(sha256) {
            return Err(Error::NotFound);
        }
        Ok(std::fs::read(
            self.photo_dir().join(format!("{sha256}.jpg")),
        )?)
    }

    /// The bytes of a blob, from the photo folder or, for a photo taken on another device,
    /// downloaded from the server, checked against its SHA-256 and kept in the folder.
    pub async fn fetch_blob(&self, sha256: &str) -> Result<Vec<u8>, Error> {
        if !jiandang_domain::photo::is_sha256_hex(sha256) {
            return Err(Error::NotFound);
        }
        if let Ok(bytes) = self.blob(sha256) {
            return Ok(bytes);
        }
        let (base, token) = self.endpoint()?;
        let resp = self
            .http()
            .get(format!("{base}/api/v1/blobs/{sha256}"))
            .bearer_auth(&token)
            .header(
                jiandang_protocol::PROTOCOL_HEADER,
                jiandang_protocol::PROTOCOL_VERSION.to_string(),
            )
            .send()
            .await
            .map_err(network)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(network)?;
        if !(200..300).contains(&status) {
            return Err(server_error(status, &body));
        }
        if sha256_hex(&body) != sha256 {
            return Err(Error::BlobMismatch);
        }
        let path = self.photo_dir().join(format!("{sha256}.jpg"));
        let tmp = self.photo_dir().join(format!("{sha256}.tmp"));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&body)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        Ok(body.to_vec())
    }

    fn store_blob(
        &self,
        sha: &str,
        role: &str,
        photo_id: Uuid,
        bytes: &[u8],
        now: i64,
    ) -> Result<(), Error> {
        let name = format!("{sha}.jpg");
        let path = self.photo_dir().join(&name);
        if !path.exists() {
            let tmp = self.photo_dir().join(format!("{sha}.tmp"));
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
        }
        self.conn().execute(
            "INSERT OR IGNORE INTO photos (sha256, role, photo_id, path, bytes, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                sha,
                role,
                photo_id.to_string(),
                name,
                bytes.len() as i64,
                now
            ],
        )?;
        Ok(())
    }

    /// Uploads every blob the server does not hold completely yet (photos first, then
    /// thumbnails), each resuming from the offset the server reports. Only blobs whose photo
    /// record the server holds go: the server takes a blob only from a caller who may see a
    /// photo record naming it (the record is its village). Returns how many blobs completed
    /// in this call.
    pub(crate) async fn upload_photos(
        &self,
        chunk: usize,
        progress: &mut Progress,
        notify: &(dyn Fn(&Progress) + Sync),
    ) -> Result<usize, Error> {
        let waiting: Vec<(String, String, i64)> = {
            let conn = self.conn();
            let mut stmt = conn.prepare(
                "SELECT p.sha256, p.path, p.bytes FROM photos p WHERE p.complete = 0
                   AND EXISTS (SELECT 1 FROM records r JOIN field_versions v ON v.record_id = r.id
                       WHERE r.kind = 'photo' AND v.seq > 0
                         AND v.path IN ('sha256', 'thumb_sha256')
                         AND json_extract(r.doc, '$.' || v.path) = p.sha256)
                 ORDER BY p.role, p.created_at, p.sha256",
            )?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?
        };
        let mut done = 0;
        for (sha, path, total) in waiting {
            if self
                .upload_blob(&sha, &path, total.max(0) as u64, chunk.max(1), progress)
                .await?
            {
                done += 1;
            }
            notify(progress);
        }
        Ok(done)
    }

    /// Uploads photos now (outside a full sync round), e.g. when the app comes to the front:
    /// first the records waiting to go up (a photo's record goes before its bytes), then the
    /// photos. Returns the bytes sent.
    pub async fn upload_pending_photos(&self, chunk_bytes: usize) -> Result<Progress, Error> {
        let mut progress = Progress {
            phase: "photos",
            ..Progress::default()
        };
        let report = self.push(&crate::SyncOptions::default()).await?;
        progress.bytes_up += report.progress.bytes_up;
        progress.bytes_down += report.progress.bytes_down;
        self.upload_photos(chunk_bytes, &mut progress, &|_| {})
            .await?;
        Ok(progress)
    }

    /// Uploads one blob from where the server's copy ends; `false` when the server would not
    /// take it (no photo record of the user's villages names it: the record was refused).
    async fn upload_blob(
        &self,
        sha: &str,
        file: &str,
        total: u64,
        chunk: usize,
        progress: &mut Progress,
    ) -> Result<bool, Error> {
        let (base, token) = self.endpoint()?;
        let url = format!("{base}/api/v1/blobs/{sha}");
        let proto = jiandang_protocol::PROTOCOL_VERSION.to_string();
        let head = self
            .http()
            .head(&url)
            .bearer_auth(&token)
            .header(jiandang_protocol::PROTOCOL_HEADER, &proto)
            .send()
            .await
            .map_err(network)?;
        let mut offset = match head.status().as_u16() {
            404 => 0,
            200..=299 => {
                if header(&head, "upload-complete").as_deref() == Some("?1") {
                    self.mark_uploaded(sha, total, true)?;
                    return Ok(true);
                }
                header(&head, "upload-offset")
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0)
            }
            status => return Err(server_error(status, b"")),
        };
        let mut f = std::fs::File::open(self.photo_dir().join(file))?;
        let mut buf = vec![0u8; chunk];
        while offset < total {
            let len = chunk.min((total - offset) as usize);
            f.seek(SeekFrom::Start(offset))?;
            f.read_exact(&mut buf[..len])?;
            let resp = self
                .http()
                .put(&url)
                .bearer_auth(&token)
                .header(jiandang_protocol::PROTOCOL_HEADER, &proto)
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .query(&[("offset", offset), ("total", total)])
                .body(buf[..len].to_vec())
                .send()
                .await
                .map_err(network)?;
            let status = resp.status().as_u16();
            let held = header(&resp, "upload-offset").and_then(|v| v.parse::<u64>().ok());
            let body = resp.bytes().await.map_err(network)?;
            match status {
                200..=299 => {
                    offset += len as u64;
                    progress.bytes_up += len as u64;
                    self.mark_uploaded(sha, offset, offset >= total)?;
                }
                409 => {
                    // The server holds another length than we thought: go on from there.
                    offset = held.unwrap_or(0).min(total);
                    self.mark_uploaded(sha, offset, false)?;
                }
                422 => {
                    self.mark_uploaded(sha, 0, false)?;
                    return Err(Error::BlobMismatch);
                }
                403 => {
                    // Its record is not (or no longer) the user's: it waits, visible as not
                    // uploaded, without stopping the other photos.
                    tracing::warn!("the server did not take a photo: its record is not ours");
                    return Ok(false);
                }
                _ => return Err(server_error(status, &body)),
            }
        }
        if offset >= total {
            self.mark_uploaded(sha, total, true)?;
        }
        Ok(true)
    }

    fn mark_uploaded(&self, sha: &str, offset: u64, complete: bool) -> Result<(), Error> {
        self.conn().execute(
            "UPDATE photos SET uploaded = ?1, complete = ?2 WHERE sha256 = ?3",
            params![offset as i64, complete, sha],
        )?;
        Ok(())
    }

    /// Whether the server holds every photo of a record (the record counts as complete on
    /// the server only then): its own photos and, for a household, its members' photos.
    /// Counted over the record's own photo references, each looked up by its blobs'
    /// SHA-256: one blob can be referenced by photos of several records (the same picture
    /// on two households), and each of them waits until that blob is uploaded. A photo
    /// taken on another device has no blob row here and is not this device's to upload.
    pub fn photos_complete(&self, subject_id: Uuid) -> Result<bool, Error> {
        let conn = self.conn();
        let missing: i64 = conn.query_row(
            "SELECT COUNT(*) FROM records r JOIN photos p
               ON p.sha256 IN (json_extract(r.doc, '$.sha256'), json_extract(r.doc, '$.thumb_sha256'))
             WHERE r.kind = ?2 AND p.complete = 0
               AND (json_extract(r.doc, '$.subject_id') = ?1
                 OR json_extract(r.doc, '$.subject_id') IN
                    (SELECT m.id FROM records m
                     WHERE m.kind = ?3 AND json_extract(m.doc, '$.household_id') = ?1))",
            params![
                subject_id.to_string(),
                RecordKind::Photo.as_str(),
                RecordKind::Member.as_str()
            ],
            |r| r.get(0),
        )?;
        Ok(missing == 0)
    }

    /// Whether a photo whose stored JPEG has `sha256` is attached to `subject_id` already.
    fn photo_attached(&self, subject_id: Uuid, sha256: &str) -> Result<bool, Error> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM records WHERE kind = ?1
                   AND json_extract(doc, '$.subject_id') = ?2
                   AND json_extract(doc, '$.sha256') = ?3 LIMIT 1",
                params![RecordKind::Photo.as_str(), subject_id.to_string(), sha256],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}

fn header(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_owned())
}
