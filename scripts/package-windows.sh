#!/usr/bin/env bash
# make windows: the station for Windows (amd64), cross-compiled with cgo
# (Fyne's GLFW/OpenGL driver) by Debian's mingw-w64 gcc, into
#   bin/labelstation-VERSION-windows-amd64.exe
# One self-contained GUI program (-H windowsgui) that needs only Windows'
# own DLLs, with the icon, a manifest (runs as the user, per-monitor DPI)
# and a version resource (Properties > Details) embedded. Its subcommands
# print to the console they were typed in (cmd/labelstation/console_windows.go).
# USB printers and HID scales are not read through libusb on Windows (the
# gousb code builds for Linux/macOS only, see printer/usb_gousb.go and
# scale/hid_other.go): printers go through the spooler (spool://NAME), TCP
# or CUPS, scales through their serial (COM) port.
# Needs GOVERSIONINFO (make builds it into .tools/bin), x86_64-w64-mingw32-gcc
# and ImageMagick's convert (make installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
: "${GOVERSIONINFO:?GOVERSIONINFO must name the goversioninfo command (make windows builds it)}"
CC_WINDOWS=${CC_WINDOWS:-x86_64-w64-mingw32-gcc}
. scripts/package-version.sh
echo "version $VERSION (file version $APP_VERSION.$APP_BUILD)"

stage=bin/package/windows
rm -rf "$stage"
mkdir -p "$stage"
here=$PWD

# The resources, as a COFF object that the external linker (mingw's ld,
# which cgo uses) links in with -extldflags: no .syso file is ever written
# into the source tree.
icon=$(sed -n 's/^ *Icon *= *"\(.*\)".*/\1/p' FyneApp.toml | head -n1)
convert "$icon" -define icon:auto-resize=256,128,64,48,32,16 "$stage/labelstation.ico"
IFS=. read -r major minor patch <<<"$APP_VERSION"
"$GOVERSIONINFO" -64 -o "$stage/resources.o" \
	-icon "$stage/labelstation.ico" -manifest packaging/windows/labelstation.exe.manifest \
	-file-version "$APP_VERSION.$APP_BUILD" -product-version "$VERSION" \
	-ver-major "$major" -ver-minor "$minor" -ver-patch "$patch" -ver-build "$APP_BUILD" \
	-product-ver-major "$major" -product-ver-minor "$minor" -product-ver-patch "$patch" -product-ver-build "$APP_BUILD" \
	packaging/windows/versioninfo.json

exe=bin/labelstation-$VERSION-windows-amd64.exe
start=$(date +%s)
CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=$CC_WINDOWS \
	$GO build -ldflags "-H windowsgui -s -w -X main.version=$VERSION -extldflags $here/$stage/resources.o" \
	-o "$exe" ./cmd/labelstation
echo "built $exe in $(($(date +%s) - start))s"

# Checks that need no Windows: a 64-bit GUI program, resources in it,
# no DLL to ship beside it, the version stamped.
# (Each output is read whole first: grep -q on a pipe would stop reading
# early and, with pipefail, fail the pipeline.)
objdump=x86_64-w64-mingw32-objdump
headers=$($objdump -p "$exe")
sections=$($objdump -h "$exe")
buildinfo=$($GO version -m "$exe")
grep -E '^(Magic|Subsystem)[[:space:]]' <<<"$headers"
grep -q '^Subsystem.*Windows GUI' <<<"$headers" || { echo "windows: $exe is not a GUI program" >&2; exit 1; }
grep -q ' \.rsrc ' <<<"$sections" || { echo "windows: no resources (.rsrc) in $exe" >&2; exit 1; }
dlls=$(sed -n 's/^[[:space:]]*DLL Name: //p' <<<"$headers" | sort -u | tr '\n' ' ')
echo "imports: $dlls"
for dll in $dlls; do
	# mingw's runtime (libgcc_s_seh-1, libwinpthread-1, libstdc++-6) or
	# libusb-1.0.dll would have to be shipped beside the .exe.
	case ${dll,,} in lib*.dll) echo "windows: $exe needs $dll, which Windows does not have" >&2; exit 1 ;; esac
done
grep -q -- "-X main.version=$VERSION" <<<"$buildinfo" || { echo "windows: version $VERSION not stamped" >&2; exit 1; }
echo "stamped: labelstation $VERSION"
ls -l "$exe"
