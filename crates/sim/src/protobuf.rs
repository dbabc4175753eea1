//! Protobuf request bodies. kubectl's generators (`kubectl create configmap|deployment|…`) and
//! `kubectl auth can-i` POST `application/vnd.kubernetes.protobuf`: the `k8s\0` magic, then a
//! `runtime.Unknown` envelope holding the object's type and its message. This module reads that
//! envelope and turns the message into the JSON the rest of the server works on, driven by the
//! field numbers in `protobuf/schema.rs`.

mod schema;

use base64::Engine as _;
use serde_json::{Map, Value};

/// The media type of protobuf bodies.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

const MAGIC: &[u8] = b"k8s\0";

/// Why a protobuf body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtobufError {
    /// The body lacks the `k8s\0` prefix every Kubernetes protobuf body starts with.
    #[error("the body does not start with the Kubernetes protobuf magic number")]
    Magic,
    /// The wire format is broken: a truncated field, a bad length, an unknown wire type.
    #[error("the protobuf body is truncated or malformed")]
    Malformed,
    /// A string field holds bytes that are not UTF-8.
    #[error("field {field} of {message} is not valid UTF-8")]
    NotUtf8 {
        /// The message being read.
        message: &'static str,
        /// The field's JSON name.
        field: &'static str,
    },
    /// The envelope names a type this server does not read as protobuf.
    #[error("{kind} in {api_version} cannot be sent as protobuf to this server; send it as JSON")]
    UnknownType {
        /// The envelope's apiVersion.
        api_version: String,
        /// The envelope's kind.
        kind: String,
    },
    /// The envelope names a content encoding (compression) this server does not read.
    #[error("protobuf bodies with content encoding \"{0}\" are not supported")]
    Encoding(String),
}

/// The JSON object a protobuf body (with its `k8s\0` prefix) carries, with its `apiVersion`
/// and `kind`.
pub fn to_json(body: &[u8]) -> Result<Value, ProtobufError> {
    let envelope = body.strip_prefix(MAGIC).ok_or(ProtobufError::Magic)?;
    let mut api_version = String::new();
    let mut kind = String::new();
    let mut raw: &[u8] = &[];
    let mut reader = Reader::new(envelope);
    while let Some((tag, wire)) = reader.next_field()? {
        match (tag, wire) {
            (1, Wire::Bytes(type_meta)) => {
                let mut inner = Reader::new(type_meta);
                while let Some((tag, wire)) = inner.next_field()? {
                    match (tag, wire) {
                        (1, Wire::Bytes(text)) => {
                            api_version = utf8(text, "TypeMeta", "apiVersion")?
                        }
                        (2, Wire::Bytes(text)) => kind = utf8(text, "TypeMeta", "kind")?,
                        _ => {}
                    }
                }
            }
            (2, Wire::Bytes(bytes)) => raw = bytes,
            (3, Wire::Bytes(encoding)) if !encoding.is_empty() => {
                return Err(ProtobufError::Encoding(
                    String::from_utf8_lossy(encoding).into(),
                ));
            }
            _ => {}
        }
    }
    let message = schema::ROOTS
        .iter()
        .find(|(version, name, _)| *version == api_version && *name == kind)
        .map(|(_, _, message)| *message)
        .ok_or_else(|| ProtobufError::UnknownType {
            api_version: api_version.clone(),
            kind: kind.clone(),
        })?;
    let mut object = Map::new();
    object.insert("apiVersion".into(), api_version.into());
    object.insert("kind".into(), kind.into());
    decode(message, raw, &mut object)?;
    Ok(Value::Object(object))
}

/// A message's schema: its fields by number.
struct Message {
    name: &'static str,
    fields: &'static [Field],
}

/// One field: its number, its JSON name (empty for a Go struct embedded inline), what it holds.
struct Field {
    tag: u32,
    json: &'static str,
    kind: Kind,
    repeated: bool,
}

