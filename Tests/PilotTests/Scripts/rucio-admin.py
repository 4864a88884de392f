"""What the Rucio lane's tests do as root: put files on the S3 RSEs, read registrations back.

Run with the Rucio venv's python, RUCIO_HOME pointing at rucio-server.py's DIR:

    rucio-admin.py add-file --scope S --name N --file PATH --rse R [--rse R2 ...] [--adler32 X] [--no-upload]
        Stores PATH's bytes at the file's hash PFN of each RSE in LocalStack's bucket (a header-signed boto3
        PUT, as a site's storage would hold it) and registers a replica on each RSE with its size,
        Adler-32 and MD5 (--adler32 registers a wrong one; --no-upload registers without storing).
        Prints {"keys": {rse: object key}, "adler32": ..., "md5": ..., "bytes": ...}.
    rucio-admin.py show --scope S --name N
        Prints the DID as Rucio has it ({"did": get_did, "meta": guid etc., "replicas": {rse: state}}),
        or {"did": null} when Rucio does not know it.
    rucio-admin.py delete-object --key K
        Removes an object from the bucket (a replica whose file has gone).
"""

import argparse
import hashlib
import json
import sys
import zlib


def s3(endpoint):
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="test", aws_secret_access_key="test",
                        region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["add-file", "show", "delete-object"])
    parser.add_argument("--scope")
    parser.add_argument("--name")
    parser.add_argument("--file")
    parser.add_argument("--rse", action="append", default=[])
    parser.add_argument("--adler32")
    parser.add_argument("--no-upload", action="store_true")
    parser.add_argument("--s3-endpoint")
    parser.add_argument("--bucket")
    parser.add_argument("--key")
    options = parser.parse_args()

    from rucio.client import Client
    from rucio.common.exception import DataIdentifierNotFound
    client = Client()

    if options.command == "add-file":
        data = open(options.file, "rb").read()
        adler = "%08x" % (zlib.adler32(data, 1) & 0xFFFFFFFF)
        md5 = hashlib.md5(data).hexdigest()
        did = f"{options.scope}:{options.name}"
        keys = {}
        for rse in options.rse:
            pfn = client.lfns2pfns(rse, [did], operation="write", scheme="https")[did]
            if f"/{options.bucket}/" in pfn:  # not MISSING_SCRATCHDISK's bucket, which does not exist
                keys[rse] = pfn.split(f"/{options.bucket}/", 1)[1]
                if not options.no_upload:
                    s3(options.s3_endpoint).put_object(Bucket=options.bucket, Key=keys[rse], Body=data)
            client.add_replicas(rse, [{"scope": options.scope, "name": options.name, "bytes": len(data),
                                       "adler32": options.adler32 or adler, "md5": md5}])
        print(json.dumps({"keys": keys, "adler32": adler, "md5": md5, "bytes": len(data)}))
    elif options.command == "show":
        try:
            did = client.get_did(options.scope, options.name)
        except DataIdentifierNotFound:
            print(json.dumps({"did": None}))
            return 0
        meta = client.get_metadata(options.scope, options.name)
        replicas = {}
        for replica in client.list_replicas([{"scope": options.scope, "name": options.name}], all_states=True):
            replicas.update(replica.get("states", {}))
        print(json.dumps({"did": did, "meta": {k: v for k, v in meta.items() if isinstance(v, (str, int, type(None)))},
                          "replicas": replicas}, default=str))
    elif options.command == "delete-object":
        s3(options.s3_endpoint).delete_object(Bucket=options.bucket, Key=options.key)
        print("{}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
