#!/usr/bin/env bash
# make package: the station's Linux packages, in bin/
#   labelstation-VERSION-linux-amd64.tar.xz   what `fyne package` makes: the
#       binary, the desktop entry and the icon under usr/local/, and a
#       Makefile (`sudo make install`, or `make user-install` into ~/.local)
#   labelstation_DEBVERSION_amd64.deb         the same files under /usr, with
#       Depends worked out by dpkg-shlibdeps (libGL, X11, libusb, libc)
# Needs FYNE (the fyne CLI, make builds it into .tools/bin), dpkg-dev and
# desktop-file-utils (make installs them). VERSION: see package-version.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
: "${FYNE:?FYNE must name the fyne CLI (make package builds it)}"
DEB_MAINTAINER=${DEB_MAINTAINER:-labelstation maintainers <maintainers@labelstation.invalid>}
. scripts/package-version.sh
echo "version $VERSION (package $APP_VERSION build $APP_BUILD, deb $DEB_VERSION)"

stage=bin/package/linux
rm -rf "$stage"
mkdir -p "$stage"

# The binary, stamped; the same compile flags as `make build`, so one of
# them reuses the other's cache. -s -w: no symbol table (stack traces stay).
CGO_ENABLED=1 $GO build -ldflags "-X main.version=$VERSION -s -w" -o "$stage/labelstation" ./cmd/labelstation
got=$("$stage/labelstation" version)
[ "$got" = "labelstation $VERSION" ] || { echo "package: the binary says '$got', want 'labelstation $VERSION'" >&2; exit 1; }
echo "$stage/labelstation version: $got"

# fyne package reads FyneApp.toml and the icon from --src and, when done,
# rewrites FyneApp.toml there (Build+1): so it works on a copy, with the
# version and build from git, and never on the committed file. It also
# wants to see Go source in --src, although the binary is prebuilt (--exe).
icon=$(sed -n 's/^ *Icon *= *"\(.*\)".*/\1/p' FyneApp.toml | head -n1)
mkdir -p "$stage/$(dirname "$icon")"
cp "$icon" "$stage/$icon"
sed -e "s/^\( *Version *= *\).*/\1\"$APP_VERSION\"/" -e "s/^\( *Build *= *\).*/\1$APP_BUILD/" FyneApp.toml >"$stage/FyneApp.toml"
printf '// fyne package looks for Go source in --src; the station is prebuilt (--exe).\npackage main\n' >"$stage/fyne_package.go"
(cd "$stage" && "$FYNE" package --target linux --src . --exe labelstation --name labelstation \
	--app-version "$APP_VERSION" --app-build "$APP_BUILD")
tarball=bin/labelstation-$VERSION-linux-amd64.tar.xz
mv "$stage/labelstation.tar.xz" "$tarball"

# The .deb: the tarball's tree moved from /usr/local to /usr (a package
# never installs into /usr/local), its Makefile left out.
root=$stage/deb
mkdir -p "$root"
tar -xJf "$tarball" -C "$root" usr
if [ -d "$root/usr/local" ]; then
	mv "$root/usr/local"/* "$root/usr/"
	rmdir "$root/usr/local"
fi
desktop=$(ls "$root"/usr/share/applications/*.desktop)
desktop-file-validate "$desktop"
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod 0644 {} +
chmod 0755 "$root/usr/bin/labelstation"

# dpkg-shlibdeps wants to run in a source tree: a minimal debian/control
# is enough for it.
shl=$stage/shlibs
here=$PWD
mkdir -p "$shl/debian"
printf 'Source: labelstation\n\nPackage: labelstation\nArchitecture: amd64\n' >"$shl/debian/control"
# (Its warning that the binary is not yet installed in a package tree is
# true, and harmless here.)
depends=$(cd "$shl" && dpkg-shlibdeps -O -e "$here/$root/usr/bin/labelstation" 2> >(grep -v 'should already be installed' >&2) |
	sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "package: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

mkdir -p "$root/DEBIAN"
size=$(du -sk --apparent-size "$root/usr" | cut -f1)
control=$(<packaging/deb/control)
control=${control//@VERSION@/$DEB_VERSION}
control=${control//@MAINTAINER@/$DEB_MAINTAINER}
control=${control//@INSTALLED_SIZE@/$size}
control=${control//@DEPENDS@/$depends}
printf '%s\n' "$control" >"$root/DEBIAN/control"
deb=bin/labelstation_${DEB_VERSION}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb"

echo
echo "== $tarball"
tar -tvJf "$tarball"
echo
echo "== $(ls "$root"/usr/share/applications/)"
cat "$desktop"
echo "== $deb"
dpkg-deb -I "$deb"
dpkg-deb -c "$deb"
echo
ls -l "$tarball" "$deb"
