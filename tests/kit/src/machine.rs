//! The machine a measurement ran on, as every benchmark report names it: CPU models and flags decide
//! which kernels and precisions are fast, so a number without them cannot be compared.

/// The CPU's model name, as /proc/cpuinfo gives it ("?" where it cannot be read).
pub fn cpu_model() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let line = cpuinfo.lines().find(|l| l.starts_with("model name"));
    line.and_then(|l| l.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_string()
}

/// The CPU, its core count and the flags that decide which kernels and precisions are fast here.
pub fn machine() -> String {
    const FLAGS: [&str; 8] = [
        "avx2",
        "avx512f",
        "avx_vnni",
        "avx512_vnni",
        "avx512_bf16",
        "avx512_fp16",
        "amx_bf16",
        "amx_int8",
    ];
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let have: Vec<&str> = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .map(|l| l.split_whitespace().collect())
        .unwrap_or_default();
    let present: Vec<&str> = FLAGS.into_iter().filter(|f| have.contains(f)).collect();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{}, {cores} cores, flags: {}",
        cpu_model(),
        present.join(" ")
    )
}
