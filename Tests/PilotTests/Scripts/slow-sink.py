#!/usr/bin/python3
"""A PUT target that reads request bodies slowly, for the stop-budget tests: an upload to it
takes SIZE / --rate seconds, so a pilot stopped during stage-out must abandon it at its deadline.

    slow-sink.py --dir DIR --port-file FILE [--rate BYTES_PER_SECOND]

PUT /NAME stores the body as DIR/NAME and answers 201; every request is appended to DIR/requests.log
("METHOD PATH STATUS") when it ends, and "METHOD PATH started" when it begins.
"""
import argparse
import http.server
import os
import signal
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--rate", type=int, default=65536)
    options = parser.parse_args()
    # A parent that ignores SIGTERM passes that on through exec: restore the default.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            pass

        def note(self, text):
            with open(os.path.join(options.dir, "requests.log"), "a") as log:
                log.write("%s %s %s\n" % (self.command, self.path.split("?")[0], text))

        def do_PUT(self):
            self.note("started")
            length = int(self.headers.get("Content-Length", "0"))
            received = bytearray()
            chunk = max(1, options.rate // 10)
            while len(received) < length:
                data = self.rfile.read(min(chunk, length - len(received)))
                if not data:
                    self.note("aborted")
                    return
                received += data
                time.sleep(0.1)
            name = os.path.basename(self.path.split("?")[0])
            with open(os.path.join(options.dir, name), "wb") as out:
                out.write(received)
            self.note("201")
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(options.port_file + ".tmp", "w") as port:
        port.write(str(server.server_address[1]))
    os.replace(options.port_file + ".tmp", options.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
