//! What a panel writes: each series' name in the legend from the query's `legendFormat`
//! (`GPU {{gpu}}`), as Grafana's Prometheus data source names it. Values in the panel's unit
//! are written by `kubedesk_ipc::units`, which the UI draws with.

use std::collections::BTreeMap;

/// The name of a series with `labels` in the legend: `legend` with each `{{label}}` replaced by
/// the label's value (empty when the series has no such label); without a legend (or with
/// Grafana's `__auto`), the series as PromQL writes it: `name{label="value", …}`.
pub fn legend(legend: Option<&str>, labels: &BTreeMap<String, String>) -> String {
    match legend.filter(|legend| !legend.is_empty() && *legend != "__auto") {
        Some(template) => {
            let mut out = String::with_capacity(template.len());
            let mut rest = template;
            while let Some(start) = rest.find("{{") {
                let Some(length) = rest[start + 2..].find("}}") else {
                    break;
                };
                out.push_str(&rest[..start]);
                let name = rest[start + 2..start + 2 + length].trim();
                out.push_str(labels.get(name).map_or("", String::as_str));
                rest = &rest[start + 2 + length + 2..];
            }
            out.push_str(rest);
            out
        }
        None => {
            let name = labels.get("__name__").map_or("", String::as_str);
            let pairs: Vec<String> = labels
                .iter()
                .filter(|(label, _)| *label != "__name__")
                .map(|(label, value)| format!("{label}=\"{value}\""))
                .collect();
            if pairs.is_empty() && !name.is_empty() {
                name.to_owned()
            } else {
                format!("{name}{{{}}}", pairs.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn legends_fill_in_labels_as_grafana_does() {
        let gpu = labels(&[
            ("__name__", "DCGM_FI_DEV_GPU_TEMP"),
            ("gpu", "3"),
            ("instance", "n1:9400"),
        ]);
        assert_eq!(legend(Some("GPU {{gpu}}"), &gpu), "GPU 3");
        assert_eq!(
            legend(Some("{{ instance }} / {{gpu}}"), &gpu),
            "n1:9400 / 3"
        );
        assert_eq!(legend(Some("{{missing}}!"), &gpu), "!");
        assert_eq!(legend(Some("open {{gpu"), &gpu), "open {{gpu");
        assert_eq!(
            legend(None, &gpu),
            "DCGM_FI_DEV_GPU_TEMP{gpu=\"3\", instance=\"n1:9400\"}"
        );
        assert_eq!(legend(Some("__auto"), &labels(&[("__name__", "up")])), "up");
        assert_eq!(legend(None, &labels(&[])), "{}");
    }
}
