//! The snapshot a new device takes of its villages (protocol 2): every record's current
//! leaves as of a cursor, laid out as tables so that a 400-household village fits a 2G link.
//!
//! Each record kind present is described once by the leaf paths its rows carry
//! ([`SnapshotKind`]); a record is then one row `[kind index, id, [values in path order]]`
//! ([`SnapshotRow`]), `null` where the record has no such leaf, trailing nulls left out.
//! Field names are not repeated per record (they were two thirds of the gzip body), and a
//! row holds no per-field seq or HLC: the device takes `cursor` as the base of every field
//! in the snapshot, which is exact for the merge (every later change has a higher seq), and
//! moves its clock past `hlc`, the latest stamp among the fields.
//!
//! The server lays rows out household by household (the household, then its members, then
//! its GPS fixes and photos), so that the ids that link them sit close together and gzip
//! finds them; [`Snapshot::build`] keeps the order it is given within each village.

use std::collections::BTreeMap;

use jiandang_domain::RecordKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::{Hlc, PROTOCOL_VERSION};

/// The answer to `GET /api/v1/snapshot`: every record of the caller's villages as of
/// `cursor`; the device then pulls after `cursor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub protocol: u32,
    pub cursor: u64,
    /// The latest stamp among the snapshot's fields (none when it holds no field).
    pub hlc: Option<Hlc>,
    /// The record kinds the rows use, each with the leaf paths its rows carry, in order.
    pub kinds: Vec<SnapshotKind>,
    /// The records, village by village.
    pub villages: Vec<SnapshotVillage>,
    /// Records of the caller's villages the server could not read (a stored form it cannot
    /// parse, written before the limits of [`crate::limits`] held): left out of `villages`
    /// and named here, so that one bad record does not cost the whole village its snapshot
    /// and the device can say what is missing. Absent when empty, so the wire form of a
    /// sound snapshot is unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<Uuid>,
    /// The server's identity (see [`crate::ServerIdentity`]); absent from older servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_id: Option<Uuid>,
}

/// A record kind and the leaf paths (dot paths, see [`crate::flatten`]) of its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotKind {
    pub kind: RecordKind,
    pub paths: Vec<String>,
}

/// The records of one village.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotVillage {
    pub village_id: Uuid,
    pub rows: Vec<SnapshotRow>,
}

/// One record: the index of its kind in [`Snapshot::kinds`], its id, and its values in the
/// kind's path order (`null`: no such leaf; trailing nulls are left out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRow(pub u32, pub Uuid, pub Vec<Value>);

/// A record as the snapshot carries it, before encoding or after decoding.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotRecord {
    pub id: Uuid,
    pub kind: RecordKind,
    pub village_id: Uuid,
    /// The record's non-null leaves by dot path (an empty map: a record with no field set).
    pub leaves: BTreeMap<String, Value>,
}

/// Why a snapshot's rows do not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("快照第 {row} 行的记录类型序号 {kind} 不存在")]
    UnknownKind { row: usize, kind: u32 },
    #[error("快照第 {row} 行的值比其记录类型的字段多")]
    TooManyValues { row: usize },
}