enum Kind {
    String,
    Bytes,
    Bool,
    Int32,
    Int64,
    Message(&'static Message),
    /// A `map<string, …>`: repeated entries with the key in field 1 and the value in field 2.
    Map(&'static Kind),
    Special(Special),
}

/// Messages whose JSON form is not an object of their fields.
enum Special {
    /// `metav1.Time`: seconds and nanos, written as RFC 3339 to the second.
    Time,
    /// `resource.Quantity`: its string.
    Quantity,
    /// `intstr.IntOrString`: an integer or a string by its type.
    IntOrString,
    /// `runtime.RawExtension` and `FieldsV1`: JSON bytes.
    RawJson,
}

fn decode(
    message: &Message,
    bytes: &[u8],
    object: &mut Map<String, Value>,
) -> Result<(), ProtobufError> {
    let mut reader = Reader::new(bytes);
    while let Some((tag, wire)) = reader.next_field()? {
        // Fields this server's schema does not know are skipped, as protobuf readers do.
        let Some(field) = message.fields.iter().find(|field| field.tag == tag) else {
            continue;
        };
        if field.json.is_empty() {
            if let (Kind::Message(inner), Wire::Bytes(bytes)) = (&field.kind, wire) {
                decode(inner, bytes, object)?;
            }
            continue;
        }
        if let Kind::Map(value_kind) = &field.kind {
            let (key, value) = map_entry(message, field, value_kind, wire)?;
            let entry = object
                .entry(field.json)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(map) = entry {
                map.insert(key, value);
            }
            continue;
        }
        if field.repeated {
            let entry = object
                .entry(field.json)
                .or_insert_with(|| Value::Array(Vec::new()));
            let Value::Array(items) = entry else { continue };
            match (wire, scalar_varint(&field.kind)) {
                // Packed repeated scalars: one length-delimited run of varints.
                (Wire::Bytes(run), true) => {
                    let mut packed = Reader::new(run);
                    while !packed.done() {
                        let number = packed.varint()?;
                        items.push(value(message, field, &field.kind, Wire::Varint(number))?);
                    }
                }
                (wire, _) => items.push(value(message, field, &field.kind, wire)?),
            }
            continue;
        }
        let value = value(message, field, &field.kind, wire)?;
        object.insert(field.json.into(), value);
    }
    Ok(())
}

fn scalar_varint(kind: &Kind) -> bool {
    matches!(kind, Kind::Bool | Kind::Int32 | Kind::Int64)
}

fn map_entry(
    message: &Message,
    field: &Field,
    value_kind: &Kind,
    wire: Wire<'_>,
) -> Result<(String, Value), ProtobufError> {
    let Wire::Bytes(bytes) = wire else {
        return Err(ProtobufError::Malformed);
    };
    let mut key = String::new();
    let mut entry_value = None;
    let mut reader = Reader::new(bytes);
    while let Some((tag, wire)) = reader.next_field()? {
        match (tag, wire) {
            (1, Wire::Bytes(text)) => key = utf8(text, message.name, field.json)?,
            (2, wire) => entry_value = Some(value(message, field, value_kind, wire)?),
            _ => {}
        }
    }
    let entry_value = match entry_value {
        Some(value) => value,
        None => value(message, field, value_kind, Wire::Bytes(&[]))?,
    };
    Ok((key, entry_value))
}

fn value(
    message: &Message,
    field: &Field,
    kind: &Kind,
    wire: Wire<'_>,
) -> Result<Value, ProtobufError> {
    Ok(match (kind, wire) {
        (Kind::String, Wire::Bytes(text)) => utf8(text, message.name, field.json)?.into(),
        (Kind::Bytes, Wire::Bytes(bytes)) => base64::engine::general_purpose::STANDARD
            .encode(bytes)
            .into(),
        (Kind::Bool, Wire::Varint(number)) => (number != 0).into(),
        // int32 values are sign-extended to 64 bits on the wire; truncation is the decoding.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_possible_wrap,
            reason = "protobuf int32 decoding"
        )]
        (Kind::Int32, Wire::Varint(number)) => i64::from(number as i32).into(),
        #[allow(clippy::cast_possible_wrap, reason = "protobuf int64 decoding")]
        (Kind::Int64, Wire::Varint(number)) => (number as i64).into(),
        (Kind::Message(inner), Wire::Bytes(bytes)) => {
            let mut object = Map::new();
            decode(inner, bytes, &mut object)?;
            Value::Object(object)
        }
        (Kind::Special(special), Wire::Bytes(bytes)) => special_value(special, bytes)?,
        _ => return Err(ProtobufError::Malformed),
    })
}

