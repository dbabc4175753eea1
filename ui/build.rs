//! Turns the message catalogues in `assets/messages` into a typed `Msg` enum and one table per
//! language, so a missing key or a placeholder that one language lacks fails the build.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// The catalogues, in the order of `kubedesk_ipc::Language::ALL`.
const LANGUAGES: [(&str, &str); 2] = [("en", "EN"), ("zh-CN", "ZH_CN")];

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/messages");
    println!("cargo:rerun-if-changed={}", dir.display());
    let catalogues: Vec<BTreeMap<String, String>> = LANGUAGES
        .iter()
        .map(|(tag, _)| {
            let path = dir.join(format!("{tag}.toml"));
            println!("cargo:rerun-if-changed={}", path.display());
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|error| fail(&format!("cannot read {}: {error}", path.display())));
            let table: toml::Table = text.parse().unwrap_or_else(|error| {
                fail(&format!("{} is not valid TOML: {error}", path.display()))
            });
            let mut flat = BTreeMap::new();
            flatten("", &table, &path, &mut flat);
            flat
        })
        .collect();

    let (english, others) = catalogues
        .split_first()
        .unwrap_or_else(|| fail("no catalogue"));
    for ((tag, _), catalogue) in LANGUAGES.iter().skip(1).zip(others) {
        let missing: Vec<_> = english
            .keys()
            .filter(|key| !catalogue.contains_key(*key))
            .collect();
        let extra: Vec<_> = catalogue
            .keys()
            .filter(|key| !english.contains_key(*key))
            .collect();
        if !missing.is_empty() || !extra.is_empty() {
            fail(&format!(
                "{tag}.toml differs from en.toml: missing {missing:?}, not in en.toml {extra:?}"
            ));
        }
        for (key, text) in english {
            if placeholders(text) != placeholders(&catalogue[key]) {
                fail(&format!(
                    "{tag}.toml `{key}` must use the placeholders of en.toml: {:?}",
                    placeholders(text)
                ));
            }
        }
    }

    let mut out = String::from(
        "/// A message of the catalogue.\n#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum Msg {\n",
    );
    for key in english.keys() {
        let _ = writeln!(
            out,
            "    /// `{key}`: {:?}\n    {},",
            english[key],
            variant(key)
        );
    }
    out.push_str("}\n");
    for ((_, table), catalogue) in LANGUAGES.iter().zip(&catalogues) {
        let _ = writeln!(out, "static {table}: [&str; {}] = [", catalogue.len());
        for text in catalogue.values() {
            let _ = writeln!(out, "    {text:?},");
        }
        out.push_str("];\n");
    }
    out.push_str("/// Every language's table, in the order of `Language::ALL`.\nstatic TABLES: [&[&str]; 2] = [");
    for (_, table) in LANGUAGES {
        let _ = write!(out, "&{table}, ");
    }
    out.push_str("];\n");

    let target =
        Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| fail("OUT_DIR is not set")))
            .join("messages.rs");
    std::fs::write(&target, out)
        .unwrap_or_else(|error| fail(&format!("cannot write {}: {error}", target.display())));
}

fn flatten(prefix: &str, table: &toml::Table, path: &Path, flat: &mut BTreeMap<String, String>) {
    for (key, value) in table {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::String(text) => {
                flat.insert(full, text.clone());
            }
            toml::Value::Table(inner) => flatten(&full, inner, path, flat),
            _ => fail(&format!(
                "{}: `{full}` must be a string or a table",
                path.display()
            )),
        }
    }
}

fn placeholders(text: &str) -> BTreeSet<&str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

fn variant(key: &str) -> String {
    key.split(['.', '_'])
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn fail(message: &str) -> ! {
    println!("cargo:warning=message catalogue: {message}");
    eprintln!("message catalogue: {message}");
    std::process::exit(1)
}
