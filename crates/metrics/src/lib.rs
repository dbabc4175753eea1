//! Metrics for the dashboards: the native dashboard model KubeDesk keeps and draws
//! ([`dashboard`]), and the importer that turns a Grafana dashboard of any schema version in
//! common use into one, listing whatever it could not convert ([`grafana`]).

pub mod dashboard;
pub mod grafana;
