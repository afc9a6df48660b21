//! Sign-in throttling: failed sign-ins are counted per user name and per address; past a
//! few, further attempts wait a lock that doubles with each failure, up to a cap. The
//! numbers are in the constants below; docs/api.md says the same.
//!
//! - **Per user name** (known or not, so that the answer never tells which exists): the
//!   first [`USER_FREE_FAILURES`] failures cost nothing; the fifth locks the name for
//!   [`FIRST_LOCK_MS`], each further one for twice as long as the last, at most
//!   [`MAX_LOCK_MS`]. While locked, an attempt is answered 429 `too_many_attempts` with
//!   `Retry-After`, before any password is checked.
//! - **Per address**: the same, from [`ADDRESS_FREE_FAILURES`] failures of any user names
//!   (phones behind one carrier's NAT share an address, so the allowance is wider).
//! - **No lockout from outside for ever**: a name's failures are counted apart for the
//!   addresses it signed in from before (in the last [`FAMILIAR_FOR_MS`]) and for all
//!   others. Someone failing from elsewhere can keep the name locked for elsewhere, but the
//!   user, from an address they signed in from, still gets in (unless failures from that
//!   address locked it). Every lock ends by itself after at most [`MAX_LOCK_MS`]; an hour
//!   without failure ([`FORGET_AFTER_MS`]) clears a count; a success clears its name's count.
//! - A failure is counted when the attempt begins, and given back when it succeeds, so that
//!   twenty attempts sent at once cannot all slip in before the first failure is counted.
//!
//! The counts live in memory: a restart clears them (an attacker cannot make one happen).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Failures of one user name before it is locked.
pub const USER_FREE_FAILURES: u32 = 5;
/// Failures from one address (any user names) before it is locked.
pub const ADDRESS_FREE_FAILURES: u32 = 20;
/// The first lock; each further failure doubles it.
pub const FIRST_LOCK_MS: i64 = 30_000;
/// The longest lock.
pub const MAX_LOCK_MS: i64 = 15 * 60_000;
/// A count with no failure for this long starts again from zero.
pub const FORGET_AFTER_MS: i64 = 60 * 60_000;
/// How long an address a user signed in from stays theirs.
pub const FAMILIAR_FOR_MS: i64 = 30 * 86_400_000;
/// Most entries kept; past it, counts that lock nothing are dropped.
const MAX_ENTRIES: usize = 100_000;

/// The sign-in counts of the server.
#[derive(Debug, Default)]
pub struct SignInThrottle {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// (user name, from a familiar address) → its count.
    users: HashMap<(String, bool), Count>,
    addresses: HashMap<IpAddr, Count>,
    /// user name → the addresses it signed in from, and when last.
    familiar: HashMap<String, HashMap<IpAddr, i64>>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Count {
    failures: u32,
    last_failure: i64,
    locked_until: i64,
}

/// A sign-in under way, counted as failed until [`SignInThrottle::succeeded`].
#[derive(Debug)]
pub struct Attempt {
    user: (String, bool),
    address: Option<IpAddr>,
}

impl Count {
    fn locked(&self, now: i64) -> Option<i64> {
        (self.locked_until > now).then_some(self.locked_until - now)
    }

    fn fail(&mut self, now: i64, free: u32) {
        if now - self.last_failure > FORGET_AFTER_MS {
            self.failures = 0;
        }
        self.failures = self.failures.saturating_add(1);
        self.last_failure = now;
        if self.failures >= free {
            let doublings = (self.failures - free).min(20);
            let lock = FIRST_LOCK_MS
                .saturating_mul(1 << doublings)
                .min(MAX_LOCK_MS);
            self.locked_until = now.saturating_add(lock);
        }
    }

    fn stale(&self, now: i64) -> bool {
        self.locked_until <= now && now - self.last_failure > FORGET_AFTER_MS
    }
}

impl SignInThrottle {
    pub fn new() -> SignInThrottle {
        SignInThrottle::default()
    }

