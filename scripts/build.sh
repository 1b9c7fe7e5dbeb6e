#!/usr/bin/env bash
# Publishes the NativeAOT `skiff` binary into out/ (and installs it on PATH with --install).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet publish src/Skiff.Cli -c Release -r linux-x64 -o out -nologo -v quiet -p:TreatWarningsAsErrors=true >/dev/null
echo "built $(pwd)/out/skiff"
if [ "${1:-}" = "--install" ]; then
  install -m 0755 out/skiff /usr/local/bin/skiff
  echo "installed /usr/local/bin/skiff"
fi
