//! The command line: `kubedesk` opens the window; `kubedesk sim` serves the demo clusters;
//! `kubedesk gpu report` and `kubedesk gpu record` read this machine's GPUs headless;
//! `kubedesk dashboard import` converts a Grafana dashboard.

use std::path::PathBuf;

/// What the command line asks for.
#[derive(Debug)]
pub enum Invocation {
    /// Open the window.
    Window,
    /// Serve the demo clusters and write their kubeconfig.
    Sim {
        kubeconfig: PathBuf,
        options: Box<kubedesk_api::demo::SimOptions>,
    },
    /// Report on or record this machine's GPUs.
    Gpu(kubedesk_api::gpu::Command),
    /// Import a dashboard.
    Dashboard(kubedesk_api::dashboards::Command),
    /// Print the usage.
    Help,
}

pub const USAGE: &str = "\
usage:
  kubedesk                                   open the window on your kubeconfig
  kubedesk gpu report [--json] [--watch] [--trace FILE]
        this machine's GPUs through NVML (or a recorded trace): what they are, their readings and
        what is wrong with each, with what to do; --watch prints it again every second
  kubedesk gpu record FILE [--samples N] [--interval MS]
        record this machine's GPUs to a trace file (60 samples, 1000 ms apart, by default)
  kubedesk dashboard import FILE
        convert a Grafana dashboard (its exported JSON) into a KubeDesk dashboard: prints it as
        JSON, and lists on stderr whatever could not be converted
  kubedesk sim --kubeconfig FILE [--pods N] [--latency MS] [--error-rate VERB=SHARE]... [--ports P1,P2,P3] [--http] [--prometheus]
        serve the demo clusters on loopback ports, write their kubeconfig to FILE once they
        answer, run until Ctrl-C. --pods adds N pods to gpu-prod; --latency delays every request;
        --error-rate fails that share (0 to 1) of a verb's requests (get, list, watch, create,
        update, patch, delete). Faults can be changed while running: GET or PUT
        /_kubedesk/faults, POST /_kubedesk/faults/drop-watches, /expire-watches or /restart.
        Each cluster is served over TLS on a port the OS picks; --ports P1,P2,P3 gives the ports
        (gpu-prod, edge, dev) and --http serves plain HTTP instead (clients then send no tokens).
        --prometheus starts Prometheus (Debian's package) scraping gpu-prod, placed in the cluster
        where KubeSphere installs it (kubesphere-monitoring-system/prometheus-k8s).
        OpenID Connect ID tokens are accepted as kube-apiserver accepts them with
        --oidc-issuer-url URL --oidc-client-id ID [--oidc-username-claim CLAIM]
        [--oidc-username-prefix PREFIX] [--oidc-groups-claim CLAIM] [--oidc-groups-prefix PREFIX]
        [--oidc-ca-file FILE].
";

/// A command line that does not parse, with what is wrong.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Invocation, UsageError> {
    let mut args = args.into_iter();
    match args.next().as_deref() {
        None => Ok(Invocation::Window),
        Some("-h" | "--help" | "help") => Ok(Invocation::Help),
        Some("sim") => {
            let mut kubeconfig = None;
            let mut options = kubedesk_api::demo::SimOptions::default();
            let (mut issuer, mut client_id) = (None, None);
            let mut oidc = kubedesk_api::demo::OidcConfig::new("", "");
            while let Some(flag) = args.next() {
                let mut value = || {
                    args.next()
                        .ok_or_else(|| UsageError(format!("{flag} needs a value")))
                };
                match flag.as_str() {
                    "--kubeconfig" => kubeconfig = Some(PathBuf::from(value()?)),
                    "--pods" => {
                        let text = value()?;
                        options.extra_pods = text.parse().map_err(|_| {
                            UsageError(format!("--pods takes a number of pods, not {text:?}"))
                        })?;
                    }
                    "--latency" => {
                        let text = value()?;
                        options.latency_ms = text.parse().map_err(|_| {
                            UsageError(format!("--latency takes milliseconds, not {text:?}"))
                        })?;
                    }
                    "--error-rate" => {
                        let text = value()?;
                        let rate = text.split_once('=').and_then(|(verb, share)| {
                            Some((verb.to_owned(), share.parse::<f64>().ok()?))
                        });
                        options.error_rates.push(rate.ok_or_else(|| {
                            UsageError(format!(
                                "--error-rate takes VERB=SHARE such as list=0.2, not {text:?}"
                            ))
                        })?);
                    }
                    "--http" => options.plain_http = true,
                    "--prometheus" => options.prometheus = true,
                    "--ports" => {
                        let text = value()?;
                        options.ports = text
                            .split(',')
                            .map(|port| port.trim().parse::<u16>())
                            .collect::<Result<_, _>>()
                            .ok()
                            .filter(|ports: &Vec<u16>| ports.len() == 3)
                            .ok_or_else(|| {
                                UsageError(format!(
                                    "--ports takes three ports, for gpu-prod, edge and dev, such as 6443,6444,6445; not {text:?}"
                                ))
                            })?;
                    }
                    "--oidc-issuer-url" => issuer = Some(value()?),
                    "--oidc-client-id" => client_id = Some(value()?),
                    "--oidc-username-claim" => oidc.username_claim = value()?,
                    "--oidc-username-prefix" => oidc.username_prefix = Some(value()?),
                    "--oidc-groups-claim" => oidc.groups_claim = Some(value()?),
                    "--oidc-groups-prefix" => oidc.groups_prefix = Some(value()?),
                    "--oidc-ca-file" => options.oidc_ca_file = Some(PathBuf::from(value()?)),
                    other => return Err(UsageError(format!("unknown option {other:?} for sim"))),
                }
            }
            let kubeconfig = kubeconfig.ok_or_else(|| {
                UsageError(
                    "sim needs --kubeconfig FILE: where to write the demo clusters' kubeconfig"
                        .into(),
                )
            })?;
            match (issuer, client_id) {
                (Some(issuer), Some(client_id)) => {
                    oidc.issuer_url = issuer;
                    oidc.client_id = client_id;
                    options.oidc = Some(oidc);
                }
                (None, None) => {}
                _ => {
                    return Err(UsageError(
                        "--oidc-issuer-url and --oidc-client-id go together".into(),
                    ));
                }
            }
            Ok(Invocation::Sim {
                kubeconfig,
                options: Box::new(options),
            })
        }
        Some("gpu") => gpu(args).map(Invocation::Gpu),
        Some("dashboard") => match (args.next().as_deref(), args.next(), args.next()) {
            (Some("import"), Some(file), None) if !file.starts_with("--") => Ok(
                Invocation::Dashboard(kubedesk_api::dashboards::Command::Import {
                    file: PathBuf::from(file),
                }),
            ),
            (Some("import"), _, _) => Err(UsageError(
                "dashboard import takes one file: the dashboard's exported JSON".into(),
            )),
            (Some(other), _, _) => Err(UsageError(format!(
                "unknown dashboard command {other:?}; use import"
            ))),
            (None, _, _) => Err(UsageError("dashboard needs a command: import".into())),
        },
        Some(other) => Err(UsageError(format!("unknown command {other:?}"))),
    }
}

