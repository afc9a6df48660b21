//! The typed API over the domain's record types: save and load a `Household`, `Member`,
//! `MemberChange`, … directly. Each is stored as its JSON form, so a typed save goes through
//! the same per-field diff, outbox and rules as [`Replica::save_record`].

use jiandang_domain::RecordKind;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::store::StoredRecord;
use crate::{Error, Replica, Saved};

/// A domain type that is one record of sync.
pub trait DomainRecord: Serialize + DeserializeOwned {
    const KIND: RecordKind;
    fn record_id(&self) -> Uuid;
}

macro_rules! domain_record {
    ($($t:ty => $kind:ident),* $(,)?) => {$(
        impl DomainRecord for $t {
            const KIND: RecordKind = RecordKind::$kind;
            fn record_id(&self) -> Uuid {
                self.id
            }
        }
    )*};
}

domain_record! {
    jiandang_domain::household::Household => Household,
    jiandang_domain::member::Member => Member,
    jiandang_domain::member_change::MemberChange => MemberChange,
    jiandang_domain::village::Village => Village,
    jiandang_domain::village::NaturalVillage => NaturalVillage,
    jiandang_domain::help::HelpUnit => HelpUnit,
    jiandang_domain::help::Helper => Helper,
    jiandang_domain::help::WorkTeamMember => WorkTeamMember,
    jiandang_domain::measures::HouseholdExitMeasures => HouseholdExitMeasures,
    jiandang_domain::measures::VillageExitMeasures => VillageExitMeasures,
    jiandang_domain::procedure::Procedure => Procedure,
    jiandang_domain::geo::GpsFix => GpsFix,
    jiandang_domain::photo::PhotoRef => Photo,
}

impl Replica {
    /// Saves a domain record (create or edit) in `village_id`; see [`Replica::save_record`].
    pub fn save<T: DomainRecord>(&self, village_id: Uuid, record: &T) -> Result<Saved, Error> {
        let doc = serde_json::to_value(record)?;
        self.save_record(T::KIND, record.record_id(), village_id, &doc)
    }

    /// Loads a domain record; `None` if there is none of that kind with that id.
    pub fn load<T: DomainRecord>(&self, id: Uuid) -> Result<Option<T>, Error> {
        match self.get_record(id)? {
            Some(rec) if rec.kind == T::KIND => Ok(Some(decode(&rec)?)),
            _ => Ok(None),
        }
    }
}

/// The record's JSON form with its id and village filled in from the columns (a pulled
/// record may have only some of its fields yet).
fn with_ids(rec: &StoredRecord) -> Value {
    let mut doc = rec.doc.clone();
    if let Some(obj) = doc.as_object_mut() {
        obj.entry("id")
            .or_insert_with(|| Value::String(rec.id.to_string()));
        obj.entry("village_id")
            .or_insert_with(|| Value::String(rec.village_id.to_string()));
    }
    doc
}

fn decode<T: DeserializeOwned>(rec: &StoredRecord) -> Result<T, Error> {
    Ok(serde_json::from_value(with_ids(rec))?)
}
