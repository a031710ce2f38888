// SPDX-License-Identifier: GPL-2.0

//! The perftools profile (profile.proto of github.com/google/pprof), as
//! hand-written prost messages: the subset allocprof writes and reads; a
//! profile of rows, its gzipped encoding, its decoding and totals.
//!
//! Layer: readers and writers.  Uses: `table`.

use std::collections::HashMap;
use std::io::{Read, Write};

use anyhow::{bail, Context, Result};
use flate2::{read::GzDecoder, write::GzEncoder, Compression};
use prost::Message;

use crate::table::Row;

#[derive(Clone, PartialEq, Message)]
pub struct Profile {
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<ValueType>,
    #[prost(message, repeated, tag = "2")]
    pub sample: Vec<Sample>,
    #[prost(message, repeated, tag = "3")]
    pub mapping: Vec<Mapping>,
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<Location>,
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<Function>,
    #[prost(string, repeated, tag = "6")]
    pub string_table: Vec<String>,
    #[prost(int64, tag = "7")]
    pub drop_frames: i64,
    #[prost(int64, tag = "8")]
    pub keep_frames: i64,
    #[prost(int64, tag = "9")]
    pub time_nanos: i64,
    #[prost(int64, tag = "10")]
    pub duration_nanos: i64,
    #[prost(message, optional, tag = "11")]
    pub period_type: Option<ValueType>,
    #[prost(int64, tag = "12")]
    pub period: i64,
    #[prost(int64, repeated, tag = "13")]
    pub comment: Vec<i64>,
    #[prost(int64, tag = "14")]
    pub default_sample_type: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct ValueType {
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    #[prost(int64, tag = "2")]
    pub unit: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct Sample {
    #[prost(uint64, repeated, tag = "1")]
    pub location_id: Vec<u64>,
    #[prost(int64, repeated, tag = "2")]
    pub value: Vec<i64>,
    #[prost(message, repeated, tag = "3")]
    pub label: Vec<Label>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Label {
    #[prost(int64, tag = "1")]
    pub key: i64,
    #[prost(int64, tag = "2")]
    pub str: i64,
    #[prost(int64, tag = "3")]
    pub num: i64,
    #[prost(int64, tag = "4")]
    pub num_unit: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct Mapping {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(uint64, tag = "2")]
    pub memory_start: u64,
    #[prost(uint64, tag = "3")]
    pub memory_limit: u64,
    #[prost(uint64, tag = "4")]
    pub file_offset: u64,
    #[prost(int64, tag = "5")]
    pub filename: i64,
    #[prost(int64, tag = "6")]
    pub build_id: i64,
    #[prost(bool, tag = "7")]
    pub has_functions: bool,
    #[prost(bool, tag = "8")]
    pub has_filenames: bool,
    #[prost(bool, tag = "9")]
    pub has_line_numbers: bool,
    #[prost(bool, tag = "10")]
    pub has_inline_frames: bool,
}

#[derive(Clone, PartialEq, Message)]
pub struct Location {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(uint64, tag = "2")]
    pub mapping_id: u64,
    #[prost(uint64, tag = "3")]
    pub address: u64,
    #[prost(message, repeated, tag = "4")]
    pub line: Vec<Line>,
    #[prost(bool, tag = "5")]
    pub is_folded: bool,
}

#[derive(Clone, PartialEq, Message)]
pub struct Line {
    #[prost(uint64, tag = "1")]
    pub function_id: u64,
    #[prost(int64, tag = "2")]
    pub line: i64,
    #[prost(int64, tag = "3")]
    pub column: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct Function {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(int64, tag = "2")]
    pub name: i64,
    #[prost(int64, tag = "3")]
    pub system_name: i64,
    #[prost(int64, tag = "4")]
    pub filename: i64,
    #[prost(int64, tag = "5")]
    pub start_line: i64,
}

/// The string table under construction (index 0 is "").
struct Strings {
    list: Vec<String>,
    index: HashMap<String, i64>,
}

impl Strings {
    fn new() -> Self {
        let mut s = Strings {
            list: Vec::new(),
            index: HashMap::new(),
        };
        s.get("");
        s
    }
    fn get(&mut self, s: &str) -> i64 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.list.len() as i64;
        self.list.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }
}

/// A profile of `rows`: sample types `inuse_space`/bytes and
/// `inuse_objects`/count, one sample, location and function per row,
/// labels `source`, `module` and the row's key:value pairs.
pub fn build(rows: &[Row], time_nanos: i64) -> Profile {
    let mut st = Strings::new();
    let mut p = Profile {
        sample_type: vec![
            ValueType {
                r#type: st.get("inuse_space"),
                unit: st.get("bytes"),
            },
            ValueType {
                r#type: st.get("inuse_objects"),
                unit: st.get("count"),
            },
        ],
        time_nanos,
        ..Default::default()
    };
    p.mapping.push(Mapping {
        id: 1,
        filename: st.get("[kernel]"),
        has_functions: true,
        has_filenames: true,
        has_line_numbers: true,
        ..Default::default()
    });
    let k_source = st.get("source");
    let k_module = st.get("module");
    for (i, r) in rows.iter().enumerate() {
        let id = i as u64 + 1;
        let name = st.get(&r.function);
        let file = st.get(&r.file);
        p.function.push(Function {
            id,
            name,
            system_name: name,
            filename: file,
            start_line: 0,
        });
        p.location.push(Location {
            id,
            mapping_id: 1,
            address: 0,
            line: vec![Line {
                function_id: id,
                line: r.line as i64,
                column: 0,
            }],
            is_folded: false,
        });
        let mut label = vec![
            Label {
                key: k_source,
                str: st.get(&r.source),
                ..Default::default()
            },
            Label {
                key: k_module,
                str: st.get(r.module_or_kernel()),
                ..Default::default()
            },
        ];
        for (k, v) in &r.extra {
            label.push(Label {
                key: st.get(k),
                str: st.get(v),
                ..Default::default()
            });
        }
        p.sample.push(Sample {
            location_id: vec![id],
            value: vec![r.bytes, r.calls as i64],
            label,
        });
    }
    p.string_table = st.list;
    p
}

/// The gzipped encoding, as pprof reads it.
pub fn encode_gz(p: &Profile) -> Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(&p.encode_to_vec())?;
    Ok(enc.finish()?)
}

