//! The Alerts tab of Monitoring (`#/monitoring/alerts`): the cluster's Prometheus's active alerts,
//! firing first, each with its severity, summary, labels and since when; its alerting rules
//! by group, each with where it stands, its condition and whether its last evaluation failed;
//! and what the cluster's Alertmanager holds: each alert active, silenced (by whom, why, until
//! when) or inhibited (by which alert), with its receivers.

use kubedesk_ipc::{
    AlertHandling, AlertRuleView, AlertStanding, AlertView, AlertmanagerView, GetAlerts,
    ManagedAlertView,
};
use leptos::prelude::*;

use crate::i18n::{I18n, Msg, use_i18n};
use crate::state::{Loadable, Selection, for_selection};

/// A state's label and pill.
fn standing(i18n: I18n, state: AlertStanding) -> (&'static str, &'static str) {
    match state {
        AlertStanding::Firing => (i18n.t(Msg::AlertsFiring), "pill pill--danger"),
        AlertStanding::Pending => (i18n.t(Msg::AlertsPending), "pill pill--warning"),
        AlertStanding::Inactive => (i18n.t(Msg::AlertsInactive), "pill pill--quiet"),
    }
}

/// An alert's labels, folded under their count.
fn labels_view(i18n: I18n, labels: Vec<(String, String)>) -> impl IntoView {
    let count = labels.len().to_string();
    let chips = labels
        .into_iter()
        .map(|(name, value)| view! { <li class="label-chip">{format!("{name}={value}")}</li> })
        .collect_view();
    view! {
        <details class="alerts__labels">
            <summary>{i18n.tf(Msg::AlertsLabels, &[("count", &count)])}</summary>
            <ul class="label-chips">{chips}</ul>
        </details>
    }
}

fn alert_row(i18n: I18n, alert: AlertView) -> impl IntoView {
    let (label, class) = standing(i18n, alert.state);
    let labels = labels_view(i18n, alert.labels);
    let key = alert.name.clone();
    view! {
        <tr data-alert=key>
            <td><span class=class>{label}</span></td>
            <td class="alerts__alert">
                <strong>{alert.name}</strong>
                <div>{alert.summary.unwrap_or_default()}</div>
                {alert.description.map(|description| view! { <div class="help">{description}</div> })}
                {labels}
            </td>
            <td>{alert.severity.unwrap_or_default()}</td>
            <td>{alert.since.unwrap_or_default()}</td>
            <td class="is-numeric">{alert.value.unwrap_or_default()}</td>
        </tr>
    }
}

fn rule_row(i18n: I18n, rule: AlertRuleView) -> impl IntoView {
    let (label, class) = standing(i18n, rule.state);
    let health = match rule.last_error {
        Some(error) => {
            view! { <span class="field__error">{format!("{}: {error}", rule.health)}</span> }
                .into_any()
        }
        None => view! { <span>{rule.health}</span> }.into_any(),
    };
    let waits = (rule.for_seconds > 0).then(|| {
        i18n.tf(
            Msg::AlertsFor,
            &[("seconds", &rule.for_seconds.to_string())],
        )
    });
    let key = rule.name.clone();
    view! {
        <tr data-rule=key>
            <td><span class=class>{label}</span></td>
            <td><strong>{rule.name}</strong><div class="help">{rule.group}</div></td>
            <td class="alerts__query"><code>{rule.query}</code><div class="help">{waits}</div></td>
            <td class="is-numeric">{rule.active}</td>
            <td>{health}</td>
        </tr>
    }
}

/// An alert Alertmanager holds: where it stands, and what holds it back.
fn managed_row(i18n: I18n, alert: ManagedAlertView) -> impl IntoView {
    let (label, class) = match alert.handling {
        AlertHandling::Active => (i18n.t(Msg::AlertsHandlingActive), "pill pill--danger"),
        AlertHandling::Silenced => (i18n.t(Msg::AlertsHandlingSilenced), "pill pill--quiet"),
        AlertHandling::Inhibited => (i18n.t(Msg::AlertsHandlingInhibited), "pill pill--quiet"),
        AlertHandling::Unprocessed => {
            (i18n.t(Msg::AlertsHandlingUnprocessed), "pill pill--warning")
        }
    };
    let held = alert
        .silences
        .iter()
        .map(|silence| {
            i18n.tf(
                Msg::AlertsSilencedBy,
                &[
                    ("who", &silence.created_by),
                    ("until", &silence.ends_at),
                    ("comment", &silence.comment),
                    ("matchers", &silence.matchers.join(", ")),
                ],
            )
        })
        .chain(
            alert
                .inhibited_by
                .iter()
                .map(|by| i18n.tf(Msg::AlertsInhibitedBy, &[("alert", by)])),
        )
        .map(|line| view! { <div>{line}</div> })
        .collect_view();
    let labels = labels_view(i18n, alert.labels);
    let key = alert.name.clone();
    view! {
        <tr data-managed=key>
            <td><span class=class>{label}</span></td>
            <td class="alerts__alert">
                <strong>{alert.name}</strong>
                <div>{alert.summary.unwrap_or_default()}</div>
                {labels}
            </td>
            <td>{alert.severity.unwrap_or_default()}</td>
            <td>{alert.receivers.join(", ")}</td>
            <td class="alerts__held">{held}</td>
            <td>{alert.since}</td>
        </tr>
    }
}

