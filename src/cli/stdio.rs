//! Standard output and error that a closed pipe does not crash.
//!
//! `println!` panics when the reader has gone (`kubectl kubeflow users | head -1`). These
//! writers drop output once the pipe is closed, remember that it was, and let the command
//! go on, so a write command still finishes and reports what it applied on whatever stream
//! is left; kubectl likewise exits quietly.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

/// A writer over a stream that swallows `BrokenPipe` (and everything after it).
pub struct Quiet<W> {
    inner: W,
    closed: &'static AtomicBool,
}

/// Standard output, quiet on a closed pipe.
pub fn stdout() -> Quiet<io::StdoutLock<'static>> {
    Quiet {
        inner: io::stdout().lock(),
        closed: &STDOUT_CLOSED,
    }
}

/// Standard error, quiet on a closed pipe.
pub fn stderr() -> Quiet<io::StderrLock<'static>> {
    Quiet {
        inner: io::stderr().lock(),
        closed: &STDERR_CLOSED,
    }
}

impl<W: Write> Quiet<W> {
    fn guard(&self, result: io::Result<usize>, len: usize) -> io::Result<usize> {
        match result {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed.store(true, Ordering::Relaxed);
                Ok(len)
            }
            other => other,
        }
    }
}

impl<W: Write> Write for Quiet<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed.load(Ordering::Relaxed) {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        self.guard(result, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed.load(Ordering::Relaxed) {
            return Ok(());
        }
        let result = self.inner.flush().map(|()| 0);
        self.guard(result, 0).map(|_| ())
    }
}

/// Writes `format_args!` to one of the [`Quiet`] streams and flushes it. Other write errors
/// (a full disk) are dropped where `println!` would panic: there is nowhere left to report
/// them.
macro_rules! emit {
    ($stream:ident, $($arg:tt)*) => {{
        use std::io::Write as _;
        let mut w = $crate::cli::stdio::$stream();
        let _ = w.write_fmt(format_args!($($arg)*));
        let _ = w.flush();
    }};
}

/// `println!` to [`stdout`].
macro_rules! outln {
    () => { emit!(stdout, "\n") };
    ($($arg:tt)*) => { emit!(stdout, "{}\n", format_args!($($arg)*)) };
}

/// `print!` to [`stdout`].
macro_rules! out {
    ($($arg:tt)*) => { emit!(stdout, $($arg)*) };
}

/// `eprintln!` to [`stderr`].
macro_rules! errln {
    () => { emit!(stderr, "\n") };
    ($($arg:tt)*) => { emit!(stderr, "{}\n", format_args!($($arg)*)) };
}

/// `eprint!` to [`stderr`].
macro_rules! err {
    ($($arg:tt)*) => { emit!(stderr, $($arg)*) };
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    struct Closed;
    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
    }

    #[test]
    fn a_closed_pipe_is_remembered_not_an_error() {
        static FLAG: AtomicBool = AtomicBool::new(false);
        let mut w = Quiet {
            inner: Closed,
            closed: &FLAG,
        };
        writeln!(w, "hello").unwrap();
        w.flush().unwrap();
        assert!(FLAG.load(Ordering::Relaxed));
    }
}
