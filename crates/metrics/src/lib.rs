//! Metrics for the dashboards: the native dashboard model KubeDesk keeps and draws
//! ([`dashboard`]); the importer that turns a Grafana dashboard of any schema version in common
//! use into one, listing whatever it could not convert ([`grafana`]); and what runs a dashboard's
//! queries: the Prometheus client ([`prometheus`]), the variables given values as the dashboard
//! opens ([`variables`]) and the queries expanded with them and Grafana's macros ([`promql`]); and
//! what a panel writes: series named from legend formats, values in Grafana's units ([`format`]).
//! The alerts Alertmanager holds come from its own client ([`alertmanager`]).

pub mod alertmanager;
pub mod dashboard;
pub mod format;
pub mod grafana;
pub mod prometheus;
pub mod promql;
pub mod run;
pub mod templates;
pub mod time;
pub mod variables;
