//! The sync wire format of Jiandang (protocol version [`PROTOCOL_VERSION`]): what a device
//! and the county server say to each other. Pure: no IO, no clock; the caller hands in "now".
//!
//! Every request and response body carries `"protocol": 2` and every request the header
//! [`PROTOCOL_HEADER`]. The messages are documented with examples in `docs/protocol.md`;
//! the golden files in `tests/golden/` hold their exact JSON shape.

pub mod county;
pub mod error;
pub mod hlc;
pub mod limits;
pub mod message;
pub mod path;
pub mod snapshot;
pub mod spotcheck;

pub use county::*;
pub use error::{ApiError, ErrorCode};
pub use hlc::{CLOCK_TOLERANCE_MS, Hlc, HlcParseError};
pub use limits::LimitError;
pub use message::*;
pub use path::{flatten, unflatten};
pub use snapshot::{
    Snapshot, SnapshotError, SnapshotKind, SnapshotRecord, SnapshotRow, SnapshotVillage,
};

/// The version of this wire format. A peer speaking another one gets HTTP 426 with
/// [`ErrorCode::ProtocolVersion`].
pub const PROTOCOL_VERSION: u32 = 2;

/// The request header that carries the protocol version.
pub const PROTOCOL_HEADER: &str = "Jiandang-Protocol";

/// The response header that carries the server's clock (UTC milliseconds) on every answer,
/// so that a device can tell that its own clock is wrong.
pub const SERVER_TIME_HEADER: &str = "Jiandang-Server-Time";
