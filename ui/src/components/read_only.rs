//! How a read-only cluster (a snapshot opened, a kept cluster whose context is gone) is named
//! wherever its state is shown.

use kubedesk_ipc::ReadOnlySource;

use crate::i18n::{I18n, Msg};

/// Where a read-only cluster's state comes from, in a sentence.
pub fn source(i18n: I18n, source: &ReadOnlySource) -> String {
    match source {
        ReadOnlySource::Snapshot {
            file,
            context,
            exported_at,
        } => {
            let (time, _) = crate::format::last_seen(exported_at, 0);
            // The file by its name: its folder shows where Settings lists it.
            let name = file.rsplit('/').next().unwrap_or(file);
            i18n.tf(
                Msg::ReadOnlySnapshot,
                &[("context", context), ("time", &time), ("file", name)],
            )
        }
        ReadOnlySource::Removed { context } => {
            i18n.tf(Msg::ReadOnlyRemoved, &[("context", context)])
        }
    }
}

/// `message` (a catalogue line with `{time}`, `{age}` and `{source}`, and `extra`) as of `as_of`.
pub fn as_of(
    i18n: I18n,
    message: Msg,
    as_of: &str,
    from: &ReadOnlySource,
    extra: &[(&str, &str)],
) -> String {
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let (time, age) = crate::format::last_seen(as_of, now);
    let source = source(i18n, from);
    let mut args = vec![
        ("time", time.as_str()),
        ("age", age.as_str()),
        ("source", source.as_str()),
    ];
    args.extend_from_slice(extra);
    i18n.tf(message, &args)
}
