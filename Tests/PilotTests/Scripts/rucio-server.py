"""A real Rucio server (PyPI `rucio`, gunicorn, SQLite) with S3 RSEs on LocalStack, for the Rucio lane.

Run with the Rucio venv's python (scripts/install-rucio.sh):

    rucio-server.py --dir DIR --s3-port P --bucket B [--watch-pid PID] [--tls] [--oidc]

Set up from nothing exactly as ../shared/reference/RUCIO.md describes (sections 2-5): rucio.cfg,
alembic.ini and rse-accounts.cfg in DIR/etc, the SQLite schema bootstrapped, gunicorn on a free
port of 127.0.0.1 (plain HTTP), then, as root through the Python client:

- RSEs on LocalStack's S3 (https on host `localhost`: LocalStack's own certificate has a broken
  `IP:127.0.0.1` entry, so only the name verifies; NoRename, `sign_url=s3`, `skip_upload_stat`), each with a
  `region` and `cloud` attribute, all in one bucket B (the hash PFN of a file is the same key on
  each, so one object serves every replica of it):
  `S3_SCRATCHDISK` (us-east-1, aws), `FAR_SCRATCHDISK` (eu-west-2, aws), `SLOW_SCRATCHDISK`
  (through a throttling TCP proxy, see below), `NOCREDS_SCRATCHDISK` (no rse-accounts.cfg entry:
  Rucio then lists no URL) and `MISSING_SCRATCHDISK` (ap-south-1, a bucket that does not exist: 404);
- the accounts `pilot` (password `pilot-secret`, attribute `sign-url`, scope `user.pilot`, and
  with --tls the test certificate's DN) and `nosign` (password `nosign-secret`, no `sign-url`,
  scope `user.nosign`);
- traces written to DIR/traces/trace (no broker answers), one JSON line each, checked against
  Rucio's own trace schemas (a failure is logged as `Problem validating schema` in DIR/rucio.log).

The slow RSE's proxy passes bytes through untouched (TLS included), so the signatures Rucio makes
for `localhost:<proxy port>` hold; for each new connection it reads DIR/proxy.json, when present:
`{"connections": N, "rate": BYTES_PER_S, "cut_after": BYTES}` throttles the next N connections'
replies and closes each after `cut_after` bytes.

With --tls it also makes a CA, a server certificate, a user certificate and an RFC 3820 proxy with
openssl (DIR/pki), and starts a second gunicorn over TLS that asks for a client certificate,
accepts proxies and hands Rucio the DN as Apache's SSL_CLIENT_S_DN (RUCIO.md section 5).

With --oidc (and --tls, whose CA it uses) it also starts three OIDC providers (Scripts/oidc-provider.py,
pyoidc, over TLS on 127.0.0.1): `trusted`, which Rucio's `[oidc] idpsecrets` names (clients `pilot`,
tokens of 3600 s, and `pilot-brief`, tokens of 8 s); `untrusted`, another issuer Rucio does not know;
`impostor`, which claims the trusted issuer but signs with a key of its own. The OIDC identities
`SUB=pilot, ISS=<trusted>`, `SUB=pilot-brief, ISS=<trusted>` and `SUB=pilot, ISS=<untrusted>` map to
the account `pilot`, so that only the issuer's trust or the signature can make Rucio refuse a token.
Gunicorn trusts the test CA for the providers (REQUESTS_CA_BUNDLE).

When ready it writes DIR/ready.json (ports, URLs, paths) and keeps running until SIGTERM, SIGINT,
or --watch-pid is gone; then it stops gunicorn (TERM, then KILL) and exits. It leads a process
group of its own. Logs: DIR/rucio.log (gunicorn and Rucio), DIR/launcher.log (the caller's).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

stop = threading.Event()
#: The trusted provider's issuer, when --oidc: gunicorn then trusts the test CA (environment()).
oidc_issuer = None
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def site_packages():
    import rucio
    return os.path.dirname(os.path.dirname(rucio.__file__))


def configure(root, port, tls_port, oidc_issuer=None):
    """rucio.cfg, alembic.ini (with the logging sections) and an empty rse-accounts.cfg."""
    etc = os.path.join(root, "etc")
    os.makedirs(etc, exist_ok=True)
    os.makedirs(os.path.join(root, "traces"), exist_ok=True)
    db = "sqlite:///" + os.path.join(root, "rucio.db")
    venv = os.path.dirname(os.path.dirname(sys.executable))
    template = open(os.path.join(venv, "rucio", "etc", "alembic.ini.template")).read()
    logging_sections = template[template.index("[loggers]"):]
    write(os.path.join(etc, "alembic.ini"), f"""[alembic]
