"""A hostile HTTP server for the tests, on raw sockets so it can break the
protocol as no library would let it: endless bodies, bytes dripped slowly
into the headers or the body, gzip bombs."""

from __future__ import annotations

import socket
import threading
import time
import zlib


def _gzip_bomb() -> bytes:
    """1 GiB of zeros, gzipped: about 1 MB on the wire."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    return b"".join(packer.compress(zeros) for _ in range(1024)) + packer.flush()


class HostileServer:
    """Answers every connection the way ``mode`` says, until closed:

    - ``endless``: a 200 with no length, then bytes as fast as they go;
    - ``endless-declared``: a 200 that declares 64 GiB, then bytes;
    - ``drip-headers``: the status line, then a header byte every ``every_s``;
    - ``drip-body``: complete headers, then a body byte every ``every_s``;
    - ``gzip-bomb``: a small gzip body that inflates to 1 GiB of zeros.
    """

    def __init__(self, mode: str, *, every_s: float = 0.3) -> None:
        self.mode, self.every_s = mode, every_s
        self.connections = 0
        self._bomb = _gzip_bomb() if mode == "gzip-bomb" else b""
        self._closed = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        try:
            connection.settimeout(2)
            connection.recv(65536)  # the request (enough of it)
            getattr(self, "_" + self.mode.replace("-", "_"))(connection)
        except OSError:
            pass  # the client hung up: what the test wants
        finally:
            connection.close()

    def _endless(self, connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
        chunk = b'{"digest": "' + b"x" * 65000
        while not self._closed.is_set():
            connection.sendall(chunk)

    def _endless_declared(self, connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 68719476736\r\n\r\n")
        while not self._closed.is_set():
            connection.sendall(b"x" * 65536)

    def _drip_headers(self, connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while not self._closed.is_set():
            time.sleep(self.every_s)
            connection.sendall(b"a")

    def _drip_body(self, connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        while not self._closed.is_set():
            time.sleep(self.every_s)
            connection.sendall(b" ")

    def _gzip_bomb(self, connection: socket.socket) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(self._bomb)}\r\n\r\n"
        connection.sendall(head.encode() + self._bomb)

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