impl Snapshot {
    /// Encodes records as of `cursor`, grouped by village in the order villages first appear;
    /// within a village the records keep the order given. Null leaves are left out, as
    /// the merge treats absent and null alike.
    pub fn build(
        cursor: u64,
        hlc: Option<Hlc>,
        records: impl IntoIterator<Item = SnapshotRecord>,
    ) -> Snapshot {
        let records: Vec<SnapshotRecord> = records.into_iter().collect();
        let mut paths_of: BTreeMap<RecordKind, Vec<String>> = BTreeMap::new();
        for r in &records {
            let paths = paths_of.entry(r.kind).or_default();
            paths.extend(
                r.leaves
                    .iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(p, _)| p.clone()),
            );
        }
        let kinds: Vec<SnapshotKind> = paths_of
            .into_iter()
            .map(|(kind, mut paths)| {
                paths.sort();
                paths.dedup();
                SnapshotKind { kind, paths }
            })
            .collect();
        let index: BTreeMap<RecordKind, usize> =
            kinds.iter().enumerate().map(|(i, k)| (k.kind, i)).collect();
        let mut villages: Vec<SnapshotVillage> = Vec::new();
        let mut village_at: BTreeMap<Uuid, usize> = BTreeMap::new();
        for r in records {
            let k = index[&r.kind];
            let mut values: Vec<Value> = kinds[k]
                .paths
                .iter()
                .map(|p| r.leaves.get(p).cloned().unwrap_or(Value::Null))
                .collect();
            while values.last().is_some_and(Value::is_null) {
                values.pop();
            }
            let v = *village_at.entry(r.village_id).or_insert_with(|| {
                villages.push(SnapshotVillage {
                    village_id: r.village_id,
                    rows: Vec::new(),
                });
                villages.len() - 1
            });
            villages[v].rows.push(SnapshotRow(k as u32, r.id, values));
        }
        Snapshot {
            protocol: PROTOCOL_VERSION,
            cursor,
            hlc,
            kinds,
            villages,
            unreadable: Vec::new(),
            server_id: None,
        }
    }

    /// How many records the snapshot holds.
    pub fn len(&self) -> usize {
        self.villages.iter().map(|v| v.rows.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many (non-null) fields the snapshot holds.
    pub fn field_count(&self) -> usize {
        self.villages
            .iter()
            .flat_map(|v| &v.rows)
            .map(|SnapshotRow(_, _, values)| values.iter().filter(|v| !v.is_null()).count())
            .sum()
    }

    /// The records, decoded, in the order they were encoded.
    pub fn records(&self) -> Result<Vec<SnapshotRecord>, SnapshotError> {
        let mut out = Vec::with_capacity(self.len());
        let mut row_no = 0;
        for village in &self.villages {
            for SnapshotRow(k, id, values) in &village.rows {
                row_no += 1;
                let kind = self
                    .kinds
                    .get(*k as usize)
                    .ok_or(SnapshotError::UnknownKind {
                        row: row_no,
                        kind: *k,
                    })?;
                if values.len() > kind.paths.len() {
                    return Err(SnapshotError::TooManyValues { row: row_no });
                }
                let leaves = kind
                    .paths
                    .iter()
                    .zip(values)
                    .filter(|(_, v)| !v.is_null())
                    .map(|(p, v)| (p.clone(), v.clone()))
                    .collect();
                out.push(SnapshotRecord {
                    id: *id,
                    kind: kind.kind,
                    village_id: village.village_id,
                    leaves,
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(n: u128, kind: RecordKind, village: u128, leaves: Value) -> SnapshotRecord {
        SnapshotRecord {
            id: Uuid::from_u128(n),
            kind,
            village_id: Uuid::from_u128(village),
            leaves: match &leaves {
                Value::Object(m) if m.is_empty() => BTreeMap::new(),
                other => crate::flatten(other),
            },
        }
    }

    #[test]
    fn records_come_back_as_built_in_order() {
        let records = vec![
            rec(
                1,
                RecordKind::Household,
                9,
                json!({"basic": {"status": "0"}}),
            ),
            rec(
                2,
                RecordKind::Member,
                9,
                json!({"household_id": Uuid::from_u128(1), "name": "甲", "id_number": "x"}),
            ),
            rec(
                3,
                RecordKind::Member,
                9,
                json!({"household_id": Uuid::from_u128(1)}),
            ),
            rec(5, RecordKind::Household, 9, json!({})),
            rec(4, RecordKind::Village, 8, json!({"name": "乙村"})),
        ];
        let snap = Snapshot::build(7, None, records.clone());
        assert_eq!(snap.len(), 5);
        assert_eq!(snap.villages.len(), 2);
        // A record with no field set still comes back.
        assert_eq!(snap.records().unwrap(), records);
        let wire = serde_json::to_string(&snap).unwrap();
        let back: Snapshot = serde_json::from_str(&wire).unwrap();
        assert_eq!(back.records().unwrap(), records);
    }

    #[test]
    fn coordinates_come_back_to_the_last_digit() {
        // A GPS fix's longitude as the demo stores it: without serde_json's exact float
        // parsing it came back one unit in the last place off, and the device held a value
        // the county never had.
        let lon = 115.425_274_488_058_55_f64;
        let snap = Snapshot::build(
            1,
            None,
            vec![rec(1, RecordKind::GpsFix, 9, json!({"point": {"x": lon}}))],
        );
        let back: Snapshot = serde_json::from_str(&serde_json::to_string(&snap).unwrap()).unwrap();
        let x = back.records().unwrap()[0].leaves["point.x"]
            .as_f64()
            .unwrap();
        assert_eq!(x.to_bits(), lon.to_bits());
    }

    #[test]
    fn trailing_nulls_are_left_out_and_paths_named_once() {
        let snap = Snapshot::build(
            1,
            None,
            vec![
                rec(1, RecordKind::Member, 9, json!({"a": 1, "z": 2})),
                rec(2, RecordKind::Member, 9, json!({"a": 3})),
            ],
        );
        assert_eq!(snap.kinds[0].paths, vec!["a", "z"]);
        assert_eq!(snap.villages[0].rows[1].2, vec![json!(3)]);
        assert_eq!(snap.field_count(), 3);
    }

    #[test]
    fn bad_rows_are_named() {
        let mut snap = Snapshot::build(
            1,
            None,
            vec![rec(1, RecordKind::Member, 9, json!({"a": 1}))],
        );
        snap.villages[0].rows[0].2.push(json!(2));
        assert_eq!(snap.records(), Err(SnapshotError::TooManyValues { row: 1 }));
        snap.villages[0].rows[0] = SnapshotRow(5, Uuid::from_u128(1), vec![]);
        assert_eq!(
            snap.records(),
            Err(SnapshotError::UnknownKind { row: 1, kind: 5 })
        );
    }
}
