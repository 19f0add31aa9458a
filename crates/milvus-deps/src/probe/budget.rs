//! How long a probe may take: a per-attempt timeout, an overall deadline, and retries with
//! exponential backoff in between, all measured on tokio's clock (so tests can pause time).
//!
//! [`ProbeBudget::run`] drives the attempts at one endpoint. An attempt that fails for a
//! reason that will not fix itself within a probe ([`ProbeReason::is_transient`] is false:
//! wrong credentials, a missing bucket, a bad CA) is not retried. No attempt outlives the
//! deadline: the last one gets only the time that is left, and a retry is not started when the
//! backoff would end past the deadline.

use std::{future::Future, time::Duration};

use tokio::time::Instant;

use super::outcome::{EndpointOutcome, ProbeReason};

/// Why one attempt failed: a reason and a message for people (never a secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptError {
    /// The reason.
    pub reason: ProbeReason,
    /// What happened, with the endpoint or the server's words.
    pub message: String,
}

impl AttemptError {
    /// An attempt error with this reason and message.
    #[must_use]
    pub fn new(reason: ProbeReason, message: impl Into<String>) -> Self {
        Self {
            reason,
            message: message.into(),
        }
    }
}

/// Time limits and retries of a probe. The defaults fit a controller's readiness check: three
/// attempts of at most 2 s each, 250 ms then 500 ms apart, all within 6 s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeBudget {
    /// Longest time one attempt (connect, handshake, request, answer) may take.
    pub attempt_timeout: Duration,
    /// Longest time the whole probe of one endpoint may take, retries and backoff included.
    /// Endpoints are probed concurrently, so this bounds the whole dependency too.
    pub deadline: Duration,
    /// Most attempts per endpoint (at least 1).
    pub attempts: u32,
    /// Pause before the second attempt; doubled before each further one.
    pub backoff: Duration,
    /// Longest pause between attempts.
    pub max_backoff: Duration,
}

impl Default for ProbeBudget {
    fn default() -> Self {
        Self {
            attempt_timeout: Duration::from_secs(2),
            deadline: Duration::from_secs(6),
            attempts: 3,
            backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl ProbeBudget {
    /// A budget of one attempt bounded by `timeout` (the deadline equals the timeout).
    #[must_use]
    pub fn single(timeout: Duration) -> Self {
        Self {
            attempt_timeout: timeout,
            deadline: timeout,
            attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the per-attempt timeout.
    #[must_use]
    pub fn with_attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Sets the overall deadline.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Sets the number of attempts (0 is taken as 1).
    #[must_use]
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// Sets the first backoff and its cap.
    #[must_use]
    pub fn with_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.backoff = first;
        self.max_backoff = max;
        self
    }

    /// Runs `attempt` against `endpoint` until it succeeds, fails for a lasting reason, runs
    /// out of attempts or reaches the deadline. A successful attempt returns a message for
    /// people (a server version, a status line); the endpoint is then
    /// [`ProbeReason::Healthy`]. A failed one returns an [`AttemptError`]; the last one is
    /// the endpoint's result, with the number of attempts made.
    pub async fn run<F, Fut>(&self, endpoint: &str, mut attempt: F) -> EndpointOutcome
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<String, AttemptError>>,
    {
        let start = Instant::now();
        let end = start + self.deadline;
        let mut delay = self.backoff;
        let mut attempts = 0;
        let mut last = AttemptError::new(ProbeReason::Timeout, "the deadline passed before any attempt");
        loop {
            let remaining = end.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                break;
            }
            attempts += 1;
            let limit = remaining.min(self.attempt_timeout);
            match tokio::time::timeout(limit, attempt()).await {
                Ok(Ok(message)) => {
                    return EndpointOutcome {
                        endpoint: endpoint.to_owned(),
                        healthy: true,
                        reason: ProbeReason::Healthy,
                        message,
                        latency: start.elapsed(),
                        attempts,
                    };
                }
                Ok(Err(e)) => last = e,
                Err(_) => {
                    last = AttemptError::new(
                        ProbeReason::Timeout,
                        format!("no answer within {} ms", limit.as_millis()),
                    );
                }
            }
            if !last.reason.is_transient() || attempts >= self.attempts.max(1) {
                break;
            }
            let remaining = end.saturating_duration_since(Instant::now());
            if remaining <= delay {
                break;
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(self.max_backoff);
        }
        let message = if attempts > 1 {
            format!("{} (after {attempts} attempts)", last.message)
        } else {
            last.message
        };
        EndpointOutcome {
            endpoint: endpoint.to_owned(),
            healthy: false,
            reason: last.reason,
            message,
            latency: start.elapsed(),
            attempts,
        }
    }
}
