//! The replica's key: 32 random bytes per replica file, kept by the platform's key store
//! (the desktop OS keyring, Android Keystore, iOS Keychain: the app's shell supplies one
//! through [`KeyStore`]), never written into the database folder.

use std::collections::HashMap;
use std::sync::Mutex;

/// A replica's SQLCipher key (raw: no passphrase derivation, the bytes are already random).
#[derive(Clone, PartialEq, Eq)]
pub struct ReplicaKey([u8; 32]);

impl ReplicaKey {
    /// A new random key from the operating system's source.
    pub fn random() -> Result<ReplicaKey, KeyStoreError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| KeyStoreError(e.to_string()))?;
        Ok(ReplicaKey(bytes))
    }

    /// A key as the store returns it; `None` when it is not 32 bytes (a damaged entry).
    pub fn from_bytes(bytes: &[u8]) -> Option<ReplicaKey> {
        bytes.try_into().ok().map(ReplicaKey)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// SQLCipher's raw-key form for `PRAGMA key` and `ATTACH … KEY`.
    pub(crate) fn sql_text(&self) -> String {
        format!("x'{}'", hex::encode(self.0))
    }
}

impl std::fmt::Debug for ReplicaKey {
    /// Never the bytes: a key in a log opens the file.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReplicaKey(..)")
    }
}

/// A key store failed (locked, absent, refused): its own words, which hold no personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyStoreError(pub String);

/// Where replica keys are kept, by name (the replica's file name). The app's shell gives the
/// platform's; tests give [`MemoryKeyStore`].
pub trait KeyStore: Send + Sync {
    /// The key stored under `name`, if any.
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, KeyStoreError>;
    /// Stores (or replaces) the key under `name`, durably, before it returns.
    fn put(&self, name: &str, key: &[u8]) -> Result<(), KeyStoreError>;
    /// Forgets the key under `name` (absent is no error).
    fn delete(&self, name: &str) -> Result<(), KeyStoreError>;
}

/// A key store in memory. A fake, for tests and for machines without any key store (this
/// build machine runs the app under Xvfb with no Secret Service): it keeps nothing on disk,
/// so a key lives as long as the process.
#[derive(Default)]
pub struct MemoryKeyStore {
    keys: Mutex<HashMap<String, Vec<u8>>>,
}

impl MemoryKeyStore {
    pub fn new() -> MemoryKeyStore {
        MemoryKeyStore::default()
    }

    /// The names it holds a key for, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.lock().keys().cloned().collect();
        names.sort();
        names
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<u8>>> {
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl KeyStore for MemoryKeyStore {
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        Ok(self.lock().get(name).cloned())
    }

    fn put(&self, name: &str, key: &[u8]) -> Result<(), KeyStoreError> {
        self.lock().insert(name.to_owned(), key.to_vec());
        Ok(())
    }

    fn delete(&self, name: &str) -> Result<(), KeyStoreError> {
        self.lock().remove(name);
        Ok(())
    }
}
