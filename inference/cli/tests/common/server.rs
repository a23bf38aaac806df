//! Running `adain serve` in a test: on a free loopback port, with the test package, until dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adain_test_kit::http::Client;

pub struct Served {
    child: Child,
    pub base: String,
    pub client: Client,
    log: Arc<Mutex<String>>,
}

impl Served {
    /// Starts `adain serve ARGS` (with `--model <test package>` unless ARGS name one) and waits until
    /// `/readyz` answers 200.
    pub fn start(args: &[&str]) -> Self {
        Self::start_with(args, &[])
    }

    /// [`Self::start`] with environment variables set for the server.
    pub fn start_with(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_adain"));
        command
            .args(["serve", "--bind", "127.0.0.1:0", "--threads", "2"])
            .args(args)
            // A key in the caller's environment must not change what a test expects.
            .env_remove("ADAIN_API_KEY")
            .envs(env.iter().copied())
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if !args.contains(&"--model") {
            command
                .arg("--model")
                .arg(adain_test_kit::package::test_package());
        }
        let mut child = command.spawn().expect("starting adain serve");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (found, address) = mpsc::channel();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Some(at) = line.find("listening on http://") {
                        let url: String = line[at + "listening on ".len()..]
                            .chars()
                            .take_while(|c| !c.is_whitespace() && *c != '\u{1b}')
                            .collect();
                        let _ = found.send(url);
                    }
                    log.lock().unwrap().push_str(&(line + "\n"));
                }
            });
        }
        let base = address
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("adain serve did not start: {}", log.lock().unwrap()));
        let served = Self {
            child,
            client: Client::new(&base),
            base,
            log,
        };
        // Readiness is open even when the server asks for a key.
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            match served.client.get("/readyz") {
                Ok(reply) if reply.status == 200 => break,
                _ if Instant::now() > deadline => panic!("not ready in time: {}", served.log()),
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        }
        served
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the server (kB), from /proc.
    pub fn rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap()
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// SIGTERM, then the exit status (killed after 120 s).
    pub fn terminate(mut self) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "no exit after SIGTERM: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A test image encoded as PNG bytes.
pub fn png(image: &image::RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}