script_location = {site_packages()}/rucio/db/sqla/migrate_repo/
sqlalchemy.url = {db}

{logging_sections}""")
    write(os.path.join(etc, "rucio.cfg"), f"""[common]
logdir = {root}
loglevel = INFO

[client]
rucio_host = http://127.0.0.1:{port}
auth_host = http://127.0.0.1:{port}
auth_type = userpass
username = ddmlab
password = secret
account = root
request_retries = 1

[database]
default = {db}
poolclass = nullpool

[bootstrap]
userpass_identity = ddmlab
userpass_pwd = secret
userpass_email = ddmlab@example.org

[alembic]
cfg = {etc}/alembic.ini

[policy]
permission = generic
schema = generic
lfn2pfn_algorithm_default = hash

[credentials]
signature_lifetime = 600

[trace]
tracedir = {root}/traces
brokers = 127.0.0.1
port = {free_port()}
topic = /topic/rucio.tracer
username = none
password = none

[api]
endpoints = accountlimits, accounts, auth, config, credentials, dids, identities, lifetime_exceptions, locks, meta_conventions, ping, replicas, requests, rses, rules, scopes, subscriptions, traces, vos
""")
    if oidc_issuer:
        # core/oidc.py: idpsecrets.json keyed by admin_issuer; a JWT must carry these aud and scope.
        with open(os.path.join(etc, "rucio.cfg"), "a") as f:
            f.write(f"""
[oidc]
idpsecrets = {etc}/idpsecrets.json
admin_issuer = test-iam
expected_audience = rucio
expected_scope = openid profile
""")
        write(os.path.join(etc, "idpsecrets.json"), json.dumps({"test-iam": {
            "issuer": oidc_issuer, "client_id": "rucio", "client_secret": "rucio-client-secret",
            "redirect_uris": ["http://127.0.0.1/auth/oidc_code"],
            "SCIM": {"client_id": "rucio-scim", "client_secret": "rucio-scim-secret"}}}, indent=1))
    write(os.path.join(etc, "rse-accounts.cfg"), "{}")
    return etc


def environment(root):
    env = dict(os.environ, RUCIO_HOME=root, RUCIO_CONFIG=os.path.join(root, "etc", "rucio.cfg"))
    env.pop("X509_USER_PROXY", None)
    env.pop("X509_CERT_DIR", None)
    if oidc_issuer:
        env["REQUESTS_CA_BUNDLE"] = os.path.join(root, "pki", "ca.pem")
    return env


def openssl(*arguments, cwd):
    subprocess.run(["openssl", *arguments], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_pki(root):
    """A CA, a server certificate for 127.0.0.1, a user certificate and an RFC 3820 proxy of it."""
    pki = os.path.join(root, "pki")
    os.makedirs(pki, exist_ok=True)
    write(os.path.join(pki, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    write(os.path.join(pki, "proxy.ext"),
          "keyUsage=critical,digitalSignature,keyEncipherment\n"
          "proxyCertInfo=critical,language:id-ppl-inheritAll\n")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/C=CH/O=Test Grid/CN=Test Grid CA", cwd=pki)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/C=CH/O=Test Grid/CN=127.0.0.1", cwd=pki)
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext", cwd=pki)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "user.key", "-out", "user.csr",
            "-subj", "/C=CH/O=Test Grid/OU=Users/CN=Pilot Tester", cwd=pki)
    openssl("x509", "-req", "-in", "user.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "user.pem", "-days", "2", cwd=pki)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "proxy.key", "-out", "proxy.csr",
            "-subj", "/C=CH/O=Test Grid/OU=Users/CN=Pilot Tester/CN=424242", cwd=pki)
    openssl("x509", "-req", "-in", "proxy.csr", "-CA", "user.pem", "-CAkey", "user.key", "-set_serial", "424242",
            "-out", "proxy-cert.pem", "-days", "1", "-extfile", "proxy.ext", cwd=pki)
    # A proxy file as voms-proxy-init writes it: the proxy, its key, then the user certificate.
    with open(os.path.join(pki, "x509up"), "w") as out:
        for name in ("proxy-cert.pem", "proxy.key", "user.pem"):
            out.write(open(os.path.join(pki, name)).read())
    os.chmod(os.path.join(pki, "x509up"), 0o600)
    # The user certificate and key in one file, as a client certificate.
    with open(os.path.join(pki, "usercert-and-key.pem"), "w") as out:
        for name in ("user.pem", "user.key"):
            out.write(open(os.path.join(pki, name)).read())
    write(os.path.join(pki, "gunicorn_tls.py"), f"""import ssl
