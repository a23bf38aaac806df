//! The inference workers: threads that each own a `Stylizer` (sessions opened once) and take jobs
//! from one bounded queue. A full queue refuses at once, so callers can answer 503 instead of waiting.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use adain::{ModelPackage, SessionOptions, Stylizer};
use anyhow::{Context, Result};
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce(&mut Stylizer) + Send>;

/// Why a job did not run.
#[derive(Debug)]
pub enum Refused {
    /// Every worker busy and the queue full.
    Full,
    /// The job panicked, or the pool is shutting down.
    Lost,
}

pub struct WorkerPool {
    sender: Option<SyncSender<Job>>,
    workers: Vec<JoinHandle<()>>,
    counts: Arc<Counts>,
    capacity: usize,
}

/// Gauges for `/metrics`.
#[derive(Default)]
pub struct Counts {
    pub queued: AtomicUsize,
    pub busy: AtomicUsize,
}

impl WorkerPool {
    /// Opens `workers` stylizers and starts a thread for each; `queue` jobs may wait.
    pub fn start(
        package: &ModelPackage,
        options: &SessionOptions,
        workers: usize,
        queue: usize,
    ) -> Result<Self> {
        let (sender, receiver) = sync_channel::<Job>(queue);
        let receiver = Arc::new(Mutex::new(receiver));
        let counts = Arc::new(Counts::default());
        let mut handles = Vec::with_capacity(workers);
        for index in 0..workers {
            let stylizer = Stylizer::new(package, options)
                .with_context(|| format!("opening the sessions of worker {index}"))?;
            let (receiver, counts) = (receiver.clone(), counts.clone());
            let handle = std::thread::Builder::new()
                .name(format!("adain-worker-{index}"))
                .spawn(move || work(stylizer, &receiver, &counts))
                .context("starting a worker thread")?;
            handles.push(handle);
        }
        Ok(Self {
            sender: Some(sender),
            workers: handles,
            counts,
            capacity: queue,
        })
    }

    /// Runs `f` on a worker and waits for its result without blocking the async runtime.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Stylizer) -> T + Send + 'static,
    ) -> Result<T, Refused> {
        self.submit(f)?.await.map_err(|_| Refused::Lost)
    }

    /// [`Self::run`] from a thread that may block (start-up).
    pub fn run_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Stylizer) -> T + Send + 'static,
    ) -> Result<T, Refused> {
        self.submit(f)?.blocking_recv().map_err(|_| Refused::Lost)
    }

    fn submit<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Stylizer) -> T + Send + 'static,
    ) -> Result<oneshot::Receiver<T>, Refused> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |stylizer| {
            // The client went away while the job waited: nobody would read the result.
            if tx.is_closed() {
                return;
            }
            let _ = tx.send(f(stylizer));
        });
        let sender = self.sender.as_ref().ok_or(Refused::Lost)?;
        self.counts.queued.fetch_add(1, Ordering::SeqCst);
        match sender.try_send(job) {
            Ok(()) => Ok(rx),
            Err(error) => {
                self.counts.queued.fetch_sub(1, Ordering::SeqCst);
                Err(match error {
                    TrySendError::Full(_) => Refused::Full,
                    TrySendError::Disconnected(_) => Refused::Lost,
                })
            }
        }
    }

    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

impl Drop for WorkerPool {
    /// Closes the queue and waits for the workers to finish what they hold.
    fn drop(&mut self) {
        self.sender = None;
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

fn work(mut stylizer: Stylizer, receiver: &Mutex<Receiver<Job>>, counts: &Counts) {
    loop {
        // The lock is held only while waiting for the next job, not while running it.
        let job = match receiver.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        counts.queued.fetch_sub(1, Ordering::SeqCst);
        counts.busy.fetch_add(1, Ordering::SeqCst);
        // A panicking job drops its result sender (the caller answers 500); the worker goes on.
        if catch_unwind(AssertUnwindSafe(|| job(&mut stylizer))).is_err() {
            tracing::error!("a job panicked; the worker goes on");
        }
        counts.busy.fetch_sub(1, Ordering::SeqCst);
    }
}
