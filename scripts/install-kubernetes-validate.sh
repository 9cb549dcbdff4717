#!/usr/bin/env bash
# Installs kubernetes-validate (PyPI) for the Kubernetes executor's tests:
# they validate rendered Job manifests against the Job schema offline, and
# run the stand-in kubectl (Tests/Fixtures/kubectl-standin) with this venv's
# Python, which has PyYAML. Prints the path of its `kubernetes-validate`.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/install-python-tool.sh" kubernetes-validate-1.31.0 kubernetes-validate \
    kubernetes_validate,yaml kubernetes-validate==1.31.0
