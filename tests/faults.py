"""Real loopback servers that misbehave on purpose, for the fault tests (no mocks: real sockets, real HTTP).

- `KillingProxy`: a TCP proxy in front of a real server; when a request line matches a trigger it forwards the
  headers and part of the body, then calls `on_trigger` (which SIGKILLs the server) and drops the connection.
- `ScriptedServer`: an http.server on 127.0.0.1 that answers each request with the next scripted step (an HTTP
  status + body, a dropped connection, a proxied answer from a real upstream, or an arbitrary byte stream) and
  records every attempt (method, path, monotonic time).
"""

from __future__ import annotations

import http.server
import os
import signal
import socket
import socketserver
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cloudreg.store import free_port, oxigraph_binary, wait_for_http

# --- a real Oxigraph server on a data folder, that can be killed and restarted ---------------------------------


class OxigraphProcess:
    def __init__(self, location: Path, port: int | None = None):
        self.location, self.port = location, port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OxigraphProcess:
        self.proc = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(self.location),
                                      "--bind", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_http(f"{self.base}/query?query=ASK%7B%7D", self.proc)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, RocksDB gets no chance to flush anything."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


# --- a TCP proxy that kills the upstream in the middle of a matching request -----------------------------------


class KillingProxy:
    """Forward 127.0.0.1:<port> to `upstream_port`. The first request whose request line contains `trigger`
    gets its headers and `fraction` of its body forwarded; then `on_trigger()` runs and the connection drops."""

    def __init__(self, upstream_port: int, trigger: str, on_trigger: Callable[[], None], fraction: float = 0.5):
        self.upstream_port, self.trigger, self.on_trigger, self.fraction = upstream_port, trigger, on_trigger, fraction
        self.fired = threading.Event()
        self.request_lines: list[str] = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        head = b""
        with client:
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            header, _, rest = head.partition(b"\r\n\r\n")
            line = header.split(b"\r\n", 1)[0].decode("latin-1")
            self.request_lines.append(line)
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
            except OSError:
                return  # upstream dead: the client sees a dropped connection
            with upstream:
                if self.trigger in line and not self.fired.is_set():
                    self.fired.set()
                    length = _content_length(header)
                    cut = max(1, int(length * self.fraction))
                    body = rest
                    while len(body) < cut:
                        chunk = client.recv(65536)
                        if not chunk:
                            break
                        body += chunk
                    upstream.sendall(header + b"\r\n\r\n" + body[:cut])
                    time.sleep(0.3)  # let the server start parsing the partial body
                    self.on_trigger()
                    return
                upstream.sendall(head)
                pump = threading.Thread(target=_pump, args=(client, upstream), daemon=True)
                pump.start()
                _pump(upstream, client)


def _content_length(header: bytes) -> int:
    for h in header.split(b"\r\n")[1:]:
        k, _, v = h.partition(b":")
        if k.strip().lower() == b"content-length":
            return int(v.strip())
    return 0


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while chunk := src.recv(65536):
            dst.sendall(chunk)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


# --- a scripted HTTP server ----------------------------------------------------------------------------------


@dataclass
class Step:
    """One scripted answer. kind: 'status' (code + body), 'drop' (close without answering), 'proxy' (forward
    to `upstream`), 'stream' (status 200, `ctype`, body produced by `chunks()`)."""

    kind: str
    code: int = 200
    body: bytes = b""
    ctype: str = "text/plain"
    chunks: Callable[[], Iterator[bytes]] | None = None


@dataclass
class Attempt:
    method: str
    path: str
    at: float


@dataclass
class ScriptedServer:
    steps: list[Step]
    then: Step  # answer after the script is used up
    upstream: str | None = None  # base URL for 'proxy' steps
    attempts: list[Attempt] = field(default_factory=list)

    def __post_init__(self):
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002 - quiet
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                outer.attempts.append(Attempt(self.command, self.path, time.monotonic()))
                step = outer.steps.pop(0) if outer.steps else outer.then
                if step.kind == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if step.kind == "proxy":
                    return self._proxy(data)
                if step.kind == "stream":
                    self.send_response(200)
                    self.send_header("Content-Type", step.ctype)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    try:
                        for chunk in step.chunks():
                            self.wfile.write(chunk)
                    except OSError:  # the client stopped reading: expected for a size cap
                        pass
                    self.close_connection = True
                    return
                self.send_response(step.code)
                self.send_header("Content-Type", step.ctype)
                self.send_header("Content-Length", str(len(step.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(step.body)
                self.close_connection = True

            def _proxy(self, data: bytes):
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() in ("content-type", "accept", "authorization")}
                req = urllib.request.Request(outer.upstream + self.path, data=data or None, method=self.command,
                                             headers=headers)
                try:
                    with urllib.request.urlopen(req, timeout=60) as r:
                        status, body, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
                except urllib.error.HTTPError as e:
                    status, body, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
                self.send_response(status)
                self.send_header("Content-Type", ctype or "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _any  # noqa: N815 - http.server's naming

        self.httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

