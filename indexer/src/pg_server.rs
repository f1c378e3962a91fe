//! A throwaway Postgres server for the tests and the benchmark: `initdb` into a directory,
//! `pg_ctl start` on a free port of 127.0.0.1 with `trust` authentication, stopped
//! (`-m immediate`) on drop. The server binaries are Debian's `postgresql` package
//! (`/usr/lib/postgresql/*/bin`, the newest; `PG_BIN` overrides). When the process runs as root
//! (which `initdb` refuses) the tools run as the `postgres` user (`runuser`) and the data
//! directory is handed to it.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::Command,
};

use crate::{Error, Result};

pub struct TempPostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// The directory of the server binaries (`initdb`, `pg_ctl`, `createdb`).
pub fn pg_bin() -> Result<PathBuf> {
    if let Ok(p) = std::env::var("PG_BIN") {
        return Ok(PathBuf::from(p));
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    found.sort();
    found.pop().filter(|p| p.join("initdb").exists()).ok_or_else(|| {
        Error::Invalid(
            "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin: install Debian's `postgresql` \
             package (scripts/test.sh does) or set PG_BIN"
                .into(),
        )
    })
}

impl TempPostgres {
    fn run(&self, tool: &str, args: &[&str]) -> Result<()> {
        let exe = self.bin.join(tool);
        let out = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(args)
                .output()
        } else {
            Command::new(&exe).args(args).output()
        }
        .map_err(|e| Error::Invalid(format!("{}: {e}", exe.display())))?;
        if !out.status.success() {
            return Err(Error::Invalid(format!(
                "{tool} {args:?}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        Ok(())
    }

    /// Creates a cluster in `dir/pg` (which must not hold one) and starts it. With `fsync`
    /// off the server is faster and loses its data on a power cut (the tests); the benchmark
    /// keeps it on.
    pub fn start(dir: &Path, fsync: bool) -> Result<Self> {
        let bin = pg_bin()?;
        let data = dir.join("pg");
        std::fs::create_dir_all(&data)?;
        let uid = Command::new("id").arg("-u").output()?;
        let as_postgres = String::from_utf8_lossy(&uid.stdout).trim() == "0";
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&data)
                .status()?
                .success();
            if !ok {
                return Err(Error::Invalid(format!(
                    "chown postgres {}: failed (is there a `postgres` user?)",
                    data.display()
                )));
            }
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let pg = TempPostgres {
            bin,
            data,
            port,
            as_postgres,
        };
        let d = pg
            .data
            .to_str()
            .ok_or_else(|| Error::Invalid("non-UTF-8 path".into()))?
            .to_string();
        pg.run(
            "initdb",
            &["-D", &d, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"],
        )?;
        let opts = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {d}{}",
            if fsync { "" } else { " -F" }
        );
        let log = format!("{d}/server.log");
        pg.run(
            "pg_ctl",
            &["-D", &d, "-o", &opts, "-l", &log, "-w", "-t", "60", "start"],
        )?;
        Ok(pg)
    }

    /// The URL of the `postgres` database.
    pub fn url(&self) -> String {
        self.url_of("postgres")
    }

    /// The URL of database `name` on this server.
    pub fn url_of(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates an empty database `name`; returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String> {
        let port = self.port.to_string();
        self.run("createdb", &["-h", "127.0.0.1", "-p", &port, "-U", "postgres", name])?;
        Ok(self.url_of(name))
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        if let Some(d) = self.data.to_str().map(str::to_string) {
            let _ = self.run("pg_ctl", &["-D", &d, "-m", "immediate", "stop"]);
        }
    }
}
