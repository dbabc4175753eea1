//! The GPUs as the NVIDIA driver reports them, through NVML (nvml-wrapper). The library is loaded
//! when the source is opened: a machine without it, or whose driver is not loaded, gets
//! [`Unavailable`] saying which and what to do; the rest of the app is unaffected.

use nvml_wrapper::Nvml;
use nvml_wrapper::bitmasks::device::ThrottleReasons;
use nvml_wrapper::enum_wrappers::device::{
    Clock, EccCounter, MemoryError, TemperatureSensor, TemperatureThreshold,
};
use nvml_wrapper::enums::device::UsedGpuMemory;
use nvml_wrapper::error::NvmlError;

use crate::model::{Device, Lost, Missing, Process, Reading, Sample, Sampled, System, Throttle};

/// Why NVML cannot be used on this machine, each with what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    /// `libnvidia-ml.so.1` is not installed (no NVIDIA driver, or a container without it).
    #[error(
        "the NVIDIA driver's NVML library is not installed here ({0}); install the NVIDIA driver, or in a container run it with the NVIDIA container toolkit"
    )]
    LibraryMissing(String),
    /// The library is there, the kernel driver is not loaded.
    #[error(
        "the NVIDIA kernel driver is not loaded; load it (modprobe nvidia) or check `dmesg` for why it failed"
    )]
    DriverNotLoaded,
    /// The library and the kernel module are of different versions.
    #[error(
        "the NVIDIA driver's library and kernel module are of different versions, as after an upgrade without a reboot; reboot, or reload the nvidia kernel modules"
    )]
    VersionMismatch,
    /// NVML answered, with no GPU.
    #[error("the NVIDIA driver is loaded but reports no GPU")]
    NoGpu,
    /// Anything else NVML said.
    #[error("NVML could not be started: {0}")]
    Failed(String),
}

impl Unavailable {
    fn from_init(error: NvmlError) -> Self {
        match error {
            NvmlError::LibloadingError(error) => Self::LibraryMissing(error.to_string()),
            NvmlError::DriverNotLoaded => Self::DriverNotLoaded,
            NvmlError::LibRmVersionMismatch => Self::VersionMismatch,
            other => Self::Failed(other.to_string()),
        }
    }
}

/// The reading for one NVML answer.
fn reading<T>(answer: Result<T, NvmlError>) -> Reading<T> {
    answer.map_err(|error| match error {
        NvmlError::NotSupported => Missing::NotSupported,
        NvmlError::NoPermission => Missing::NoPermission,
        NvmlError::FailedToLoadSymbol(_) => Missing::DriverTooOld,
        other => Missing::Failed(other.to_string()),
    })
}

/// NVML, opened.
pub struct NvmlSource {
    nvml: Nvml,
    system: System,
    devices: Vec<Device>,
}

impl std::fmt::Debug for NvmlSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NvmlSource")
            .field("system", &self.system)
            .field("devices", &self.devices)
            .finish_non_exhaustive()
    }
}

impl NvmlSource {
    /// Loads NVML and reads what each GPU is.
    pub fn open() -> Result<Self, Unavailable> {
        let nvml = Nvml::init().map_err(Unavailable::from_init)?;
        let count = nvml
            .device_count()
            .map_err(|error| Unavailable::Failed(error.to_string()))?;
        if count == 0 {
            return Err(Unavailable::NoGpu);
        }
        let system = System {
            driver_version: reading(nvml.sys_driver_version()),
            nvml_version: reading(nvml.sys_nvml_version()),
            cuda_driver_version: reading(nvml.sys_cuda_driver_version()),
            kubernetes_node: kubernetes_node(),
        };
        let devices = (0..count).map(|index| device(&nvml, index)).collect();
        Ok(Self {
            nvml,
            system,
            devices,
        })
    }
}

fn device(nvml: &Nvml, index: u32) -> Device {
    let device = match nvml.device_by_index(index) {
        Ok(device) => device,
        Err(error) => return Device::unreadable(index, &Missing::Failed(error.to_string())),
    };
    Device {
        index,
        name: reading(device.name()),
        uuid: reading(device.uuid()),
        pci_bus_id: reading(device.pci_info()).map(|pci| pci.bus_id),
        memory_total_bytes: reading(device.memory_info()).map(|memory| memory.total),
        slowdown_celsius: reading(device.temperature_threshold(TemperatureThreshold::Slowdown)),
        shutdown_celsius: reading(device.temperature_threshold(TemperatureThreshold::Shutdown)),
        power_limit_milliwatts: reading(device.enforced_power_limit()),
        max_sm_clock_mhz: reading(device.max_clock_info(Clock::SM)),
        max_pcie_generation: reading(device.max_pcie_link_gen()),
        max_pcie_width: reading(device.max_pcie_link_width()),
        persistence: reading(device.is_in_persistent_mode()),
        mig: reading(device.mig_mode()).map(|mode| mode.current == 1),
    }
}

/// Whether this machine runs a kubelet's pods: their cgroup is there (cgroup v2 with the systemd
/// or the cgroupfs driver, or v1).
fn kubernetes_node() -> bool {
    [
        "/sys/fs/cgroup/kubepods.slice",
        "/sys/fs/cgroup/kubepods",
        "/sys/fs/cgroup/memory/kubepods",
        "/sys/fs/cgroup/memory/kubepods.slice",
    ]
    .iter()
    .any(|path| std::path::Path::new(path).is_dir())
}

