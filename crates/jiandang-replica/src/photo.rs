//! The photo store: a photo taken in the field is decoded, turned upright, scaled to at most
//! 1600 px on its long side and stored as a JPEG (quality 80, no EXIF: the encoder writes
//! none, so no position or device data leaks with the file) beside a 320 px thumbnail, both
//! named by their SHA-256 in the folder beside the database. Its EXIF time and GPS position
//! go into the Photo record instead. Uploads go in chunks that resume from what the server
//! already holds.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use geo_types::Point;
use image::{DynamicImage, GenericImageView, ImageReader, metadata::Orientation};
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

/// What the camera's EXIF says about a photo.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ExifInfo {
    /// When it was taken (UTC ms). EXIF without an offset is read as Beijing time.
    pub taken_at_ms: Option<i64>,
    /// WGS-84, x = longitude, y = latitude.
    pub position: Option<Point<f64>>,
    /// EXIF orientation (1–8).
    pub orientation: Option<u8>,
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

/// Reads the EXIF time, position and orientation of a JPEG or PNG, if it has any.
pub fn read_exif(bytes: &[u8]) -> ExifInfo {
    let Ok(exif) = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(bytes)) else {
        return ExifInfo::default();
    };
    let ascii = |tag| match exif.get_field(tag, exif::In::PRIMARY).map(|f| &f.value) {
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
    let coord = |tag, ref_tag, neg: u8| -> Option<f64> {
        let f = exif.get_field(tag, exif::In::PRIMARY)?;
        let exif::Value::Rational(r) = &f.value else {
            return None;
        };
        if r.len() < 3 || r.iter().any(|x| x.denom == 0) {
            return None;
        }
        let deg = r[0].to_f64() + r[1].to_f64() / 60.0 + r[2].to_f64() / 3600.0;
        let sign = match ascii(ref_tag).and_then(|v| v.first().copied()) {
            Some(c) if c == neg => -1.0,
            _ => 1.0,
        };
        Some(sign * deg)
    };
    let lat = coord(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef, b'S');
    let lon = coord(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef, b'W');
    let position = match (lat, lon) {
        (Some(lat), Some(lon))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
        {
            Some(Point::new(lon, lat))
        }
        _ => None,
    };
    let orientation = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|v| u8::try_from(v).ok());
    ExifInfo {
        taken_at_ms,
        position,
        orientation,
    }
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

/// Decodes, turns upright, scales and re-encodes a photo; makes its thumbnail.
pub fn prepare(bytes: &[u8]) -> Result<Prepared, Error> {
    let exif = read_exif(bytes);
    let mut img = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::Photo(e.to_string()))?
        .decode()
        .map_err(|e| Error::Photo(e.to_string()))?;
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
        .map_err(|e| Error::Photo(e.to_string()))?;
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
    /// the server only then).
    pub fn photos_complete(&self, subject_id: Uuid) -> Result<bool, Error> {
        let conn = self.conn();
        let missing: Option<i64> = conn
            .query_row(
                "SELECT COUNT(*) FROM photos p JOIN records r ON r.id = p.photo_id
                 WHERE p.complete = 0 AND json_extract(r.doc, '$.subject_id') = ?1",
                [subject_id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(missing.unwrap_or(0) == 0)
    }
}

fn header(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_owned())
}