certfile = {os.path.join(pki, "server.pem")!r}
keyfile = {os.path.join(pki, "server.key")!r}
ca_certs = {os.path.join(pki, "ca.pem")!r}
cert_reqs = ssl.CERT_OPTIONAL


def ssl_context(conf, default_ssl_context_factory):
    context = default_ssl_context_factory()
    context.verify_flags |= 0x40  # X509_V_FLAG_ALLOW_PROXY_CERTS
    return context
""")
    write(os.path.join(pki, "rucio_x509_app.py"), """from rucio.web.rest.flaskapi.v1.main import application as rucio_application

NAMES = {"commonName": "CN", "organizationalUnitName": "OU", "organizationName": "O", "countryName": "C",
         "localityName": "L", "stateOrProvinceName": "ST", "domainComponent": "DC"}


def application(environ, start_response):
    # What Apache's mod_ssl hands Rucio: the client's subject, RFC 2253 order (last RDN first).
    sock = environ.get("gunicorn.socket")
    cert = sock.getpeercert() if sock is not None and hasattr(sock, "getpeercert") else None
    if cert and cert.get("subject"):
        parts = [f"{NAMES.get(k, k)}={v}" for rdn in cert["subject"] for (k, v) in rdn]
        environ["SSL_CLIENT_S_DN"] = ",".join(reversed(parts))
    return rucio_application(environ, start_response)
