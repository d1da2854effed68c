use domain::DomainError;

/// What can go wrong below the web layer. `NotFound` also stands for "outside your data scope".
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("{0}")]
    Invalid(#[from] DomainError),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("crypto: {0}")]
    Crypto(#[from] crypto::CryptoError),
    #[error("unsafe configuration: {0}")]
    Unsafe(String),
    #[error("integrity: {0}")]
    Integrity(String),
    #[error("busy: {0}")]
    Busy(String),
}

impl StoreError {
    pub fn invalid(field: &'static str, msg: impl Into<String>) -> Self {
        StoreError::Invalid(DomainError::field(field, msg))
    }

    /// True for storage failures a retry may cure (disk full, lock timeouts), as opposed to bad input.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            StoreError::Db(_) | StoreError::Io(_) | StoreError::Busy(_)
        )
    }
}
