//! Health checks, the report and traces, on recorded traces: a healthy A100 and a GeForce, then
//! each fault; damaged trace files; and NVML as this machine has it (CI has no NVIDIA driver, so
//! the missing-library path runs for real there).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails with the message and location of what it unwrapped"
)]

use std::path::{Path, PathBuf};

use kubedesk_gpu::health::{self, Check, Severity};
use kubedesk_gpu::nvml::{NvmlSource, Unavailable};
use kubedesk_gpu::report::{self, Report};
use kubedesk_gpu::trace::{Recorder, TraceError, TraceSource};
use kubedesk_gpu::{
    ComputeMode, Device, GpuSource, Lost, Missing, NvLink, RemappedRows, Sample, Sampled, System,
    Throttle,
};

/// A source that says what the test scripts, to be recorded as a trace.
struct Scripted {
    system: System,
    devices: Vec<Device>,
    samples: std::vec::IntoIter<Vec<Sampled>>,
}

impl GpuSource for Scripted {
    fn system(&self) -> &System {
        &self.system
    }
    fn devices(&self) -> &[Device] {
        &self.devices
    }
    fn sample(&mut self) -> Option<Vec<Sampled>> {
        self.samples.next()
    }
}

fn system() -> System {
    System {
        driver_version: Ok("550.54.15".into()),
        nvml_version: Ok("12.550.54.15".into()),
        cuda_driver_version: Ok(12040),
        kubernetes_node: false,
        cuda_toolkit: None,
    }
}

/// A container of pod 2c1f…, as the kubelet's systemd cgroup driver names it under cgroup v2.
const POD_CGROUP: &str = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod2c1f6f7e_4b1a_4c55_9a3e_0f3c2d1b9a77.slice/cri-containerd-4f9d1c2b7a6e5d4c3b2a19081726354453627180a9b8c7d6e5f4a3b2c1d0e9f8.scope";

fn a100(index: u32) -> Device {
    Device {
        index,
        name: Ok("NVIDIA A100-SXM4-80GB".into()),
        uuid: Ok(format!("GPU-0000000{index}-a100")),
        pci_bus_id: Ok(format!("00000000:0{index}:00.0")),
        memory_total_bytes: Ok(80 * 1024 * 1024 * 1024),
        slowdown_celsius: Ok(87),
        shutdown_celsius: Ok(92),
        power_limit_milliwatts: Ok(400_000),
        max_sm_clock_mhz: Ok(1410),
        max_memory_clock_mhz: Ok(1593),
        max_graphics_clock_mhz: Ok(1410),
        default_power_limit_milliwatts: Ok(400_000),
        max_pcie_generation: Ok(4),
        max_pcie_width: Ok(16),
        persistence: Ok(true),
        mig: Ok(false),
        compute_mode: Ok(ComputeMode::Default),
    }
}

fn busy(at_ms: i64) -> Sample {
    Sample {
        at_ms,
        gpu_percent: Ok(97),
        memory_percent: Ok(60),
        encoder_percent: Ok(0),
        decoder_percent: Ok(0),
        memory_used_bytes: Ok(40 * 1024 * 1024 * 1024),
        memory_free_bytes: Ok(39 * 1024 * 1024 * 1024 + 512 * 1024 * 1024),
        memory_reserved_bytes: Ok(512 * 1024 * 1024),
        temperature_celsius: Ok(64),
        power_milliwatts: Ok(310_000),
        energy_millijoules: Ok(3_600_000_000),
        sm_clock_mhz: Ok(1410),
        memory_clock_mhz: Ok(1593),
        graphics_clock_mhz: Ok(1410),
        pstate: Ok(0),
        fans_percent: Err(Missing::NotSupported),
        throttle: Ok(Vec::new()),
        ecc_uncorrected_volatile: Ok(0),
        ecc_corrected_volatile: Ok(0),
        ecc_uncorrected_aggregate: Ok(0),
        pages_pending_retirement: Ok(false),
        remapped_rows: Ok(RemappedRows {
            correctable: 0,
            uncorrectable: 0,
            pending: false,
            failed: false,
        }),
        pcie_generation: Ok(4),
        pcie_width: Ok(16),
        pcie_tx_kilobytes_per_second: Ok(12_000),
        pcie_rx_kilobytes_per_second: Ok(48_000),
        pcie_replays: Ok(0),
        nvlinks: Ok((0..12).map(link).collect()),
        mig_instances: Ok(Vec::new()),
        processes: Ok(vec![kubedesk_gpu::Process {
            pid: 4242,
            used_bytes: Some(39 * 1024 * 1024 * 1024),
            cgroup: Some(POD_CGROUP.to_owned()),
            pod: Some("gpu-jobs/train-7f9c".to_owned()),
            cuda_version: Some("12.4.1".to_owned()),
        }]),
        xids: Vec::new(),
    }
}

