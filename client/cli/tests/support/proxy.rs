//! A TCP proxy for the gate's tests: put between `tessera serve` and the validator's JSON-RPC
//! or websocket, it counts the connections it accepted, records the JSON-RPC methods of the
//! requests it forwards (plain HTTP only: websocket frames from a client are masked), and can
//! sever every connection and refuse new ones.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::{
    io::{Read, Write},
    net::{Shutdown, TcpListener, TcpStream},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex,
    },
};

/// A TCP proxy to `target`.
pub struct Proxy {
    pub addr: String,
    accepted: Arc<AtomicUsize>,
    methods: Arc<Mutex<Vec<String>>>,
    refuse: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    pub fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (methods, refuse, conns) = (
            Arc::new(Mutex::new(Vec::new())),
            Arc::new(AtomicBool::new(false)),
            Arc::new(Mutex::new(Vec::new())),
        );
        let accepted = Arc::new(AtomicUsize::new(0));
        let (m, r, c, n) = (methods.clone(), refuse.clone(), conns.clone(), accepted.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if r.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                n.fetch_add(1, Ordering::SeqCst);
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                {
                    let mut c = c.lock().unwrap();
                    c.push(client.try_clone().unwrap());
                    c.push(server.try_clone().unwrap());
                }
                let (mut from_client, mut to_server) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let m = m.clone();
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 65_536];
                    let mut seen: Vec<u8> = Vec::new();
                    loop {
                        let n = match from_client.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        seen.extend_from_slice(&buf[..n]);
                        record_methods(&mut seen, &m);
                        if to_server.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to_server.shutdown(Shutdown::Both);
                });
                let (mut from_server, mut to_client) = (server, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from_server, &mut to_client);
                    let _ = to_client.shutdown(Shutdown::Both);
                });
            }
        });
        Proxy {
            addr,
            accepted,
            methods,
            refuse,
            conns,
        }
    }

    /// How many connections it has forwarded (refused ones not counted).
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// The JSON-RPC methods forwarded since the last call (and forgets them).
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.methods.lock().unwrap())
    }

    /// Closes every connection; while `refuse`, new ones are closed at once.
    pub fn sever(&self, refuse: bool) {
        self.refuse.store(refuse, Ordering::SeqCst);
        for s in self.conns.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    pub fn allow(&self) {
        self.refuse.store(false, Ordering::SeqCst);
    }
}

/// Moves every complete `"method":"…"` of `seen` into `methods`, keeping an incomplete tail.
fn record_methods(seen: &mut Vec<u8>, methods: &Mutex<Vec<String>>) {
    const KEY: &[u8] = b"\"method\":\"";
    loop {
        let Some(start) = seen.windows(KEY.len()).position(|w| w == KEY) else {
            let keep = seen.len().saturating_sub(KEY.len());
            seen.drain(..keep);
            return;
        };
        let from = start + KEY.len();
        let Some(len) = seen[from..].iter().position(|b| *b == b'"') else {
            seen.drain(..start);
            return;
        };
        methods
            .lock()
            .unwrap()
            .push(String::from_utf8_lossy(&seen[from..from + len]).into_owned());
        seen.drain(..from + len);
    }
}
