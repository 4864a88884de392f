"""OIDC identity providers on 127.0.0.1 for the Rucio lane's OIDC tests (pyoidc, the library Rucio uses).

Run with the Rucio venv's python (it holds `oic`, Rucio's own OIDC dependency):

    oidc-provider.py --config FILE.json --cert PEM --key PEM [--watch-pid PID]

FILE.json: {"providers": [{"port": P, "issuer": "https://127.0.0.1:P/" (optional, default that),
"clients": {"<id>": {"secret": "...", "lifetime": SECONDS}}}, ...], "ready": "PATH"}.

Each provider is pyoidc's OAuth 2 provider (`oic.extension.provider.Provider`) with an RSA key of its
own, generated at start, served over HTTPS (the test CA's server certificate) by a threading
http.server. It answers what Rucio and a token client call:

- `GET /.well-known/openid-configuration`: the provider's own discovery document (issuer, jwks_uri,
  token_endpoint, ...), which Rucio's `oic.Client.provider_config` reads (core/oidc.py);
- `GET /jwks`: the public key, which Rucio verifies the tokens' RS256 signature with;
- `POST /token`, `grant_type=client_credentials` with HTTP Basic client authentication: a JWT access
  token with `sub` = the client id (as INDIGO IAM and Keycloak issue for a service client),
  `aud` = `rucio`, `scope` as requested, `exp` = now + the client's lifetime, `iss` the issuer.

A provider given an `issuer` other than its own URL is an impostor: its tokens claim that issuer
but are signed with its own key.

It stands in for IAM or Keycloak, which are Java servers not installable offline here. pyoidc 1.7.0's
client_credentials grant fails with a KeyError when the access token is a JWT (it looks up
`access_token` in the token's claims to make a refresh token); `client_credentials_grant_type` below
does the same without the refresh token, which a client_credentials grant does not get (RFC 6749 4.4.3).

When all listen it writes the `ready` file ({"issuers": [...], "jwks": [...]}) and runs until
SIGTERM/SIGINT or --watch-pid is gone.
"""

import argparse
import json
import os
import signal
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from oic.extension.provider import Provider
from oic.extension.token import Client_Authentication
from oic.utils.authn.client import verify_client
from oic.utils.http_util import Response
from oic.utils.keyio import build_keyjar
from oic.utils.sdb import create_session_db

stop = threading.Event()


class ServiceToken(Client_Authentication):
    """pyoidc's JWT access token for a client acting for itself (`sub` = client id), for Rucio."""

    def __call__(self, sid, *args, **kwargs):
        kwargs["aud"] = ["rucio"]
        return super().__call__(sid, *args, **kwargs)


class TestProvider(Provider):
    def client_credentials_grant_type(self, areq):
        token = self.token_handler.get_access_token(areq["client_id"], scope=areq["scope"],
                                                    grant_type="client_credentials")
        info = self.token_handler.token_factory.get_info(token)
        return Response(self.do_access_token_response(token, info, areq.get("state")).to_json(),
                        content="application/json")


def make_provider(issuer, clients, key_file):
    _, keyjar, _ = build_keyjar([{"type": "RSA", "key": key_file, "use": ["sig"]}])
    keyjar[issuer] = keyjar[""]
    cdb = {cid: {"client_id": cid, "client_secret": client["secret"], "grant_types": ["client_credentials"],
                 "token_endpoint_auth_method": "client_secret_basic"} for cid, client in clients.items()}
    provider = TestProvider(issuer, create_session_db(issuer, "sdb-secret", "sdb-password"), cdb, None, None,
                            verify_client, keyjar=keyjar, jwks_uri=issuer + "jwks", baseurl=issuer)
    provider.token_handler.token_factory = ServiceToken("T", keyjar=keyjar, iss=issuer, sign_alg="RS256")
    for cid, client in clients.items():
        provider.token_policy["access_token"][cid] = {"client_credentials": int(client["lifetime"])}
    return provider


def handler_for(provider, own_url):
    class Handler(BaseHTTPRequestHandler):
        def reply(self, status, body, content="application/json"):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def answer(self, response):
            status = int(str(response.status_code).split()[0])
            self.reply(status, response.message)

        def do_GET(self):
            if self.path == "/.well-known/openid-configuration":
                info = provider.create_providerinfo()
                # The impostor's documents point at its own keys, wherever its tokens say they come from.
                info["jwks_uri"] = own_url + "jwks"
                info["token_endpoint"] = own_url + "token"
                self.reply(200, info.to_json())
            elif self.path == "/jwks":
                self.reply(200, json.dumps(provider.keyjar.export_jwks(issuer="")))
            else:
                self.reply(404, '{"error": "not_found"}')

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            if self.path == "/token":
                try:
                    self.answer(provider.token_endpoint(request=body, authn=self.headers.get("Authorization", "")))
                except Exception as error:  # an unknown client or grant: pyoidc raises
                    self.reply(400, json.dumps({"error": "invalid_request", "error_description": type(error).__name__}))
            else:
                self.reply(404, '{"error": "not_found"}')

        def log_message(self, format, *args):
            # Never the request line's query or a body: tokens and client secrets stay out of logs.
            sys.stderr.write("oidc-provider %s %s\n" % (own_url, self.command))

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--watch-pid", type=int)
    options = parser.parse_args()
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, lambda *_: stop.set())

    config = json.load(open(options.config))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(options.cert, options.key)
    # The keys live beside the configuration (the Rucio server's directory, removed with it).
    directory = os.path.join(os.path.dirname(os.path.abspath(options.config)), "oidc-keys")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    servers, issuers, jwks = [], [], []
    for entry in config["providers"]:
        own_url = "https://127.0.0.1:%d/" % entry["port"]
        issuer = entry.get("issuer") or own_url
        provider = make_provider(issuer, entry["clients"], os.path.join(directory, "key-%d.pem" % len(servers)))
        server = ThreadingHTTPServer(("127.0.0.1", entry["port"]), handler_for(provider, own_url))
        server.daemon_threads = True
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        issuers.append(issuer)
        jwks.append(provider.keyjar.export_jwks(issuer=""))
    ready = config["ready"]
    with open(ready + ".tmp", "w") as f:
        json.dump({"issuers": issuers, "jwks": jwks}, f)
    os.rename(ready + ".tmp", ready)
    while not stop.wait(0.5):
        if options.watch_pid:
            try:
                os.kill(options.watch_pid, 0)
            except ProcessLookupError:
                break
    for server in servers:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
