"""Chromium 109 for the old-browser test (tests/test_browser_compat.py): the last Chrome that
Windows 7 and 8.1 get, and about the core of the older 360 and QQ browsers.

Debian packages only the current Chromium. The npm package @sparticuz/chromium carries a
Chromium build inside its tarball (brotli-compressed); the npm registry is reachable where
PyPI is, so it is fetched from there, checked against the registry's published sha512, and
unpacked into build/chromium-109/. Idempotent: does nothing when the binary is there.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "build" / "chromium-109"
BINARY = TARGET / "chromium"
URL = "https://registry.npmjs.org/@sparticuz/chromium/-/chromium-109.0.6.tgz"
# `npm view @sparticuz/chromium@109.0.6 dist.integrity`
SHA512 = "9hTE03DXnrWTiGNpfjLfmGhIfmiVAerSPinDb+x5bBdM4KF4PMM1NZ0A+V7WKazoA+CasSX/osHK8K0MuO6uqg=="


def main() -> int:
    if BINARY.exists():
        return 0
    import brotli

    print(f"Fetching Chromium 109 for the old-browser test: {URL}")
    with urllib.request.urlopen(URL, timeout=300) as response:
        data = response.read()
    if base64.b64encode(hashlib.sha512(data).digest()).decode() != SHA512:
        print(f"{URL}: sha512 differs from the registry's published integrity", file=sys.stderr)
        return 1
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        packed = archive.extractfile("package/bin/chromium.br").read()
    TARGET.mkdir(parents=True, exist_ok=True)
    partial = BINARY.with_suffix(".partial")
    partial.write_bytes(brotli.decompress(packed))
    partial.chmod(0o755)
    partial.replace(BINARY)  # only a whole binary counts as installed
    return 0


if __name__ == "__main__":
    sys.exit(main())