/// Reads `kubedesk gpu report …` or `kubedesk gpu record …`.
fn gpu(mut args: impl Iterator<Item = String>) -> Result<kubedesk_api::gpu::Command, UsageError> {
    let number = |flag: &str, text: Option<String>| {
        let text = text.ok_or_else(|| UsageError(format!("{flag} needs a value")))?;
        text.parse::<u64>()
            .map_err(|_| UsageError(format!("{flag} takes a whole number, not {text:?}")))
    };
    match args.next().as_deref() {
        Some("report") => {
            let (mut json, mut watch, mut trace) = (false, false, None);
            while let Some(flag) = args.next() {
                match flag.as_str() {
                    "--json" => json = true,
                    "--watch" => watch = true,
                    "--trace" => {
                        let path = args
                            .next()
                            .ok_or_else(|| UsageError("--trace needs a file".into()))?;
                        trace = Some(PathBuf::from(path));
                    }
                    other => {
                        return Err(UsageError(format!(
                            "unknown option {other:?} for gpu report"
                        )));
                    }
                }
            }
            Ok(kubedesk_api::gpu::Command::Report { trace, json, watch })
        }
        Some("record") => {
            let path = args
                .next()
                .filter(|path| !path.starts_with("--"))
                .ok_or_else(|| UsageError("gpu record needs the trace file to write".into()))?;
            let (mut samples, mut interval_ms) = (60, 1000);
            while let Some(flag) = args.next() {
                match flag.as_str() {
                    "--samples" => samples = number("--samples", args.next())?,
                    "--interval" => interval_ms = number("--interval", args.next())?,
                    other => {
                        return Err(UsageError(format!(
                            "unknown option {other:?} for gpu record"
                        )));
                    }
                }
            }
            Ok(kubedesk_api::gpu::Command::Record {
                path: PathBuf::from(path),
                samples: usize::try_from(samples).unwrap_or(usize::MAX),
                interval: std::time::Duration::from_millis(interval_ms),
            })
        }
        Some(other) => Err(UsageError(format!(
            "unknown gpu command {other:?}; use report or record"
        ))),
        None => Err(UsageError("gpu needs a command: report or record".into())),
    }
}

