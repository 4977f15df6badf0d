//! The key that signs session cookies: from `SESSION_SECRET`, or in
//! development generated once and kept in the data folder.

use std::{fmt, path::Path};

use cookie::Key;

use super::{ConfigError, Environment};

pub(super) const DEV_SECRET_FILE: &str = "session-secret";

/// The key that signs session cookies. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct SessionSecret(Key);

impl SessionSecret {
    /// The signing key.
    pub fn key(&self) -> &Key {
        &self.0
    }

    /// Accepts a secret of at least [`MIN_SECRET_BYTES`] bytes.
    ///
    /// # Errors
    /// [`ConfigError::ShortSecret`] for a shorter one.
    pub fn from_text(secret: &str) -> Result<Self, ConfigError> {
        Key::try_from(secret.as_bytes())
            .map(Self)
            .map_err(|_| ConfigError::ShortSecret(secret.len()))
    }
}

impl fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionSecret(<redacted>)")
    }
}

pub(super) fn session_secret(
    environment: Environment,
    data_dir: &Path,
    value: Option<String>,
) -> Result<SessionSecret, ConfigError> {
    match (value.filter(|v| !v.is_empty()), environment) {
        (Some(secret), _) => SessionSecret::from_text(&secret),
        (None, Environment::Production) => Err(ConfigError::MissingSecret),
        (None, Environment::Development) => dev_secret(&data_dir.join(DEV_SECRET_FILE)),
    }
}

/// A development key, generated on first run and kept so sessions survive restarts.
fn dev_secret(path: &Path) -> Result<SessionSecret, ConfigError> {
    let io = |source| ConfigError::DevSecretFile {
        path: path.to_owned(),
        source,
    };
    if let Ok(text) = std::fs::read_to_string(path) {
        return SessionSecret::from_text(text.trim()).map_err(|_| {
            io(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the kept key is too short; delete the file to generate a new one",
            ))
        });
    }
    let hex: String = Key::generate()
        .master()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    write_private(path, &hex).map_err(io)?;
    tracing::warn!(
        path = %path.display(),
        "SESSION_SECRET is not set: generated a development key and kept it in this file; set SESSION_SECRET in production"
    );
    SessionSecret::from_text(&hex)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}
