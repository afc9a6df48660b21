//! The household list of a village: one pass over the village's records, the waiting outbox
//! and the stored findings, then search, filters and every filter's count in memory.
//!
//! The list used to be one SQL query with a correlated subquery per column (head name,
//! members, errors, waiting) and the filters in its WHERE clause, run once for the rows and
//! once per count: 28 s for a village of 1,000 households. Now every record's few list fields
//! are read once (`json_extract` parses each form once per row) and joined here.

use std::collections::{HashMap, HashSet};

use jiandang_domain::{Date, RecordKind};
use rusqlite::Connection;
use uuid::Uuid;

use crate::query::{HouseholdFilter, HouseholdRow, paths};
use crate::{Error, Replica};

/// How many households match the search together with each filter alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct HouseholdCounts {
    pub all: u32,
    pub registered: u32,
    pub exited_this_year: u32,
    pub new: u32,
    pub returned: u32,
    pub has_errors: u32,
    pub not_visited_this_year: u32,
    pub waiting_to_sync: u32,
}

/// The rows that match a filter, and the counts the list shows on top.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HouseholdList {
    pub rows: Vec<HouseholdRow>,
    pub counts: HouseholdCounts,
}

/// What the list knows of one household.
struct Facts {
    row: HouseholdRow,
    exit_year: Option<i64>,
    identified_year: Option<i64>,
    /// The household number and its members' names and ID numbers, for the search.
    names: Vec<String>,
    id_numbers: Vec<String>,
}

impl Facts {
    fn matches_search(&self, search: &str) -> bool {
        let lower = search.to_lowercase();
        self.row
            .household_number
            .as_deref()
            .is_some_and(|n| n.contains(search))
            || self.names.iter().any(|n| n.contains(search))
            || self
                .id_numbers
                .iter()
                .any(|n| n.to_lowercase().ends_with(&lower))
    }

    fn registered(&self) -> bool {
        matches!(self.row.status.as_deref().unwrap_or("0"), "0" | "2" | "3")
    }

    fn returned(&self) -> bool {
        self.row.status.as_deref() == Some("3")
    }

    fn visited(&self, from: Option<Date>) -> bool {
        match (self.row.visited_on, from) {
            (Some(on), Some(from)) => on >= from,
            (Some(_), None) => true,
            (None, _) => false,
        }
    }

    /// Whether every filter flag that is set holds (the search aside).
    fn passes(&self, f: &HouseholdFilter) -> bool {
        let year = i64::from(f.year);
        (!f.registered || self.registered())
            && (!f.exited_this_year || self.exit_year == Some(year))
            && (!f.new || self.identified_year == Some(year))
            && (!f.returned || self.returned())
            && (!f.has_errors || self.row.has_errors)
            && (!f.not_visited_this_year || !self.visited(f.visits_from))
            && (!f.waiting_to_sync || self.row.waiting > 0)
    }
}

/// The list of a village: rows matching `filter` (by household number, then id) and the
/// counts of `filter`'s search with each filter alone.
pub(crate) fn household_list(
    conn: &Connection,
    village: Uuid,
    filter: &HouseholdFilter,
) -> Result<HouseholdList, Error> {
    let facts = facts(conn, village)?;
    let search = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let found: Vec<&Facts> = facts
        .iter()
        .filter(|h| search.is_none_or(|s| h.matches_search(s)))
        .collect();
    let year = i64::from(filter.year);
    let count = |pred: &dyn Fn(&Facts) -> bool| found.iter().filter(|h| pred(h)).count() as u32;
    let counts = HouseholdCounts {
        all: found.len() as u32,
        registered: count(&|h| h.registered()),
        exited_this_year: count(&|h| h.exit_year == Some(year)),
        new: count(&|h| h.identified_year == Some(year)),
        returned: count(&|h| h.returned()),
        has_errors: count(&|h| h.row.has_errors),
        not_visited_this_year: count(&|h| !h.visited(filter.visits_from)),
        waiting_to_sync: count(&|h| h.row.waiting > 0),
    };
    let rows = found
        .into_iter()
        .filter(|h| h.passes(filter))
        .map(|h| h.row.clone())
        .collect();
    Ok(HouseholdList { rows, counts })
}

/// One text or number read by `json_extract`, as the list wants it.
fn text(v: rusqlite::types::Value) -> Option<String> {
    use rusqlite::types::Value as V;
    match v {
        V::Text(s) => Some(s),
        V::Integer(i) => Some(i.to_string()),
        V::Real(r) => Some(r.to_string()),
        _ => None,
    }
}

