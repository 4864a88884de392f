#!/usr/bin/python3
"""A forward HTTP proxy for the stager's proxy tests: absolute-URI requests (plain HTTP) are
forwarded, CONNECT opens a tunnel (HTTPS). Every request line is appended to --log before it is
served, so a test can tell which transfers went through it.

    forward-proxy.py --log FILE --port-file FILE
"""
import argparse
import http.client
import http.server
import os
import select
import signal
import socket
import urllib.parse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--port-file", required=True)
    options = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    class Proxy(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            pass

        def note(self):
            with open(options.log, "a") as log:
                log.write("%s %s\n" % (self.command, self.path))

        def do_GET(self):
            self.note()
            target = urllib.parse.urlsplit(self.path)
            upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")}
            path = target.path + ("?" + target.query if target.query else "")
            upstream.request("GET", path, headers=headers)
            response = upstream.getresponse()
            body = response.read()
            self.send_response(response.status)
            for key, value in response.getheaders():
                if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_CONNECT(self):
            self.note()
            host, port = self.path.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)), timeout=30)
            self.send_response(200, "Connection established")
            self.end_headers()
            sockets = [self.connection, upstream]
            while True:
                readable, _, _ = select.select(sockets, [], [], 30)
                if not readable:
                    break
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        upstream.close()
                        return
                    (upstream if source is self.connection else self.connection).sendall(data)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    with open(options.port_file + ".tmp", "w") as port:
        port.write(str(server.server_address[1]))
    os.replace(options.port_file + ".tmp", options.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
