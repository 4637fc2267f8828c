#!/usr/bin/env bash
# Builds a Go command from a module at an exact version into OUT:
#   scripts/package-gotool.sh MODULE VERSION PACKAGE OUT
# e.g. fyne.io/tools v1.7.0 cmd/fyne .tools/bin/fyne-v1.7.0.
# Not `go install MODULE/PACKAGE@VERSION`: that also asks the module proxy
# for the module's version list (to look for a deprecation), which the proxy
# refuses for fyne.io/tools. Downloading one version and building it in its
# own module directory (with its own go.mod and go.sum) asks only for that
# version and the versions its go.sum pins.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 MODULE VERSION PACKAGE OUT" >&2; exit 2; }
mod=$1 ver=$2 pkg=$3 out=$4
GO=${GO:-go}
case $out in /*) ;; *) out=$PWD/$out ;; esac

# Outside any module, so the project's go.mod is never touched.
dir=$(cd / && GO111MODULE=on $GO mod download -json "$mod@$ver" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
[ -n "$dir" ] && [ -d "$dir" ] || { echo "$0: could not download $mod@$ver" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
echo "building $mod/$pkg@$ver into $out"
cd "$dir"
GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=${CGO_ENABLED:-1} $GO build -o "$out.tmp" "./$pkg"
mv "$out.tmp" "$out"
