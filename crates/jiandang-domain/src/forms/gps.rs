//! Form definitions of a GPS fix and a photo reference (C5). Most of their fields come from
//! the device (receiver, camera, hashing) and are shown, not typed.

use crate::form::{FieldDef, FormDef, SectionDef, Widget};
use crate::geo::GpsSource;
use crate::photo::PhotoKind;
use crate::record::RecordKind;

/// 定位点.
pub fn gps_fix() -> FormDef {
    FormDef {
        id: "gps_fix",
        record: RecordKind::GpsFix,
        title_zh: "地理位置采集",
        sections: vec![SectionDef::new(
            "position",
            "定位信息",
            vec![
                FieldDef::reference(
                    "subject_id",
                    "定位对象",
                    &[
                        RecordKind::Household,
                        RecordKind::Village,
                        RecordKind::Problem,
                    ],
                )
                .required()
                .hint("贫困户、贫困村、县，或核实的问题"),
                FieldDef::new("point.x", "经度", Widget::Decimal)
                    .required()
                    .derived()
                    .national("aar101")
                    .hint("WGS-84"),
                FieldDef::new("point.y", "纬度", Widget::Decimal)
                    .required()
                    .derived()
                    .national("aar102"),
                FieldDef::new("accuracy_m", "定位精度", Widget::Decimal)
                    .unit("米")
                    .derived()
                    .hint("应优于20米"),
                FieldDef::new("taken_at", "定位时间", Widget::Text).derived(),
                FieldDef::code::<GpsSource>("source", "定位来源").required(),
                FieldDef::new("samples", "读数次数", Widget::Integer).derived(),
            ],
        )],
    }
}

/// 照片.
pub fn photo() -> FormDef {
    FormDef {
        id: "photo",
        record: RecordKind::Photo,
        title_zh: "照片",
        sections: vec![SectionDef::new(
            "photo",
            "照片信息",
            vec![
                FieldDef::reference(
                    "subject_id",
                    "所属记录",
                    &[
                        RecordKind::Household,
                        RecordKind::Village,
                        RecordKind::Problem,
                    ],
                )
                .required(),
                FieldDef::code::<PhotoKind>("kind", "照片类型").required(),
                FieldDef::new("sha256", "照片摘要", Widget::Text).derived(),
                FieldDef::new("thumb_sha256", "缩略图摘要", Widget::Text).derived(),
                FieldDef::new("bytes", "文件大小", Widget::Integer)
                    .unit("字节")
                    .derived(),
                FieldDef::new("width", "宽度", Widget::Integer)
                    .unit("像素")
                    .derived(),
                FieldDef::new("height", "高度", Widget::Integer)
                    .unit("像素")
                    .derived(),
                FieldDef::new("taken_at", "拍摄时间", Widget::Text).derived(),
                FieldDef::new("position.x", "拍摄位置经度", Widget::Decimal).derived(),
                FieldDef::new("position.y", "拍摄位置纬度", Widget::Decimal).derived(),
            ],
        )],
    }
}