/// Runs `kubedesk sim` until interrupted; answers with the exit code.
pub fn sim(kubeconfig: &std::path::Path, options: &kubedesk_api::demo::SimOptions) -> i32 {
    tauri::async_runtime::block_on(async {
        match kubedesk_api::demo::serve(kubeconfig, options).await {
            Ok(clusters) => {
                for (name, url) in clusters.endpoints() {
                    println!("{name}: {url}");
                }
                println!(
                    "kubeconfig: {} (try: kubectl --kubeconfig {} get nodes)",
                    clusters.kubeconfig().display(),
                    clusters.kubeconfig().display()
                );
                kubedesk_api::demo::until_interrupted().await;
                0
            }
            Err(error) => {
                eprintln!("kubedesk sim: {error}");
                1
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &[&str]) -> Result<Invocation, UsageError> {
        parse(words.iter().map(|word| (*word).to_owned()))
    }

    #[test]
    fn sim_takes_a_kubeconfig_and_a_pod_count() {
        let Ok(Invocation::Sim {
            kubeconfig,
            options,
        }) = parse_words(&[
            "sim",
            "--kubeconfig",
            "/tmp/k",
            "--pods",
            "100000",
            "--latency",
            "50",
            "--error-rate",
            "list=0.25",
        ])
        else {
            panic!("sim parses");
        };
        assert_eq!(kubeconfig, std::path::PathBuf::from("/tmp/k"));
        assert_eq!(options.extra_pods, 100_000);
        assert_eq!(options.latency_ms, 50);
        assert_eq!(options.error_rates, [("list".to_owned(), 0.25)]);
        assert!(
            parse_words(&["sim", "--kubeconfig", "k", "--error-rate", "list"])
                .unwrap_err()
                .0
                .contains("VERB=SHARE")
        );
        assert!(matches!(parse_words(&[]), Ok(Invocation::Window)));
        let Ok(Invocation::Sim { options, .. }) = parse_words(&[
            "sim",
            "--kubeconfig",
            "k",
            "--oidc-issuer-url",
            "http://127.0.0.1:4000",
            "--oidc-client-id",
            "kubedesk",
            "--oidc-username-claim",
            "email",
            "--oidc-groups-claim",
            "groups",
        ]) else {
            panic!("sim parses the OIDC flags");
        };
        let oidc = options.oidc.unwrap();
        assert_eq!(
            (
                oidc.issuer_url.as_str(),
                oidc.client_id.as_str(),
                oidc.username_claim.as_str()
            ),
            ("http://127.0.0.1:4000", "kubedesk", "email")
        );
        assert_eq!(oidc.groups_claim.as_deref(), Some("groups"));
        let Ok(Invocation::Sim { options, .. }) = parse_words(&[
            "sim",
            "--kubeconfig",
            "k",
            "--ports",
            "6443,6444,6445",
            "--http",
        ]) else {
            panic!("sim parses ports");
        };
        assert_eq!(options.ports, [6443, 6444, 6445]);
        assert!(options.plain_http);
        assert!(
            parse_words(&["sim", "--kubeconfig", "k", "--ports", "6443"])
                .unwrap_err()
                .0
                .contains("three ports")
        );
        assert!(
            parse_words(&["sim", "--kubeconfig", "k", "--oidc-client-id", "x"])
                .unwrap_err()
                .0
                .contains("go together")
        );
    }

    #[test]
    fn bad_arguments_say_what_is_wrong() {
        assert!(
            parse_words(&["sim"])
                .unwrap_err()
                .0
                .contains("--kubeconfig")
        );
        assert!(
            parse_words(&["sim", "--kubeconfig", "k", "--pods", "many"])
                .unwrap_err()
                .0
                .contains("\"many\"")
        );
        assert!(
            parse_words(&["sim", "--kubeconfig"])
                .unwrap_err()
                .0
                .contains("needs a value")
        );
        assert!(
            parse_words(&["serve"])
                .unwrap_err()
                .0
                .contains("unknown command")
        );
    }
}
