#!/usr/bin/env bash
# Sourced by the package scripts (make package, make windows). Sets:
#   VERSION      git describe --tags --always --dirty (what `labelstation
#                version` prints, and the packages' file names); make's
#                VERSION when given
#   APP_VERSION  x.y.z for package metadata (FyneApp.toml, the .deb, the
#                .exe's version resource): the vX.Y.Z tag VERSION starts
#                with, else FyneApp.toml's Version (the next release's)
#   APP_BUILD    the number of commits up to HEAD: grows with every commit
#   DEB_VERSION  X.Y.Z on a tag, X.Y.Z+N.gHASH after one, and before the
#                first tag APP_VERSION~gitBUILD.HASH, which sorts before
#                the release it leads to (append .dirty for a dirty tree)
# Run from the repository root.

VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
base=$(sed -n 's/^ *Version *= *"\([0-9][0-9.]*\)".*/\1/p' FyneApp.toml | head -n1)
APP_BUILD=$(git rev-list --count HEAD 2>/dev/null || echo 1)
[ "$APP_BUILD" -gt 0 ] 2>/dev/null || APP_BUILD=1

tagged=$(printf '%s\n' "$VERSION" | sed -n 's/^v\{0,1\}\([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*/\1/p')
if [ -n "$tagged" ]; then
	APP_VERSION=$tagged
	# v1.2.3 -> 1.2.3; v1.2.3-4-gabc1234-dirty -> 1.2.3+4.gabc1234.dirty
	rest=${VERSION#*"$tagged"}
	rest=${rest#-}
	if [ -n "$rest" ]; then DEB_VERSION=$tagged+${rest//-/.}; else DEB_VERSION=$tagged; fi
else
	APP_VERSION=${base:-0.0.1}
	DEB_VERSION=$APP_VERSION~git$APP_BUILD.${VERSION//-/.}
fi
export VERSION APP_VERSION APP_BUILD DEB_VERSION
