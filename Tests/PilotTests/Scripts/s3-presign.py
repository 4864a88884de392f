"""SigV4 presigned S3 URLs made exactly as Rucio makes them, plus the set-up calls of the S3 tests.

Run with the LocalStack venv's python (scripts/install-localstack.sh installs boto3 there):

    s3-presign.py --endpoint URL --bucket B --key K --method get|put [--expires S] [--signed-at EPOCH]
        prints the presigned URL: boto3 generate_presigned_url('get_object'|'put_object',
        Params={'Bucket', 'Key'}, ExpiresIn=S), as rucio core/credential.py get_signed_url does
        (STAGING.md section 1). --signed-at signs as if the clock read EPOCH (an already expired URL
        without waiting).
    s3-presign.py --endpoint URL --bucket B --create-bucket
        creates the bucket (no error if this client already owns it).
    s3-presign.py --endpoint URL --bucket B --key K --put-object FILE
        stores FILE at K (header-signed; LocalStack does not check those) and prints the ETag.
    s3-presign.py --endpoint URL --bucket B --key K --get-object FILE
        writes the object to FILE; exits 3 when there is no such key.
    s3-presign.py --endpoint URL --bucket B --key K --multipart N [--expires S] [--signed-at EPOCH]
        creates a multipart upload at K (create_multipart_upload) and presigns upload_part for part
        numbers 1..N, complete_multipart_upload (a POST) and abort_multipart_upload (a DELETE), as
        a service holding the credentials would; prints JSON {"upload_id": ID, "parts": [url1, ...],
        "complete": url, "abort": url}. --signed-at applies to the part URLs only (an expired part,
        the completion still valid).
    s3-presign.py --endpoint URL --bucket B --list-uploads
        prints JSON [upload ID, ...]: the multipart uploads the bucket still holds (neither
        completed nor aborted).
    s3-presign.py --endpoint URL --bucket B --delete-bucket
        deletes every object in the bucket, then the bucket; no error if it is already gone.

The credentials are LocalStack's defaults (test/test), the region us-east-1, path-style addressing.
"""

import argparse
import contextlib
import datetime
import importlib
import json
import sys
from unittest import mock

import boto3
import botocore.auth
from botocore.config import Config
from botocore.exceptions import ClientError


def client(endpoint):
    """The client Rucio builds from an RSE's rse-accounts.cfg entry (s3v4, path style)."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def presign(s3, bucket, key, method, expires, signed_at):
    operation = {"get": "get_object", "put": "put_object"}[method]
    return presign_operation(s3, operation, {"Bucket": bucket, "Key": key}, expires, signed_at)


def presign_operation(s3, operation, params, expires, signed_at, http_method=None):
    if signed_at is None:
        return s3.generate_presigned_url(operation, Params=params, ExpiresIn=expires, HttpMethod=http_method)
        return s3.generate_presigned_url(operation, Params=params, ExpiresIn=expires)
    when = datetime.datetime.fromtimestamp(signed_at, datetime.timezone.utc)

    def clock(remove_tzinfo=True):
        return when.replace(tzinfo=None) if remove_tzinfo else when

    # botocore signs with its CRT signers when awscrt is installed (LocalStack pulls it in) and
    # with its own otherwise; both read the time through get_current_datetime.
    with contextlib.ExitStack() as patches:
        for module in signer_modules():
            patches.enter_context(mock.patch.object(module, "get_current_datetime", clock))
        return s3.generate_presigned_url(operation, Params=params, ExpiresIn=expires, HttpMethod=http_method)


def multipart(s3, bucket, key, count, expires, signed_at):
    """Creates the upload and presigns its parts and its completion."""
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    base = {"Bucket": bucket, "Key": key, "UploadId": upload_id}
    parts = [
        presign_operation(s3, "upload_part", dict(base, PartNumber=number), expires, signed_at)
        for number in range(1, count + 1)
    ]
    complete = presign_operation(s3, "complete_multipart_upload", base, expires, None, "POST")
    abort = presign_operation(s3, "abort_multipart_upload", base, expires, None, "DELETE")
    return {"upload_id": upload_id, "parts": parts, "complete": complete, "abort": abort}


def signer_modules():
    modules = [botocore.auth]
    try:
        modules.append(importlib.import_module("botocore.crt.auth"))
    except ImportError:
        pass
    return modules


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--key")
    parser.add_argument("--method", choices=["get", "put"])
    parser.add_argument("--expires", type=int, default=600)
    parser.add_argument("--signed-at", type=int)
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--create-bucket", action="store_true")
    modes.add_argument("--delete-bucket", action="store_true")
    modes.add_argument("--put-object", metavar="FILE")
    modes.add_argument("--get-object", metavar="FILE")
    modes.add_argument("--multipart", metavar="N", type=int)
    modes.add_argument("--list-uploads", action="store_true")
    options = parser.parse_args()
    s3 = client(options.endpoint)

    if options.create_bucket:
        try:
            s3.create_bucket(Bucket=options.bucket)
        except ClientError as error:
            if error.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                raise
        return 0
    if options.delete_bucket:
        try:
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=options.bucket):
                for item in page.get("Contents", []):
                    s3.delete_object(Bucket=options.bucket, Key=item["Key"])
            s3.delete_bucket(Bucket=options.bucket)
        except ClientError as error:
            if error.response["Error"]["Code"] != "NoSuchBucket":
                raise
        return 0
    if options.list_uploads:
        uploads = s3.list_multipart_uploads(Bucket=options.bucket).get("Uploads", [])
        print(json.dumps([upload["UploadId"] for upload in uploads]))
        return 0
    if not options.key:
        parser.error("--key is required")
    if options.put_object:
        with open(options.put_object, "rb") as body:
            reply = s3.put_object(Bucket=options.bucket, Key=options.key, Body=body)
        print(reply["ETag"].strip('"'))
        return 0
    if options.get_object:
        try:
            s3.download_file(options.bucket, options.key, options.get_object)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey"):
                return 3
            raise
        return 0
    if options.multipart is not None:
        print(json.dumps(multipart(s3, options.bucket, options.key, options.multipart, options.expires,
                                   options.signed_at)))
        return 0
    if not options.method:
        parser.error("--method is required to presign")
    print(presign(s3, options.bucket, options.key, options.method, options.expires, options.signed_at))
    return 0


if __name__ == "__main__":
    sys.exit(main())
