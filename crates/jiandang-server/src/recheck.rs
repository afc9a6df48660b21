//! The county-wide checks again after a device's push, over only what it can affect
//! (issue 18: "a push re-checks only what it touched"), once the county has run them in full
//! (before, while data is entered, there is no problem list to keep): the county's ID index (`id_index`,
//! one row per member or helper with a number) brought up to date for the touched records,
//! then `jiandang_domain::county::Scope::after_push` says what the push can affect, the
//! records it wants are loaded, and `county::recheck` gives the problem edits (new problems,
//! open ones marked 复核已消除), stored through the apply path in the push's transaction as
//! the county's own changes ([`SERVER_CALLER`]: the server acting for the county office,
//! never closing a problem: the county does).
//!
//! The index holds ID numbers: nothing here logs a key ([`crate::idindex`]).

use std::collections::{BTreeMap, BTreeSet};

use jiandang_domain::county::persons::{entry_of, key_of_doc};
use jiandang_domain::county::{CountyFacts, IdIndex, Scope, recheck};
use jiandang_domain::judge::Context;
use jiandang_domain::{Date, RecordKind, StoredRecord};
use jiandang_protocol::Role;
use rusqlite::Connection;
use uuid::Uuid;

use crate::apply::{Applied, Push};
use crate::auth::Caller;
use crate::error::AppError;
use crate::idindex::{county_prefix, delete_entry, ensure_built, entries_of_keys, insert_entry};
use crate::problems::store_edits;
use crate::storage::Store;

/// The user and device the server's own problem edits are logged under (the nil id: the
/// history shows no user name), on the county's side.
pub fn server_caller() -> Caller {
    Caller {
        user_id: Uuid::nil(),
        device_id: Uuid::nil(),
        role: Role::CountyAdmin,
        villages: BTreeSet::new(),
        // Not a browser: nothing of what it sees is masked.
        via: crate::auth::Via::Device,
    }
}

/// The name of [`server_caller`] in docs.
pub const SERVER_CALLER: &str = "the server (nil user and device, county side)";

/// The help kinds a re-check reads county-wide.
const HELP: [RecordKind; 3] = [
    RecordKind::HelpUnit,
    RecordKind::Helper,
    RecordKind::WorkTeamMember,
];

/// Re-checks what a device's applied set can affect and stores the problem edits.
pub fn after_push(
    conn: &Connection,
    ctx: &Context<'_>,
    today: Date,
    now_ms: i64,
    applied: &Applied,
) -> Result<(), AppError> {
    if applied.touched.is_empty() || !checks_ran(conn)? {
        return Ok(());
    }
    ensure_built(conn, ctx, now_ms)?;
    let store = Store::new(conn);
    let mut after: Vec<StoredRecord> = Vec::new();
    for id in &applied.touched {
        after.extend(store.record(*id)?);
    }
    // The index as it is after the push: the touched members and helpers replaced.
    let persons: BTreeSet<Uuid> = after
        .iter()
        .chain(&applied.prior)
        .filter(|r| matches!(r.kind, RecordKind::Member | RecordKind::Helper))
        .map(|r| r.id)
        .collect();
    let mut prefixes: BTreeMap<Uuid, String> = BTreeMap::new();
    for id in &persons {
        delete_entry(conn, *id)?;
    }
    for r in after.iter().filter(|r| persons.contains(&r.id)) {
        let prefix = match prefixes.get(&r.village_id) {
            Some(p) => p.clone(),
            None => {
                let p = county_prefix(&store, r.village_id)?;
                prefixes.insert(r.village_id, p.clone());
                p
            }
        };
        if let Some(e) = entry_of(r, &prefix) {
            insert_entry(conn, &e)?;
        }
    }
    let keys: BTreeSet<String> = after
        .iter()
        .chain(&applied.prior)
        .filter(|r| persons.contains(&r.id))
        .filter_map(|r| key_of_doc(&r.doc))
        .collect();
    let index = IdIndex::from_entries(entries_of_keys(conn, &keys)?);
    let facts = CountyFacts::default();
    let scope = Scope::after_push(&applied.prior, &after, &index, &facts);
    // The records the scope wants: its villages whole, the help set, and the problems of the
    // villages its persons are in (a person's problems live in the person's village).
    let mut records: Vec<StoredRecord> = Vec::new();
    for v in &scope.villages {
        records.extend(store.records_of(*v, &all_kinds())?);
    }
    records.extend(
        store
            .records_of_kinds(&HELP)?
            .into_iter()
            .filter(|r| !scope.villages.contains(&r.village_id)),
    );
    let person_villages: BTreeSet<Uuid> = index
        .entries()
        .filter(|e| scope.persons.contains(&e.record_id))
        .map(|e| e.village_id)
        .filter(|v| !scope.villages.contains(v))
        .collect();
    for v in person_villages {
        records.extend(
            store
                .records_of(v, &[RecordKind::Problem])?
                .into_iter()
                .filter(|r| scope.wants(r)),
        );
    }
    let run = recheck(
        &records,
        &applied.touched,
        &index,
        &facts,
        &scope,
        ctx,
        &mut Uuid::new_v4,
    );
    if run.edits.is_empty() {
        return Ok(());
    }
    let caller = server_caller();
    let push = Push {
        caller: &caller,
        set_id: Uuid::new_v4(),
        now_ms,
        today,
        ctx,
    };
    store_edits(conn, &push, &run.edits)
}

fn all_kinds() -> Vec<RecordKind> {
    RecordKind::ALL.to_vec()
}

/// Whether the county has run the checks (`check_runs`): before, there is no problem list
/// to keep, and a push during data entry costs no re-check.
pub fn checks_ran(conn: &Connection) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM check_runs)")?
        .query_row([], |r| r.get(0))?)
}
