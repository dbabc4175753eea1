//! Query strings as the three clients send them: a leading `&`, repeated keys, percent-encoding,
//! and Go's boolean spellings.

/// The parsed query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Parses `?&watch=true&labelSelector=app%3Dweb`.
    pub fn parse(query: &str) -> Self {
        Self(
            query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(key), decode(value))
                })
                .collect(),
        )
    }

    /// The first value of a key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    /// A boolean parameter, read like Go's `strconv.ParseBool`; absent or unreadable is false.
    pub fn flag(&self, key: &str) -> bool {
        matches!(
            self.get(key),
            Some("1" | "t" | "T" | "TRUE" | "true" | "True")
        )
    }
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' if index + 2 < bytes.len() => {
                match text
                    .get(index + 1..index + 3)
                    .map(|hex| u8::from_str_radix(hex, 16))
                {
                    Some(Ok(byte)) => {
                        out.push(byte);
                        index += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kube_rs_python_and_kubectl_queries_all_parse() {
        let query = Query::parse(
            "&watch=True&labelSelector=app%3Dweb&fieldSelector=metadata.name%3Dweb-1&timeout=32s",
        );
        assert!(query.flag("watch"));
        assert_eq!(query.get("labelSelector"), Some("app=web"));
        assert_eq!(query.get("fieldSelector"), Some("metadata.name=web-1"));
        assert!(!Query::parse("watch=false").flag("watch"));
        assert!(Query::parse("watch=1").flag("watch"));
        assert_eq!(Query::parse("a=%zz").get("a"), Some("%zz"));
        assert_eq!(Query::parse("a=50%").get("a"), Some("50%"));
    }
}
