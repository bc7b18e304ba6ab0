"""A real HTTP receiver for webhook tests: a thread with ``http.server`` on 127.0.0.1.

``Receiver(answers=[500, 500, 200])`` answers each POST with the next status (the last one
repeats) and keeps every request it got (headers and body), including the failed ones.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int


class Receiver:
    def __init__(self, answers=(200,), *, tls=None, host="127.0.0.1"):
        self.answers = list(answers)
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    index = min(len(receiver.requests), len(receiver.answers) - 1)
                    status = receiver.answers[index]
                    receiver.requests.append(Received(self.path, dict(self.headers.items()),
                                                      body, status))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.scheme, self.host = "http", host
        if tls is not None:  # (certificate file, key file): serve https
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.server.server_address[1]}/hooks/kbridge"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    @property
    def delivered(self) -> list[Received]:
        """The requests the receiver accepted (2xx): what it processed."""
        return [r for r in self.requests if 200 <= r.answered < 300]