/// Decodes a profile, gzipped or not.
pub fn decode(bytes: &[u8]) -> Result<Profile> {
    let raw;
    let data = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut v = Vec::new();
        GzDecoder::new(bytes)
            .read_to_end(&mut v)
            .context("not a valid gzip stream")?;
        raw = v;
        &raw[..]
    } else {
        bytes
    };
    let p = Profile::decode(data).context("not a valid pprof profile")?;
    Ok(p)
}

/// Totals of a decoded profile, per sample type.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub samples: usize,
    pub locations: usize,
    pub functions: usize,
    /// (type, unit, total) of each sample type.
    pub totals: Vec<(String, String, i64)>,
}

pub fn summary(p: &Profile) -> Result<Summary> {
    let s = |i: i64| -> Result<String> {
        p.string_table
            .get(i as usize)
            .cloned()
            .with_context(|| format!("string index {i} out of range"))
    };
    let mut totals = Vec::new();
    for (k, t) in p.sample_type.iter().enumerate() {
        let mut sum = 0i64;
        for smp in &p.sample {
            if smp.value.len() != p.sample_type.len() {
                bail!(
                    "a sample has {} values, not {}",
                    smp.value.len(),
                    p.sample_type.len()
                );
            }
            sum += smp.value[k];
        }
        totals.push((s(t.r#type)?, s(t.unit)?, sum));
    }
    Ok(Summary {
        samples: p.sample.len(),
        locations: p.location.len(),
        functions: p.function.len(),
        totals,
    })
}