/// The cgroup of host process `pid`: cgroup v2's one path, else v1's memory controller's.
fn cgroup(pid: u32) -> Option<String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
    let path = |controller: &str| {
        text.lines().find_map(|line| {
            let mut fields = line.splitn(3, ':');
            let (_, controllers, path) = (fields.next()?, fields.next()?, fields.next()?);
            controllers
                .split(',')
                .any(|name| name == controller)
                .then(|| path.to_owned())
        })
    };
    path("").or_else(|| path("memory"))
}

fn throttles(reasons: ThrottleReasons) -> Vec<Throttle> {
    [
        (ThrottleReasons::GPU_IDLE, Throttle::Idle),
        (
            ThrottleReasons::APPLICATIONS_CLOCKS_SETTING,
            Throttle::ApplicationsClocks,
        ),
        (ThrottleReasons::SW_POWER_CAP, Throttle::SwPowerCap),
        (ThrottleReasons::HW_SLOWDOWN, Throttle::HwSlowdown),
        (
            ThrottleReasons::HW_THERMAL_SLOWDOWN,
            Throttle::HwThermalSlowdown,
        ),
        (
            ThrottleReasons::HW_POWER_BRAKE_SLOWDOWN,
            Throttle::HwPowerBrakeSlowdown,
        ),
        (
            ThrottleReasons::SW_THERMAL_SLOWDOWN,
            Throttle::SwThermalSlowdown,
        ),
        (ThrottleReasons::SYNC_BOOST, Throttle::SyncBoost),
        (
            ThrottleReasons::DISPLAY_CLOCK_SETTING,
            Throttle::DisplayClock,
        ),
    ]
    .into_iter()
    .filter(|(bit, _)| reasons.contains(*bit))
    .map(|(_, throttle)| throttle)
    .collect()
}

fn sample(nvml: &Nvml, index: u32, at_ms: i64) -> Sampled {
    // A GPU that cannot even be found, or has fallen off the bus, fails as a whole.
    let device = nvml
        .device_by_index(index)
        .map_err(|error| Lost(error.to_string()))?;
    if let Err(NvmlError::GpuLost) = device.utilization_rates() {
        return Err(Lost(
            "the GPU has fallen off the bus (GPU lost, Xid 79)".to_owned(),
        ));
    }
    let utilization = reading(device.utilization_rates());
    Ok(Sample {
        at_ms,
        gpu_percent: utilization.clone().map(|rates| rates.gpu),
        memory_percent: utilization.map(|rates| rates.memory),
        memory_used_bytes: reading(device.memory_info()).map(|memory| memory.used),
        temperature_celsius: reading(device.temperature(TemperatureSensor::Gpu)),
        power_milliwatts: reading(device.power_usage()),
        sm_clock_mhz: reading(device.clock_info(Clock::SM)),
        throttle: reading(device.current_throttle_reasons()).map(throttles),
        ecc_uncorrected_volatile: reading(
            device.total_ecc_errors(MemoryError::Uncorrected, EccCounter::Volatile),
        ),
        pages_pending_retirement: reading(device.are_pages_pending_retired()),
        pcie_generation: reading(device.current_pcie_link_gen()),
        pcie_width: reading(device.current_pcie_link_width()),
        processes: reading(device.running_compute_processes()).map(|processes| {
            processes
                .into_iter()
                .map(|process| Process {
                    cgroup: cgroup(process.pid),
                    pid: process.pid,
                    used_bytes: match process.used_gpu_memory {
                        UsedGpuMemory::Used(bytes) => Some(bytes),
                        UsedGpuMemory::Unavailable => None,
                    },
                })
                .collect()
        }),
        xids: Vec::new(),
    })
}

impl crate::GpuSource for NvmlSource {
    fn system(&self) -> &System {
        &self.system
    }

    fn devices(&self) -> &[Device] {
        &self.devices
    }

    fn sample(&mut self) -> Option<Vec<Sampled>> {
        let at_ms = crate::trace::now_ms();
        Some(
            self.devices
                .iter()
                .map(|device| sample(&self.nvml, device.index, at_ms))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_way_nvml_cannot_start_is_said_with_what_to_do() {
        let said = |error| Unavailable::from_init(error).to_string();
        assert!(
            said(NvmlError::DriverNotLoaded)
                .starts_with("the NVIDIA kernel driver is not loaded; load it (modprobe nvidia)")
        );
        assert!(
            said(NvmlError::LibRmVersionMismatch)
                .contains("library and kernel module are of different versions")
        );
        assert!(said(NvmlError::LibRmVersionMismatch).contains("reboot"));
        assert_eq!(
            said(NvmlError::Unknown),
            "NVML could not be started: an internal driver error occurred"
        );
    }

    #[test]
    fn a_reading_the_driver_cannot_give_is_missing_alone() {
        assert_eq!(
            reading::<u32>(Err(NvmlError::NotSupported)),
            Err(Missing::NotSupported)
        );
        assert_eq!(
            reading::<u32>(Err(NvmlError::NoPermission)),
            Err(Missing::NoPermission)
        );
        assert_eq!(
            reading::<u32>(Err(NvmlError::FailedToLoadSymbol(
                "nvmlDeviceGetMemoryInfo_v2".into()
            ))),
            Err(Missing::DriverTooOld)
        );
        assert_eq!(reading(Ok(7_u32)), Ok(7));
    }
}
