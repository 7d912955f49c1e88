//! The messages of `profile.proto` (github.com/google/pprof/proto/profile.proto),
//! written by hand with prost's derive macros so that the build needs no
//! `protoc`. Only the fields parseprof reads are declared; prost skips the
//! others. Strings are kept as bytes: a profile is not trusted to be UTF-8.

/// `perftools.profiles.Profile`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Profile {
    /// What each value of a sample measures, in order.
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<ValueType>,
    /// The samples.
    #[prost(message, repeated, tag = "2")]
    pub sample: Vec<Sample>,
    /// The locations the samples point to.
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<Location>,
    /// The functions the locations' lines point to.
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<Function>,
    /// Every string of the profile; index 0 is the empty string.
    #[prost(bytes = "vec", repeated, tag = "6")]
    pub string_table: Vec<Vec<u8>>,
    /// When the profile was taken, in nanoseconds since the epoch.
    #[prost(int64, tag = "9")]
    pub time_nanos: i64,
    /// How long the profile ran (CPU), in nanoseconds.
    #[prost(int64, tag = "10")]
    pub duration_nanos: i64,
    /// What the period measures.
    #[prost(message, optional, tag = "11")]
    pub period_type: Option<ValueType>,
    /// The sampling period.
    #[prost(int64, tag = "12")]
    pub period: i64,
    /// The sample type pprof shows by default (a string index).
    #[prost(int64, tag = "14")]
    pub default_sample_type: i64,
}

/// `ValueType`: a type and a unit, as string indexes.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ValueType {
    /// The type (`goroutine`, `inuse_space`).
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    /// The unit (`count`, `bytes`, `nanoseconds`).
    #[prost(int64, tag = "2")]
    pub unit: i64,
}

/// `Sample`: a stack of locations, leaf first, its values and labels.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sample {
    /// Location ids, leaf first.
    #[prost(uint64, repeated, tag = "1")]
    pub location_id: Vec<u64>,
    /// One value per sample type.
    #[prost(int64, repeated, tag = "2")]
    pub value: Vec<i64>,
    /// Labels, string or numeric.
    #[prost(message, repeated, tag = "3")]
    pub label: Vec<Label>,
}

/// `Label`: a key and either a string or a number (with its unit).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Label {
    /// The key, a string index.
    #[prost(int64, tag = "1")]
    pub key: i64,
    /// The string value, a string index (0: none).
    #[prost(int64, tag = "2")]
    pub str: i64,
    /// The numeric value.
    #[prost(int64, tag = "3")]
    pub num: i64,
    /// The numeric value's unit, a string index.
    #[prost(int64, tag = "4")]
    pub num_unit: i64,
}

/// `Location`: an address and the lines there, the innermost (inlined) first.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Location {
    /// The id samples use.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// The address.
    #[prost(uint64, tag = "3")]
    pub address: u64,
    /// The lines: several when functions were inlined, the caller last.
    #[prost(message, repeated, tag = "4")]
    pub line: Vec<Line>,
}

/// `Line`: a function and a line in its file.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Line {
    /// The function's id.
    #[prost(uint64, tag = "1")]
    pub function_id: u64,
    /// The line number.
    #[prost(int64, tag = "2")]
    pub line: i64,
}

/// `Function`: a name and a file, as string indexes.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Function {
    /// The id lines use.
    #[prost(uint64, tag = "1")]
    pub id: u64,
    /// The name as Go prints it.
    #[prost(int64, tag = "2")]
    pub name: i64,
    /// The source file.
    #[prost(int64, tag = "4")]
    pub filename: i64,
}