/// NVLink link `number`, up, without errors.
fn link(number: u32) -> NvLink {
    NvLink {
        link: number,
        active: true,
        replay_errors: Ok(0),
        recovery_errors: Ok(0),
        crc_errors: Ok(0),
    }
}

/// Records `samples` of `devices` to a trace file and replays it into a report.
fn replayed(dir: &Path, devices: Vec<Device>, samples: Vec<Vec<Sampled>>) -> Report {
    let path = dir.join(format!(
        "trace-{}.jsonl",
        samples.len() * 1000 + devices.len()
    ));
    let _ = std::fs::remove_file(&path);
    let mut source = Scripted {
        system: system(),
        devices,
        samples: samples.into_iter(),
    };
    let mut recorder = Recorder::create(&path, &source).unwrap();
    while let Some(sample) = source.sample() {
        recorder.record(&sample).unwrap();
    }
    drop(recorder);
    let mut trace = TraceSource::open(&path).unwrap();
    report::collect(&mut trace, None)
}

/// The checks found on GPU 0 after one sample changed by `fault`.
fn found(device: Device, fault: impl FnOnce(&mut Sample)) -> Vec<(Check, Severity, String)> {
    let dir = tempfile::tempdir().unwrap();
    let mut sample = busy(2);
    fault(&mut sample);
    let report = replayed(
        dir.path(),
        vec![device],
        vec![vec![Ok(busy(1))], vec![Ok(sample)]],
    );
    report.gpus[0]
        .findings
        .iter()
        .map(|finding| (finding.check, finding.severity, finding.summary.clone()))
        .collect()
}

#[test]
fn a_healthy_gpu_has_no_finding_and_its_report_reads_as_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let report = replayed(dir.path(), vec![a100(0)], vec![vec![Ok(busy(1))]]);
    assert!(report.gpus[0].findings.is_empty(), "{report:?}");
    let text = report.text();
    for expected in [
        "Driver 550.54.15 · CUDA 12.4 · NVML 12.550.54.15",
        "GPU 0  NVIDIA A100-SXM4-80GB  GPU-00000000-a100  00000000:00:00.0",
        "  Utilisation               97 %\n",
        "  Encoder / decoder         0 % / 0 %\n",
        "  Memory used               40.0 GiB  (of 80.0 GiB)\n",
        "  Memory free / reserved    39.5 GiB / 0.5 GiB\n",
        "  Temperature               64 °C  (slowdown 87 °C, shutdown 92 °C)\n",
        "  Power                     310 W  (limit 400 W, default 400 W)\n",
        "  Energy since driver load  1.000 kWh\n",
        "  SM clock                  1410 MHz  (max 1410 MHz)\n",
        "  Memory clock              1593 MHz  (max 1593 MHz)\n",
        "  Performance state         P0\n",
        "  Clocks held by            none\n",
        "  Fans                      n/a (not supported by this GPU)\n",
        "  PCIe link                 gen 4 x16  (max gen 4 x16)\n",
        "  PCIe TX / RX              12.0 MB/s / 48.0 MB/s  (0 replays)\n",
        "  ECC errors, uncorrectable 0  (0 over its life; corrected 0)\n",
        "  Remapped rows             0 correctable, 0 uncorrectable  (none pending)\n",
        "  NVLink                    12 of 12 links up\n",
        "  Persistence mode          on\n",
        "  Compute mode              default\n",
        "  MIG                       off\n",
        "processes: 4242 (39.0 GiB, pod gpu-jobs/train-7f9c)",
        "healthy: no problem found",
    ] {
        assert!(text.contains(expected), "{expected:?} is not in:\n{text}");
    }
    let json: serde_json::Value = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["gpus"][0]["device"]["name"]["Ok"],
        "NVIDIA A100-SXM4-80GB"
    );
    assert_eq!(json["gpus"][0]["sample"]["temperature_celsius"]["Ok"], 64);
    assert_eq!(json["gpus"][0]["findings"], serde_json::json!([]));
}

