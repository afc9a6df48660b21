//! Photo references: a photo is a JPEG file addressed by its SHA-256, uploaded apart from
//! the records; the record only holds this reference.

use geo_types::Point;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::code_list;
use crate::time::Timestamp;

code_list! {
    /// What a photo shows.
    pub enum PhotoKind: "photo_kind", "2018", "照片类型" {
        HouseFront = ("house_front", "房屋正面", "front of the house"),
        Kitchen = ("kitchen", "厨房", "kitchen"),
        Toilet = ("toilet", "厕所", "toilet"),
        Interior = ("interior", "室内", "inside the house"),
        FamilyWithHelper = ("family_with_helper", "户主与帮扶人合影", "household head with the helper"),
        Document = ("document", "证明材料", "supporting document"),
        PublicNotice = ("public_notice", "公示照片", "public notice on display"),
        Other = ("other", "其他", "other"),
    }
}

/// A photo attached to a record (照片).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoRef {
    pub id: Uuid,
    /// The record the photo belongs to.
    pub subject_id: Uuid,
    pub kind: PhotoKind,
    /// Lower-case hex SHA-256 of the compressed JPEG.
    pub sha256: String,
    /// Lower-case hex SHA-256 of the thumbnail JPEG.
    pub thumb_sha256: String,
    pub bytes: u64,
    pub width: u32,
    pub height: u32,
    pub taken_at: Timestamp,
    /// Where it was taken (from EXIF or the device), WGS-84.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Point<f64>>,
}

/// Whether `s` looks like a lower-case hex SHA-256.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}
