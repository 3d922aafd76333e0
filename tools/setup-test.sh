#!/usr/bin/env bash
# Installs what the tests need beyond the build: Debian's chromium (Playwright drives it;
# never `playwright install`, which downloads a browser), docker.io, and shellcheck and
# python3-yaml for the deployment files' checks (tools/test-deploy.sh).
. "$(dirname "$0")/lib.sh"
# debootstrap builds the service panel's fixture image (tools/fixture-image.sh); shellcheck and
# python3-yaml check the deployment files (tools/test-deploy.sh).
timed "test packages" apt_ensure chromium docker.io debootstrap shellcheck python3-yaml