#[test]
fn each_fault_is_found_with_what_to_do() {
    let near = found(a100(0), |sample| sample.temperature_celsius = Ok(83));
    assert_eq!(near[0].0, Check::Temperature);
    assert_eq!(near[0].1, Severity::Warning);
    assert!(
        near[0]
            .2
            .contains("83 °C, near its slowdown temperature of 87 °C"),
        "{near:?}"
    );
    let past = found(a100(0), |sample| sample.temperature_celsius = Ok(88));
    assert_eq!(
        (past[0].0, past[0].1),
        (Check::Temperature, Severity::Critical)
    );

    let capped = found(a100(0), |sample| {
        sample.throttle = Ok(vec![Throttle::SwPowerCap]);
        sample.power_milliwatts = Ok(399_000);
    });
    assert_eq!(capped[0].0, Check::PowerCapped);
    assert!(capped[0].2.contains("drawing 399 W of 400 W"), "{capped:?}");

    let slowed = found(a100(0), |sample| {
        sample.throttle = Ok(vec![Throttle::HwThermalSlowdown]);
    });
    assert_eq!(
        (slowed[0].0, slowed[0].1),
        (Check::Slowdown, Severity::Critical)
    );
    assert!(slowed[0].2.contains("hardware thermal slowdown"));
    let driver = found(a100(0), |sample| {
        sample.throttle = Ok(vec![Throttle::SwThermalSlowdown]);
    });
    assert_eq!(
        (driver[0].0, driver[0].1),
        (Check::Slowdown, Severity::Warning)
    );

    let ecc = found(a100(0), |sample| sample.ecc_uncorrected_volatile = Ok(3));
    assert_eq!(
        (ecc[0].0, ecc[0].1),
        (Check::UncorrectableEcc, Severity::Critical)
    );
    assert!(ecc[0].2.contains("3 uncorrectable ECC error(s)"));
    // A board without ECC reports none, and nothing is found.
    assert!(
        found(a100(0), |sample| sample.ecc_uncorrected_volatile =
            Err(Missing::NotSupported))
        .is_empty()
    );

    let pages = found(a100(0), |sample| sample.pages_pending_retirement = Ok(true));
    assert_eq!(pages[0].0, Check::PageRetirement);

    let link = found(a100(0), |sample| {
        sample.pcie_generation = Ok(3);
        sample.pcie_width = Ok(8);
    });
    assert_eq!(link[0].0, Check::PcieLink);
    assert!(
        link[0].2.contains("generation 3 of 4, x8 of x16"),
        "{link:?}"
    );
    // An idle link steps down to save power: nothing to say.
    assert!(
        found(a100(0), |sample| {
            sample.gpu_percent = Ok(0);
            sample.throttle = Ok(vec![Throttle::Idle]);
            sample.pcie_generation = Ok(1);
        })
        .is_empty()
    );

    let mut off = a100(0);
    off.persistence = Ok(false);
    let persistence = found(off, |_| {});
    assert_eq!(
        (persistence[0].0, persistence[0].1),
        (Check::Persistence, Severity::Notice)
    );
    let mut geforce = a100(0);
    geforce.name = Ok("NVIDIA GeForce RTX 4090".into());
    geforce.persistence = Ok(false);
    assert!(
        found(geforce, |_| {}).is_empty(),
        "a desktop GPU without persistence is fine"
    );

    let remap_failed = found(a100(0), |sample| {
        sample.remapped_rows = Ok(RemappedRows {
            correctable: 3,
            uncorrectable: 512,
            pending: false,
            failed: true,
        });
    });
    assert_eq!(
        (remap_failed[0].0, remap_failed[0].1),
        (Check::RowRemap, Severity::Critical)
    );
    assert!(
        remap_failed[0]
            .2
            .contains("no spare row was left (512 rows remapped after uncorrectable errors, 3 after correctable ones)"),
        "{remap_failed:?}"
    );
    let remap_pending = found(a100(0), |sample| {
        sample.remapped_rows = Ok(RemappedRows {
            correctable: 0,
            uncorrectable: 1,
            pending: true,
            failed: false,
        });
    });
    assert_eq!(
        (remap_pending[0].0, remap_pending[0].1),
        (Check::RowRemap, Severity::Warning)
    );

    let link_down = found(a100(0), |sample| {
        let links = sample.nvlinks.as_mut().unwrap();
        links[3].active = false;
        links[7].active = false;
    });
    assert_eq!(
        (link_down[0].0, link_down[0].1),
        (Check::Nvlink, Severity::Warning)
    );
    assert!(
        link_down[0].2.contains("link(s) 3, 7 are down"),
        "{link_down:?}"
    );
    // A GPU without NVLink, or whose links are all down (no bridge fitted), has nothing to say.
    assert!(found(a100(0), |sample| sample.nvlinks = Ok(Vec::new())).is_empty());
    let link_errors = found(a100(0), |sample| {
        let links = sample.nvlinks.as_mut().unwrap();
        links[0].crc_errors = Ok(40);
        links[1].replay_errors = Ok(2);
    });
    assert_eq!(
        (link_errors[0].0, link_errors[0].1),
        (Check::Nvlink, Severity::Notice)
    );
    assert!(
        link_errors[0]
            .2
            .contains("0 recoveries and 42 CRC or replay errors")
    );
    let recovered = found(a100(0), |sample| {
        sample.nvlinks.as_mut().unwrap()[5].recovery_errors = Ok(1);
    });
    assert_eq!(recovered[0].1, Severity::Warning);

    // Worst first.
    let several = found(a100(0), |sample| {
        sample.throttle = Ok(vec![Throttle::SwPowerCap]);
        sample.ecc_uncorrected_volatile = Ok(1);
    });
    assert_eq!(several[0].0, Check::UncorrectableEcc);
    assert_eq!(several[1].0, Check::PowerCapped);
}