/// A year stored as a number or as text (`CAST(... AS INTEGER)` in the old query).
fn year(v: rusqlite::types::Value) -> Option<i64> {
    use rusqlite::types::Value as V;
    match v {
        V::Integer(i) => Some(i),
        V::Real(r) => Some(r as i64),
        V::Text(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A member, as far as the list is concerned.
struct MemberFacts {
    id: String,
    household: String,
    name: Option<String>,
    relationship: Option<String>,
    id_number: Option<String>,
    /// 人员状态; `2` is 已自然减少 (the member stays on record, not in the count).
    status: Option<String>,
}

fn facts(conn: &Connection, village: Uuid) -> Result<Vec<Facts>, Error> {
    let mut households: Vec<Facts> = Vec::new();
    let mut members: Vec<MemberFacts> = Vec::new();
    // Records that belong to a record: members, changes and the like by household, GPS
    // fixes and photos by subject (a household or a member).
    let mut owner_of: HashMap<String, String> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT id, kind,
               json_extract(doc, '{number}'), json_extract(doc, '{status}'),
               json_extract(doc, '{exit}'), json_extract(doc, '{identified}'),
               json_extract(doc, '{visited}'), json_extract(doc, '{household}'),
               json_extract(doc, '{subject}'), json_extract(doc, '{name}'),
               json_extract(doc, '{relationship}'), json_extract(doc, '{id_number}'),
               json_extract(doc, '$.status')
             FROM records WHERE village_id = ?1",
            number = paths::HOUSEHOLD_NUMBER,
            status = paths::STATUS,
            exit = paths::EXIT_YEAR,
            identified = paths::IDENTIFIED_YEAR,
            visited = paths::VISITED_ON,
            household = paths::HOUSEHOLD_ID,
            subject = paths::SUBJECT_ID,
            name = paths::MEMBER_NAME,
            relationship = paths::MEMBER_RELATIONSHIP,
            id_number = paths::MEMBER_ID_NUMBER,
        ))?;
        let mut rows = stmt.query([village.to_string()])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let kind: String = r.get(1)?;
            let household_link = text(r.get(7)?);
            let link = household_link.clone().or(text(r.get(8)?));
            if kind == RecordKind::Household.as_str() {
                let Ok(uuid) = Uuid::parse_str(&id) else {
                    continue;
                };
                households.push(Facts {
                    row: HouseholdRow {
                        id: uuid,
                        household_number: text(r.get(2)?),
                        head_name: None,
                        status: text(r.get(3)?),
                        members: 0,
                        has_errors: false,
                        waiting: 0,
                        visited_on: text(r.get(6)?).and_then(|s| Date::parse(&s).ok()),
                    },
                    exit_year: year(r.get(4)?),
                    identified_year: year(r.get(5)?),
                    names: Vec::new(),
                    id_numbers: Vec::new(),
                });
                continue;
            }
            if kind == RecordKind::Member.as_str()
                && let Some(household) = household_link
            {
                members.push(MemberFacts {
                    id: id.clone(),
                    household,
                    name: text(r.get(9)?),
                    relationship: text(r.get(10)?),
                    id_number: text(r.get(11)?),
                    status: text(r.get(12)?),
                });
            }
            if let Some(owner) = link {
                owner_of.insert(id, owner);
            }
        }
    }
    let waiting: HashMap<String, u32> = {
        let mut stmt = conn.prepare_cached(
            "SELECT record_id, COUNT(*) FROM outbox WHERE status IN ('pending', 'in_flight')
             GROUP BY record_id",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let with_errors: HashSet<String> = {
        let mut stmt =
            conn.prepare_cached("SELECT record_id FROM findings WHERE has_errors = 1")?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    let at: HashMap<String, usize> = households
        .iter()
        .enumerate()
        .map(|(i, h)| (h.row.id.to_string(), i))
        .collect();
    // The household a record belongs to, through at most one record in between (a photo of
    // a member).
    let household_of = |id: &str| -> Option<usize> {
        if let Some(i) = at.get(id) {
            return Some(*i);
        }
        let owner = owner_of.get(id)?;
        at.get(owner.as_str())
            .or_else(|| owner_of.get(owner).and_then(|o| at.get(o.as_str())))
            .copied()
    };
    members.sort_by(|a, b| a.id.cmp(&b.id));
    for m in &members {
        let Some(&i) = at.get(m.household.as_str()) else {
            continue;
        };
        let h = &mut households[i];
        if m.status.as_deref() != Some("2") {
            h.row.members += 1;
        }
        if h.row.head_name.is_none() && m.relationship.as_deref() == Some("01") {
            h.row.head_name = m.name.clone();
        }
        h.names.extend(m.name.clone());
        h.id_numbers.extend(m.id_number.clone());
    }
    for (record, n) in &waiting {
        if let Some(i) = household_of(record) {
            households[i].row.waiting += n;
        }
    }
    for record in &with_errors {
        if let Some(i) = household_of(record) {
            households[i].row.has_errors = true;
        }
    }
    households.sort_by(|a, b| {
        (a.row.household_number.as_deref(), a.row.id)
            .cmp(&(b.row.household_number.as_deref(), b.row.id))
    });
    Ok(households)
}

impl Replica {
    /// Households of a village matching `filter`, by household number then id.
    pub fn households(
        &self,
        village_id: Uuid,
        filter: &HouseholdFilter,
    ) -> Result<Vec<HouseholdRow>, Error> {
        Ok(self.household_list(village_id, filter)?.rows)
    }

    /// How many households of a village match `filter`.
    pub fn count_households(
        &self,
        village_id: Uuid,
        filter: &HouseholdFilter,
    ) -> Result<u32, Error> {
        Ok(self.household_list(village_id, filter)?.rows.len() as u32)
    }

    /// The household list in one pass: the rows matching `filter`, and how many households
    /// match its search with each filter alone (the counts on top of the list).
    pub fn household_list(
        &self,
        village_id: Uuid,
        filter: &HouseholdFilter,
    ) -> Result<HouseholdList, Error> {
        household_list(&self.conn(), village_id, filter)
    }
}
