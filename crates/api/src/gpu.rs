//! `kubedesk gpu report` and `kubedesk gpu record`: this machine's GPUs, headless.

pub use kubedesk_gpu::report::{Command, run};