#[test]
fn a_cuda_version_newer_than_the_driver_supports_is_found() {
    // The driver supports CUDA 12.4 (`system()`); a container built on CUDA 13.0 cannot run.
    let major = found(a100(0), |sample| {
        sample.processes.as_mut().unwrap()[0].cuda_version = Some("13.0.1".into());
    });
    assert_eq!(
        (major[0].0, major[0].1),
        (Check::CudaDriver, Severity::Critical)
    );
    assert_eq!(
        major[0].2,
        "Process 4242 uses CUDA 13.0.1, but driver 550.54.15 supports CUDA up to 12.4: it fails with \"CUDA driver version is insufficient\""
    );
    // A newer minor version runs, with what it cannot do said.
    let minor = found(a100(0), |sample| {
        sample.processes.as_mut().unwrap()[0].cuda_version = Some("12.6.2".into());
    });
    assert_eq!(
        (minor[0].0, minor[0].1),
        (Check::CudaDriver, Severity::Notice)
    );
    assert!(
        minor[0].2.contains("minor version compatibility"),
        "{minor:?}"
    );
    // The same or an older version: nothing to say.
    assert!(
        found(a100(0), |sample| {
            sample.processes.as_mut().unwrap()[0].cuda_version = Some("11.8.0".into());
        })
        .is_empty()
    );

    // The toolkit installed on the machine is checked too, once (with GPU 0).
    let toolkit = System {
        cuda_toolkit: Some("13.0.48".into()),
        ..system()
    };
    let findings = health::check(&toolkit, &a100(0), &busy(1));
    assert_eq!(findings[0].check, Check::CudaDriver);
    assert_eq!(findings[0].values["toolkit"], "/usr/local/cuda");
    assert_eq!(findings[0].values["minimum"], "580.65.06");
    assert!(
        findings[0]
            .action
            .starts_with("Install a newer NVIDIA driver (580.65.06 or later)"),
        "{findings:?}"
    );
    assert!(health::check(&toolkit, &a100(1), &busy(1)).is_empty());
}

#[test]
fn a_trace_recorded_before_a_reading_existed_replays_with_it_missing() {
    // The first fixture was recorded before KubeDesk read clocks other than SM's, energy, fans,
    // NVLink and the rest: they read as missing, the readings it has as before.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/two-a100s-warming.jsonl");
    let mut trace = TraceSource::open(&path).unwrap();
    let report = report::collect(&mut trace, None);
    let sample = report.gpus[0].sample.as_ref().unwrap();
    assert_eq!(sample.temperature_celsius, Ok(82));
    assert_eq!(sample.memory_clock_mhz, Err(Missing::NotRecorded));
    assert_eq!(sample.nvlinks, Err(Missing::NotRecorded));
    assert_eq!(
        report.gpus[0].device.compute_mode,
        Err(Missing::NotRecorded)
    );
    assert!(
        report.text().contains(
            "  Memory clock              n/a (not in this trace)  (n/a (not in this trace))\n"
        ),
        "{}",
        report.text()
    );
}

