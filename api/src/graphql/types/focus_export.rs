//! FOCUS export arguments.

use async_graphql::Enum;

use crate::domain::focus_export::Format;

/// The file format of a FOCUS export.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum FocusFormat {
    /// CSV, UTF-8, a header row; amounts as exact decimals with 8 places.
    Csv,
    /// Parquet (Snappy); amounts as Decimal128(38, 8).
    Parquet,
}

impl From<FocusFormat> for Format {
    fn from(f: FocusFormat) -> Self {
        match f {
            FocusFormat::Csv => Self::Csv,
            FocusFormat::Parquet => Self::Parquet,
        }
    }
}