/// The Alertmanager section: where it is and the alerts it holds, or why there is none.
fn alertmanager_section(i18n: I18n, alertmanager: AlertmanagerView) -> impl IntoView {
    let body = match alertmanager {
        AlertmanagerView::Found {
            place,
            version,
            alerts,
        } => {
            let line = i18n.tf(
                Msg::AlertsAlertmanagerFound,
                &[
                    ("version", &version),
                    ("place", &place),
                    ("count", &alerts.len().to_string()),
                ],
            );
            let table = (!alerts.is_empty()).then(|| {
                view! {
                    <div class="card card--table">
                        <table class="table" id="alertmanager-alerts">
                            <thead><tr>
                                <th>{i18n.t(Msg::AlertsState)}</th>
                                <th>{i18n.t(Msg::AlertsName)}</th>
                                <th>{i18n.t(Msg::AlertsSeverity)}</th>
                                <th>{i18n.t(Msg::AlertsReceivers)}</th>
                                <th>{i18n.t(Msg::AlertsHeldBy)}</th>
                                <th>{i18n.t(Msg::AlertsSince)}</th>
                            </tr></thead>
                            <tbody>{alerts.into_iter().map(|alert| managed_row(i18n, alert)).collect_view()}</tbody>
                        </table>
                    </div>
                }
            });
            view! {
                <p class="banner banner--info" role="status" id="alertmanager-state">{line}</p>
                {table}
            }
            .into_any()
        }
        AlertmanagerView::NotFound { reason } => {
            view! { <p class="banner banner--warning" role="status" id="alertmanager-state">{reason}</p> }
                .into_any()
        }
        AlertmanagerView::Unknown => ().into_any(),
    };
    view! {
        <h2 class="section__title">{i18n.t(Msg::AlertsAlertmanager)}</h2>
        {body}
    }
}

/// The tab.
#[component]
pub fn AlertsTab() -> impl IntoView {
    let i18n = use_i18n();
    let selection: Selection = expect_context();
    let reload = RwSignal::new(0_u32);
    let alerts = for_selection(selection, move |context, _| {
        reload.track();
        GetAlerts { context }
    });
    let body = move || {
        match alerts.get() {
        Loadable::Loading => {
            view! { <div class="card card--loading">{i18n.t(Msg::AppLoading)}</div> }.into_any()
        }
        Loadable::Failed(error) => {
            view! { <div class="banner banner--error" role="alert" id="alerts-error">{error.to_string()}</div> }
                .into_any()
        }
        Loadable::Ready(answer) => {
            let firing = answer
                .alerts
                .iter()
                .filter(|alert| alert.state == AlertStanding::Firing)
                .count();
            let pending = answer.alerts.len() - firing;
            let summary = i18n.tf(
                Msg::AlertsSummary,
                &[
                    ("firing", &firing.to_string()),
                    ("pending", &pending.to_string()),
                    ("rules", &answer.rules.len().to_string()),
                    ("place", &answer.place),
                ],
            );
            let active = if answer.alerts.is_empty() {
                view! { <p class="help" id="alerts-none">{i18n.t(Msg::AlertsNone)}</p> }.into_any()
            } else {
                view! {
                    <div class="card card--table">
                        <table class="table" id="alerts">
                            <thead><tr>
                                <th>{i18n.t(Msg::AlertsState)}</th>
                                <th>{i18n.t(Msg::AlertsName)}</th>
                                <th>{i18n.t(Msg::AlertsSeverity)}</th>
                                <th>{i18n.t(Msg::AlertsSince)}</th>
                                <th>{i18n.t(Msg::AlertsValue)}</th>
                            </tr></thead>
                            <tbody>{answer.alerts.into_iter().map(|alert| alert_row(i18n, alert)).collect_view()}</tbody>
                        </table>
                    </div>
                }
                .into_any()
            };
            view! {
                <p class="banner banner--info" role="status" id="alerts-summary">{summary}</p>
                <h2 class="section__title">{i18n.t(Msg::AlertsActive)}</h2>
                {active}
                <h2 class="section__title">{i18n.t(Msg::AlertsRules)}</h2>
                <div class="card card--table">
                    <table class="table" id="alert-rules">
                        <thead><tr>
                            <th>{i18n.t(Msg::AlertsState)}</th>
                            <th>{i18n.t(Msg::AlertsName)}</th>
                            <th>{i18n.t(Msg::AlertsCondition)}</th>
                            <th>{i18n.t(Msg::AlertsActiveCount)}</th>
                            <th>{i18n.t(Msg::AlertsHealth)}</th>
                        </tr></thead>
                        <tbody>{answer.rules.into_iter().map(|rule| rule_row(i18n, rule)).collect_view()}</tbody>
                    </table>
                </div>
                {alertmanager_section(i18n, answer.alertmanager)}
            }
            .into_any()
        }
    }
    };
    view! {
        <div class="alerts-tab">
            <button type="button" class="button" id="alerts-refresh" on:click=move |_| reload.update(|count| *count += 1)>
                {move || i18n.t(Msg::MonitoringRefresh)}
            </button>
            {body}
        </div>
    }
}
