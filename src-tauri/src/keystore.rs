//! Where the app keeps its replica keys: the platform's key store through keyring-core
//! (Secret Service on a Linux desktop, Keychain on macOS, the data-protection keychain on
//! iOS, Credential Manager on Windows, Keystore-wrapped SharedPreferences on Android), or,
//! for the end-to-end test only, keys derived from a secret in the environment.

use std::sync::Arc;

use jiandang_replica::{KeyStore, KeyStoreError};
use keyring_core::{CredentialStore, Entry};
use sha2::{Digest, Sha256};

/// The key store's service name for the app's entries (one entry per replica file).
const SERVICE: &str = "cn.jiandang.field.replica";

/// The end-to-end test's key secret (hex). Set only by tests-app: this machine runs the app
/// under Xvfb with no Secret Service, so the real store cannot be reached there.
const TEST_SECRET_ENV: &str = "JIANDANG_TEST_REPLICA_SECRET";

/// The platform's key store, or the test's when [`TEST_SECRET_ENV`] is set.
pub fn key_store() -> anyhow::Result<Arc<dyn KeyStore>> {
    if let Ok(secret) = std::env::var(TEST_SECRET_ENV) {
        let secret = hex::decode(secret.trim())?;
        anyhow::ensure!(
            secret.len() >= 16,
            "{TEST_SECRET_ENV}: 16 bytes or more, hex"
        );
        return Ok(Arc::new(DerivedKeyStore { secret }));
    }
    let store = platform_store().map_err(|e| anyhow::anyhow!("no key store: {e}"))?;
    Ok(Arc::new(PlatformKeyStore { store }))
}

#[cfg(target_os = "linux")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(dbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(target_os = "ios")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(apple_native_keyring_store::protected::Store::new()?)
}

#[cfg(target_os = "windows")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

/// Needs the Android application context (ndk-context) set before it is called: Tauri's
/// Android runtime sets it when the activity starts (docs/app.md, "What a phone build
/// adds").
#[cfg(target_os = "android")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(android_native_keyring_store::Store::new()?)
}

/// The platform's store: one entry per replica file, the key its secret.
struct PlatformKeyStore {
    store: Arc<CredentialStore>,
}

impl PlatformKeyStore {
    fn entry(&self, name: &str) -> Result<Entry, KeyStoreError> {
        Entry::new_in_store(&self.store, SERVICE, name).map_err(failed)
    }
}

/// The store's own words: they name the store and the failure, never a key.
fn failed(e: keyring_core::Error) -> KeyStoreError {
    KeyStoreError(e.to_string())
}

impl KeyStore for PlatformKeyStore {
    fn get(&self, name: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        match self.entry(name)?.get_secret() {
            Ok(key) => Ok(Some(key)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(failed(e)),
        }
    }

    fn put(&self, name: &str, key: &[u8]) -> Result<(), KeyStoreError> {
        self.entry(name)?.set_secret(key).map_err(failed)
    }

    fn delete(&self, name: &str) -> Result<(), KeyStoreError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(failed(e)),
        }
    }
}

/// A fake for the end-to-end test: every replica's key is SHA-256 of a secret the test
/// passes in the environment; nothing is written anywhere. It cannot forget a key, so an
/// erase under it leaves a file the test's secret still opens (the replica's own tests check
/// the erase with a store that forgets).
struct DerivedKeyStore {
    secret: Vec<u8>,
}

impl KeyStore for DerivedKeyStore {
    fn get(&self, _name: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        Ok(Some(Sha256::digest(&self.secret).to_vec()))
    }

    fn put(&self, _name: &str, _key: &[u8]) -> Result<(), KeyStoreError> {
        // Only ever asked to keep the key it gives (a file moved to another name keeps its
        // key, which is the one every name has here).
        Ok(())
    }

    fn delete(&self, _name: &str) -> Result<(), KeyStoreError> {
        Ok(())
    }
}