#[test]
fn xid_errors_seen_anywhere_in_a_trace_are_classified() {
    let dir = tempfile::tempdir().unwrap();
    let mut application = busy(2);
    application.xids = vec![13];
    let mut hardware = busy(3);
    hardware.xids = vec![79];
    let mut unknown = busy(4);
    unknown.xids = vec![999];
    let report = replayed(
        dir.path(),
        vec![a100(0)],
        vec![
            vec![Ok(busy(1))],
            vec![Ok(application)],
            vec![Ok(hardware)],
            vec![Ok(unknown)],
            vec![Ok(busy(5))],
        ],
    );
    let xids: Vec<(Severity, &str)> = report.gpus[0]
        .findings
        .iter()
        .filter(|finding| finding.check == Check::Xid)
        .map(|finding| (finding.severity, finding.summary.as_str()))
        .collect();
    assert_eq!(
        xids,
        [
            (
                Severity::Critical,
                "GPU 0 reported Xid 79: a fault of the GPU, its memory or its link"
            ),
            (
                Severity::Warning,
                "GPU 0 reported Xid 13: an application fault (a bad memory access or an exception in a kernel)"
            ),
            (Severity::Warning, "GPU 0 reported Xid 999: a driver event"),
        ]
    );
}

#[test]
fn a_gpu_lost_between_samples_is_reported_while_the_others_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let report = replayed(
        dir.path(),
        vec![a100(0), a100(1)],
        vec![
            vec![Ok(busy(1)), Ok(busy(1))],
            vec![
                Ok(busy(2)),
                Err(Lost(
                    "the GPU has fallen off the bus (GPU lost, Xid 79)".into(),
                )),
            ],
        ],
    );
    assert!(report.gpus[0].findings.is_empty());
    assert_eq!(report.gpus[0].sample.as_ref().unwrap().at_ms, 2);
    assert_eq!(report.gpus[1].sample, None);
    assert_eq!(report.gpus[1].findings[0].check, Check::Lost);
    let text = report.text();
    assert!(
        text.contains("CRITICAL: GPU 1 could not be read: the GPU has fallen off the bus"),
        "{text}"
    );
    // A reading the driver does not give is said for that reading only.
    let mut partial = busy(1);
    partial.power_milliwatts = Err(Missing::NoPermission);
    let report = replayed(dir.path(), vec![a100(0)], vec![vec![Ok(partial)]]);
    assert!(
        report
            .text()
            .contains("  Power                     n/a (needs more privileges)  (limit 400 W, default 400 W)\n"),
        "{}",
        report.text()
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn damaged_foreign_newer_and_cut_short_traces_are_said_plainly() {
    let dir = tempfile::tempdir().unwrap();
    let report = replayed(
        dir.path(),
        vec![a100(0)],
        vec![vec![Ok(busy(1))], vec![Ok(busy(2))]],
    );
    assert_eq!(report.gpus.len(), 1);
    let whole = std::fs::read_to_string(dir.path().join("trace-2001.jsonl")).unwrap();

    // Cut short mid-line (a recording killed): what came before replays.
    let cut = write(dir.path(), "cut.jsonl", &whole[..whole.len() - 40]);
    let mut trace = TraceSource::open(&cut).unwrap();
    assert_eq!(trace.cut_short_at(), Some(3));
    let report = report::collect(&mut trace, None);
    assert_eq!(report.gpus[0].sample.as_ref().unwrap().at_ms, 1);

    let refused = |path: &PathBuf| TraceSource::open(path).unwrap_err();
    let empty = refused(&write(dir.path(), "empty.jsonl", ""));
    assert!(matches!(empty, TraceError::Empty { .. }), "{empty}");
    let foreign = write(dir.path(), "foreign.jsonl", "{\"hello\": 1}\n");
    let error = refused(&foreign);
    assert_eq!(
        error.to_string(),
        format!(
            "{} is not a KubeDesk GPU trace (its first line is not a trace header); record one with `kubedesk gpu record FILE`",
            foreign.display()
        )
    );
    let newer = write(
        dir.path(),
        "newer.jsonl",
        &whole.replacen("\"kubedesk_gpu_trace\":1", "\"kubedesk_gpu_trace\":7", 1),
    );
    assert!(matches!(
        refused(&newer),
        TraceError::Newer { found: 7, .. }
    ));
    let mut lines: Vec<&str> = whole.lines().collect();
    lines[1] = "{\"samples\": [oops]}";
    let damaged = write(dir.path(), "damaged.jsonl", &(lines.join("\n") + "\n"));
    let error = refused(&damaged);
    assert!(
        matches!(error, TraceError::Damaged { line: 2, .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("damaged.jsonl is damaged at line 2")
    );
    let missing = refused(&dir.path().join("nowhere.jsonl"));
    assert!(matches!(missing, TraceError::Io { .. }));
}

#[test]
fn nvml_opens_or_says_plainly_why_not() {
    match NvmlSource::open() {
        // A machine with an NVIDIA driver: its GPUs are read.
        Ok(mut source) => {
            assert!(!source.devices().is_empty());
            let report = report::collect(&mut source, Some(1));
            assert!(report.gpus[0].sample.is_some(), "{report:?}");
        }
        // CI and this workstation: no libnvidia-ml.so.1, said with what to do.
        Err(Unavailable::LibraryMissing(detail)) => {
            assert!(detail.contains("libnvidia-ml.so.1"), "{detail}");
            let message = Unavailable::LibraryMissing(detail).to_string();
            assert!(message.starts_with("the NVIDIA driver's NVML library is not installed here"));
            assert!(message.contains("install the NVIDIA driver"));
        }
        Err(other) => panic!("NVML is neither usable nor missing: {other}"),
    }
}

#[test]
fn a_process_is_placed_in_its_pod_or_container_from_its_cgroup() {
    use kubedesk_gpu::{Owner, owner};
    let pod = "2c1f6f7e-4b1a-4c55-9a3e-0f3c2d1b9a77";
    let container = "4f9d1c2b7a6e5d4c3b2a19081726354453627180a9b8c7d6e5f4a3b2c1d0e9f8";
    assert_eq!(
        owner(POD_CGROUP),
        Owner::Pod {
            uid: pod.into(),
            container: Some(container.into())
        }
    );
    // The cgroupfs driver, cgroup v1.
    assert_eq!(
        owner(&format!("/kubepods/besteffort/pod{pod}/{container}")),
        Owner::Pod {
            uid: pod.into(),
            container: Some(container.into())
        }
    );
    // A guaranteed pod's own cgroup (no container in it).
    assert_eq!(
        owner(&format!(
            "/kubepods.slice/kubepods-pod{}.slice",
            pod.replace('-', "_")
        )),
        Owner::Pod {
            uid: pod.into(),
            container: None
        }
    );
    assert_eq!(
        owner(&format!("/system.slice/docker-{container}.scope")),
        Owner::Container {
            id: container.into()
        }
    );
    assert_eq!(
        owner(&format!("/docker/{container}")),
        Owner::Container {
            id: container.into()
        }
    );
    assert_eq!(
        owner("/user.slice/user-1000.slice/session-2.scope"),
        Owner::Host
    );
    assert_eq!(owner("/"), Owner::Host);
}

#[test]
fn on_a_node_gpu_memory_held_outside_pods_is_found() {
    let node = System {
        kubernetes_node: true,
        ..system()
    };
    let mut sample = busy(1);
    sample.processes = Ok(vec![
        kubedesk_gpu::Process {
            pid: 4242,
            used_bytes: Some(39 * 1024 * 1024 * 1024),
            cgroup: Some(POD_CGROUP.to_owned()),
            pod: None,
            cuda_version: None,
        },
        kubedesk_gpu::Process {
            pid: 777,
            used_bytes: Some(2 * 1024 * 1024 * 1024),
            cgroup: Some("/user.slice/user-1000.slice/session-2.scope".to_owned()),
            pod: None,
            cuda_version: None,
        },
        // Whose cgroup could not be read: nothing is said of it.
        kubedesk_gpu::Process {
            pid: 778,
            used_bytes: Some(1024),
            cgroup: None,
            pod: None,
            cuda_version: None,
        },
    ]);
    let findings = kubedesk_gpu::health::check(&node, &a100(0), &sample);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].check, Check::OutsidePods);
    assert_eq!(
        findings[0].summary,
        "Process 777 holds 2.0 GiB of GPU 0's memory and belongs to no pod: the scheduler does not count it"
    );
    // A workstation runs no pods: its processes are its own.
    assert!(kubedesk_gpu::health::check(&system(), &a100(0), &sample).is_empty());
}