fn special_value(special: &Special, bytes: &[u8]) -> Result<Value, ProtobufError> {
    let mut numbers = [0_u64; 3];
    let mut text: &[u8] = &[];
    let mut reader = Reader::new(bytes);
    while let Some((tag, wire)) = reader.next_field()? {
        match (tag, wire) {
            (1..=3, Wire::Varint(number)) => numbers[tag as usize - 1] = number,
            (1 | 3, Wire::Bytes(bytes)) => text = bytes,
            _ => {}
        }
    }
    let string = || utf8(text, "Quantity", "string");
    Ok(match special {
        Special::Time => {
            // A zero time is Go's "unset", written as null.
            if numbers[0] == 0 && numbers[1] == 0 {
                return Ok(Value::Null);
            }
            #[allow(
                clippy::cast_possible_wrap,
                clippy::cast_possible_truncation,
                reason = "protobuf int64/int32 decoding"
            )]
            let time = chrono::DateTime::from_timestamp(numbers[0] as i64, numbers[1] as u32)
                .ok_or(ProtobufError::Malformed)?;
            time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                .into()
        }
        Special::Quantity => string()?.into(),
        Special::IntOrString if numbers[0] == 1 => string()?.into(),
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_possible_wrap,
            reason = "protobuf int32 decoding"
        )]
        Special::IntOrString => i64::from(numbers[1] as i32).into(),
        Special::RawJson if text.is_empty() => Value::Object(Map::new()),
        Special::RawJson => serde_json::from_slice(text).map_err(|_| ProtobufError::Malformed)?,
    })
}

fn utf8(bytes: &[u8], message: &'static str, field: &'static str) -> Result<String, ProtobufError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| ProtobufError::NotUtf8 { message, field })
}

/// One field's payload on the wire.
#[derive(Clone, Copy)]
enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    /// A fixed-width number: no field this server reads has one.
    Fixed,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn varint(&mut self) -> Result<u64, ProtobufError> {
        let mut number = 0_u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.at).ok_or(ProtobufError::Malformed)?;
            self.at += 1;
            number |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(number);
            }
        }
        Err(ProtobufError::Malformed)
    }

    fn take(&mut self, length: usize) -> Result<&'a [u8], ProtobufError> {
        let end = self
            .at
            .checked_add(length)
            .filter(|end| *end <= self.bytes.len());
        let end = end.ok_or(ProtobufError::Malformed)?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn next_field(&mut self) -> Result<Option<(u32, Wire<'a>)>, ProtobufError> {
        if self.done() {
            return Ok(None);
        }
        let key = self.varint()?;
        let tag = u32::try_from(key >> 3).map_err(|_| ProtobufError::Malformed)?;
        let wire = match key & 7 {
            0 => Wire::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Wire::Fixed
            }
            2 => {
                let length =
                    usize::try_from(self.varint()?).map_err(|_| ProtobufError::Malformed)?;
                Wire::Bytes(self.take(length)?)
            }
            5 => {
                self.take(4)?;
                Wire::Fixed
            }
            _ => return Err(ProtobufError::Malformed),
        };
        Ok(Some((tag, wire)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// `k8s\0` + Unknown{typeMeta{v1, ConfigMap}, raw: ConfigMap{metadata{name: cm}, data{a: b}}}.
    const CONFIG_MAP: &str =
        "6b3873000a0f0a0276311209436f6e6669674d6170120e0a040a02636d12060a0161120162";

    fn bytes(hex: &str) -> Vec<u8> {
        (0..hex.len() / 2)
            .map(|at| u8::from_str_radix(&hex[at * 2..at * 2 + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn an_envelope_becomes_the_json_object_with_its_type() {
        let body = bytes(CONFIG_MAP);
        assert_eq!(
            to_json(&body).unwrap(),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"a": "b"}})
        );
    }

    #[test]
    fn broken_bodies_are_errors_that_say_what_is_wrong() {
        let whole = bytes(CONFIG_MAP);
        assert_eq!(
            to_json(b"{\"kind\": \"ConfigMap\"}"),
            Err(ProtobufError::Magic)
        );
        // Cut inside the type, and inside the last value.
        for cut in [7, whole.len() - 1] {
            assert_eq!(
                to_json(&whole[..cut]),
                Err(ProtobufError::Malformed),
                "cut at {cut}"
            );
        }
        let mut not_utf8 = whole.clone();
        let at = not_utf8.len() - 1;
        not_utf8[at] = 0xff;
        assert_eq!(
            to_json(&not_utf8),
            Err(ProtobufError::NotUtf8 {
                message: "ConfigMap",
                field: "data"
            })
        );
        let unknown = bytes("6b3873000a0c0a02763112065769646765741200");
        assert_eq!(
            to_json(&unknown).unwrap_err().to_string(),
            "Widget in v1 cannot be sent as protobuf to this server; send it as JSON"
        );
    }
}