""")
    return pki


def start_gunicorn(root, port, log, extra=(), app="rucio.web.rest.flaskapi.v1.main:application", cwd=None):
    venv_bin = os.path.dirname(sys.executable)
    return subprocess.Popen(
        [os.path.join(venv_bin, "gunicorn"), "--no-control-socket", "-b", f"127.0.0.1:{port}", "-w", "1",
         "--threads", "4", "--timeout", "120", *extra, app],
        env=environment(root), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        cwd=cwd or root)


def wait_ping(url, process, context=None, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"rucio-server: gunicorn exited {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/ping", timeout=2, context=context) as reply:
                return json.loads(reply.read())
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"rucio-server: {url}/ping did not answer in {timeout} s")


def set_up(root, s3_port, proxy_port, bucket, dn, oidc=None):
    """RSEs, attributes, credentials, accounts and scopes, as root through the Python client."""
    os.environ.update(environment(root))
    from rucio.client import Client
    client = Client()

    def rse(name, port, prefix, region, credentials=True):
        client.add_rse(name)
        client.add_protocol(name, {
            "scheme": "https", "hostname": "localhost", "port": port, "prefix": prefix,
            "impl": "rucio.rse.protocols.webdav.NoRename",
            "domains": {"lan": {"read": 1, "write": 1, "delete": 1}, "wan": {"read": 1, "write": 1, "delete": 1}},
        })
        client.add_rse_attribute(name, "sign_url", "s3")
        client.add_rse_attribute(name, "skip_upload_stat", True)
        client.add_rse_attribute(name, "region", region)
        client.add_rse_attribute(name, "cloud", "aws")
        rse_id = client.get_rse(name)["id"]
        return rse_id if credentials else None

    ids = {
        "S3_SCRATCHDISK": rse("S3_SCRATCHDISK", s3_port, f"/{bucket}/s3/", "us-east-1"),
        "FAR_SCRATCHDISK": rse("FAR_SCRATCHDISK", s3_port, f"/{bucket}/far/", "eu-west-2"),
        "SLOW_SCRATCHDISK": rse("SLOW_SCRATCHDISK", proxy_port, f"/{bucket}/slow/", "us-east-1"),
        "MISSING_SCRATCHDISK": rse("MISSING_SCRATCHDISK", s3_port, f"/{bucket}-missing/", "ap-south-1"),
    }
    rse("NOCREDS_SCRATCHDISK", s3_port, f"/{bucket}/nocreds/", "us-east-1", credentials=False)
    accounts = {rse_id: {"access_key": "test", "secret_key": "test", "signature_version": "s3v4", "region": "us-east-1"}
                for rse_id in ids.values()}
    write(os.path.join(root, "etc", "rse-accounts.cfg"), json.dumps(accounts, indent=1))

    for account, password, sign in (("pilot", "pilot-secret", True), ("nosign", "nosign-secret", False)):
        client.add_account(account, "USER", f"{account}@example.org")
        client.add_identity(account, account, "USERPASS", f"{account}@example.org", password=password)
        client.add_scope(account, f"user.{account}")
        if sign:
            client.add_account_attribute(account, "sign-url", "true")
        for name in list(ids) + ["NOCREDS_SCRATCHDISK"]:
            client.set_local_account_limit(account, name, 10**15)
    client.add_scope("root", "tests")
    if dn:
        client.add_identity("pilot", dn, "X509", "pilot@example.org")
    if oidc:
        for sub, issuer in (("pilot", oidc["issuer"]), ("pilot-brief", oidc["issuer"]), ("pilot", oidc["untrusted_issuer"])):
            client.add_identity("pilot", f"SUB={sub}, ISS={issuer}", "OIDC", "pilot@example.org")
    return ids


def start_identity_providers(root, pki, ports, log, children):
    """The three OIDC providers (module docstring), as one child; what the tests need to get tokens."""
    clients = {"pilot": {"secret": "pilot-client-secret", "lifetime": 3600},
               "pilot-brief": {"secret": "pilot-brief-secret", "lifetime": 8}}
    trusted = dict(clients, rucio={"secret": "rucio-client-secret", "lifetime": 600})
    ready = os.path.join(root, "oidc-ready.json")
    write(os.path.join(root, "oidc.json"), json.dumps({"ready": ready, "providers": [
        {"port": ports["trusted"], "clients": trusted},
        {"port": ports["untrusted"], "clients": clients},
        {"port": ports["impostor"], "issuer": oidc_issuer, "clients": clients}]}))
    process = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "oidc-provider.py"), "--config", os.path.join(root, "oidc.json"),
         "--cert", os.path.join(pki, "server.pem"), "--key", os.path.join(pki, "server.key")],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    children.append(process)
    deadline = time.time() + 60
    while not os.path.exists(ready):
        if process.poll() is not None or time.time() > deadline:
            raise SystemExit("rucio-server: the OIDC providers did not start (rucio.log)")
        time.sleep(0.1)
    token_url = {name: f"https://127.0.0.1:{port}/token" for name, port in ports.items()}
    return {"issuer": oidc_issuer, "untrusted_issuer": f"https://127.0.0.1:{ports['untrusted']}/",
            "token_urls": token_url, "clients": {name: client["secret"] for name, client in clients.items()}}


class ThrottlingProxy(threading.Thread):
    """A TCP proxy to LocalStack that can slow and cut the next connections' replies (DIR/proxy.json)."""

    def __init__(self, root, port, upstream):
        super().__init__(daemon=True)
        self.root, self.upstream = root, upstream
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(64)
        self.lock = threading.Lock()

    def rule(self):
        path = os.path.join(self.root, "proxy.json")
        with self.lock:
            try:
                rule = json.load(open(path))
            except (OSError, ValueError):
                return None
            left = int(rule.get("connections", 0))
            if left <= 0:
                return None
            rule["connections"] = left - 1
            write(path, json.dumps(rule))
            return rule

    def run(self):
        while not stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            rule = self.rule()
            threading.Thread(target=self.serve, args=(client, rule), daemon=True).start()

    def serve(self, client, rule):
        try:
            server = socket.create_connection(("127.0.0.1", self.upstream))
        except OSError:
            client.close()
            return

        def pump(source, sink, throttled):
            sent = 0
            try:
                while True:
                    data = source.recv(16384 if not throttled else 4096)
                    if not data:
                        break
                    if throttled and rule.get("cut_after") is not None and sent + len(data) > rule["cut_after"]:
                        sink.sendall(data[: max(0, rule["cut_after"] - sent)])
                        break
                    sink.sendall(data)
                    sent += len(data)
                    if throttled and rule.get("rate"):
                        time.sleep(len(data) / float(rule["rate"]))
            except OSError:
                pass
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        up = threading.Thread(target=pump, args=(client, server, False), daemon=True)
        up.start()
        pump(server, client, rule is not None)
        up.join(5)
        client.close()
        server.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--s3-port", type=int, required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--watch-pid", type=int)
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--oidc", action="store_true")
    options = parser.parse_args()

    # Foundation's Process starts children with most signals blocked; gunicorn must see SIGTERM.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    if os.getpgid(0) != os.getpid():
        os.setsid()
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, lambda *_: stop.set())

    root = os.path.realpath(options.dir)
    started = time.time()
    port, proxy_port = free_port(), free_port()
    tls_port = free_port() if options.tls else None
    idp_ports = {}
    if options.oidc and options.tls:
        global oidc_issuer
        idp_ports = {name: free_port() for name in ("trusted", "untrusted", "impostor")}
        oidc_issuer = f"https://127.0.0.1:{idp_ports['trusted']}/"
    configure(root, port, tls_port, oidc_issuer)
    log = open(os.path.join(root, "rucio.log"), "ab")
    venv = os.path.dirname(os.path.dirname(sys.executable))
    subprocess.run([sys.executable, os.path.join(venv, "rucio", "tools", "bootstrap.py")], env=environment(root),
                   check=True, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    children = [start_gunicorn(root, port, log)]
    pki = dn = oidc = None
    try:
        if options.tls:
            pki = make_pki(root)
            dn = "CN=Pilot Tester,OU=Users,O=Test Grid,C=CH"
            children.append(start_gunicorn(root, tls_port, log, extra=["-c", os.path.join(pki, "gunicorn_tls.py")],
                                           app="rucio_x509_app:application", cwd=pki))
        if idp_ports:
            oidc = start_identity_providers(root, pki, idp_ports, log, children)
        url = f"http://127.0.0.1:{port}"
        version = wait_ping(url, children[0])["version"]
        if options.tls:
            import ssl
            context = ssl.create_default_context(cafile=os.path.join(pki, "ca.pem"))
            wait_ping(f"https://127.0.0.1:{tls_port}", children[1], context=context)
        proxy = ThrottlingProxy(root, proxy_port, options.s3_port)
        proxy.start()
        ids = set_up(root, options.s3_port, proxy_port, options.bucket, dn, oidc)
        ready = {
            "url": url, "version": version, "proxy_port": proxy_port, "rse_ids": ids,
            "trace_file": os.path.join(root, "traces", "trace"), "log": os.path.join(root, "rucio.log"),
            "seconds": round(time.time() - started, 2),
        }
        if options.tls:
            ready.update(tls_url=f"https://127.0.0.1:{tls_port}", ca=os.path.join(pki, "ca.pem"),
                         proxy=os.path.join(pki, "x509up"), usercert=os.path.join(pki, "usercert-and-key.pem"), dn=dn)
        if oidc:
            ready["oidc"] = oidc
        write(os.path.join(root, "ready.json.tmp"), json.dumps(ready, indent=1))
        os.rename(os.path.join(root, "ready.json.tmp"), os.path.join(root, "ready.json"))

        while not stop.wait(0.5):
            if options.watch_pid:
                try:
                    os.kill(options.watch_pid, 0)
                except ProcessLookupError:
                    break
            if any(child.poll() is not None for child in children):
                print("rucio-server: gunicorn exited", file=sys.stderr)
                break
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
