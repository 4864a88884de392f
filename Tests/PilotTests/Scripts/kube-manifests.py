#!/usr/bin/env python3
"""kube-manifests.py: read YAML for the deployment tests, with the kube-validate venv's Python.

  kube-manifests.py validate VERSION FILE...
      every document of every FILE checked with kubernetes-validate against the Kubernetes API
      schema of VERSION (e.g. 1.30.0), strictly (an unknown field is an error). Prints
      {"documents": [{"file", "kind", "name", "errors": [...], "object": {...}}]}.
  kube-manifests.py json FILE
      the YAML document in FILE as JSON (cloud-init user-data).

Exit 0 when every document validated, 1 otherwise (the JSON still says which and why).
"""
import json
import sys

import kubernetes_validate
import yaml


def validate(version, files):
    documents, ok = [], True
    for path in files:
        with open(path) as stream:
            for obj in yaml.safe_load_all(stream):
                if obj is None:
                    continue
                errors = []
                try:
                    kubernetes_validate.validate(obj, version, strict=True)
                except kubernetes_validate.ValidationError as error:
                    location = ".".join(str(p) for p in error.path)
                    errors.append("%s: %s" % (location or "(top)", error.message))
                except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as error:
                    errors.append("no schema: %s" % error)
                ok = ok and not errors
                documents.append({"file": path, "kind": obj.get("kind"),
                                  "name": (obj.get("metadata") or {}).get("name"),
                                  "errors": errors, "object": obj})
    print(json.dumps({"documents": documents}, default=str))
    return 0 if ok else 1


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "validate":
        return validate(sys.argv[2], sys.argv[3:])
    if len(sys.argv) == 3 and sys.argv[1] == "json":
        print(json.dumps(yaml.safe_load(open(sys.argv[2])), default=str))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