    /// Begins a sign-in of `username` from `address` (unknown without connect info) at
    /// `now`: `Err(ms)` while the name or the address is locked, for that long.
    pub fn begin(&self, username: &str, address: Option<IpAddr>, now: i64) -> Result<Attempt, i64> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let familiar = address.is_some_and(|a| {
            state
                .familiar
                .get(username)
                .and_then(|m| m.get(&a))
                .is_some_and(|at| now - at <= FAMILIAR_FOR_MS)
        });
        let user = (username.to_owned(), familiar);
        let locked = [
            state.users.get(&user).and_then(|c| c.locked(now)),
            address.and_then(|a| state.addresses.get(&a).and_then(|c| c.locked(now))),
        ];
        if let Some(wait) = locked.into_iter().flatten().max() {
            return Err(wait);
        }
        state.prune(now);
        state
            .users
            .entry(user.clone())
            .or_default()
            .fail(now, USER_FREE_FAILURES);
        if let Some(a) = address {
            state
                .addresses
                .entry(a)
                .or_default()
                .fail(now, ADDRESS_FREE_FAILURES);
        }
        Ok(Attempt { user, address })
    }

    /// The attempt succeeded: its name's count is cleared, the address's failure given
    /// back, and the address becomes one the user signs in from.
    pub fn succeeded(&self, attempt: Attempt, now: i64) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.users.remove(&attempt.user);
        if let Some(a) = attempt.address {
            if let Some(c) = state.addresses.get_mut(&a) {
                c.failures = c.failures.saturating_sub(1);
            }
            state
                .familiar
                .entry(attempt.user.0)
                .or_default()
                .insert(a, now);
        }
    }
}

impl State {
    /// Keeps the maps bounded: past [`MAX_ENTRIES`], counts that lock nothing go.
    fn prune(&mut self, now: i64) {
        if self.users.len() + self.addresses.len() < MAX_ENTRIES {
            return;
        }
        self.users.retain(|_, c| !c.stale(now));
        self.addresses.retain(|_, c| !c.stale(now));
        if self.users.len() + self.addresses.len() >= MAX_ENTRIES {
            self.users.retain(|_, c| c.locked(now).is_some());
            self.addresses.retain(|_, c| c.locked(now).is_some());
        }
        self.familiar.retain(|_, m| {
            m.retain(|_, at| now - *at <= FAMILIAR_FOR_MS);
            !m.is_empty()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)));
    const AWAY: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2)));

    #[test]
    fn locks_double_up_to_the_cap_and_end_by_themselves() {
        let t = SignInThrottle::new();
        let mut now = 0;
        for _ in 0..USER_FREE_FAILURES {
            assert!(t.begin("u", AWAY, now).is_ok());
        }
        assert_eq!(t.begin("u", AWAY, now).err(), Some(FIRST_LOCK_MS));
        let mut waits = Vec::new();
        for _ in 0..8 {
            now += t.begin("u", AWAY, now).expect_err("locked");
            assert!(t.begin("u", AWAY, now).is_ok(), "the lock ends");
            waits.push(t.begin("u", AWAY, now).expect_err("locked again"));
        }
        assert_eq!(
            waits,
            [
                60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000, 900_000
            ]
        );
    }

    #[test]
    fn failures_from_elsewhere_do_not_lock_the_user_out_of_home() {
        let t = SignInThrottle::new();
        let ok = t.begin("u", HOME, 0).expect("first sign-in");
        t.succeeded(ok, 0);
        for _ in 0..USER_FREE_FAILURES {
            let _ = t.begin("u", AWAY, 1);
        }
        assert!(t.begin("u", AWAY, 2).is_err());
        assert!(t.begin("u", HOME, 2).is_ok());
        // An hour without failure forgets the count.
        let later = 2 + MAX_LOCK_MS + FORGET_AFTER_MS + 1;
        assert!(t.begin("u", AWAY, later).is_ok());
    }
}
