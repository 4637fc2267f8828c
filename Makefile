# labelstation — the two front-door commands are `make run` and `make test`.
# Both install what they need on a fresh Debian machine (apt-get, npm).

GO        ?= go
BIN       := bin/labelstation
TOOLS     := $(CURDIR)/.tools
# What `labelstation version` prints: the tag, else the short commit hash
# (scripts/package-version.sh derives the packages' x.y.z from it).
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)

# Debian packages: Fyne's cgo build (go-gl, GLFW), gousb (libusb), and the
# real parts tests drive: socat (pty pairs for serial scales), Xvfb and
# xdotool/imagemagick (GUI screenshots), zbar-tools (decode printed barcodes),
# strace (make bench counts the fsyncs of one durable enqueue), postgresql
# (the fleet tests start their own server in a temporary directory).
APT_PACKAGES := gcc libc6-dev pkg-config libgl-dev libx11-dev libxcursor-dev \
	libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev libusb-1.0-0-dev \
	socat xvfb xauth xdotool x11-utils zbar-tools imagemagick poppler-utils \
	strace libasound2-dev postgresql
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build run test deps apt-deps node-deps vet bench soak fuzz screenshot package windows clean

all: build

apt-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# zpl-renderer-js renders ZPL to PNG in tests (so a test can prove a label scans).
# Node.js and npm come with the machine (Debian's apt npm clashes with it).
node-deps:
	@if [ -d $(TOOLS)/node_modules/zpl-renderer-js ]; then :; \
	elif command -v npm >/dev/null; then npm install --silent --no-audit --no-fund --prefix $(TOOLS) zpl-renderer-js@3.4.0; \
	else echo "npm not found: install Node.js 20 to run the label render tests"; exit 1; fi

deps: apt-deps node-deps

build: apt-deps
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/labelstation

# Starts the GUI in demo mode: in-process PostNord sandbox, simulated scale,
# preview printer (label files in the data dir), sample orders. An installed
# station opens the first-run wizard instead when it has no config file;
# make run goes straight to the demo (--skip-setup).
run: build
	@if [ -z "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		echo "no display found: starting the station under Xvfb (take a look with: make screenshot)"; \
		xvfb-run -a -s "-screen 0 1280x800x24" ./$(BIN) --skip-setup; \
	else ./$(BIN) --skip-setup; fi

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./printer/...

# Every package, GUI included, under the race detector: the GUI must touch
# widgets only through fyne.Do, and the station is used from many goroutines.
test: deps vet
	LABELSTATION_NODE_TOOLS=$(TOOLS) $(GO) test -race -count=1 ./...

# Packages. make package: the Linux tarball that `fyne package` makes
# (binary, desktop entry, icon) and a .deb of the same files, in bin/.
# make windows: bin/labelstation-VERSION-windows-amd64.exe, cross-compiled
# with cgo by Debian's mingw-w64 (CI builds it after make test). Both stamp
# VERSION into the binary. Their tools come from the Go module proxy, built
# by exact version into .tools/bin (see scripts/package-gotool.sh).
FYNE_TOOLS_VERSION    := v1.7.0
GOVERSIONINFO_VERSION := v1.4.0
FYNE          := $(TOOLS)/bin/fyne-$(FYNE_TOOLS_VERSION)
GOVERSIONINFO := $(TOOLS)/bin/goversioninfo-$(GOVERSIONINFO_VERSION)

$(FYNE):
	GO=$(GO) bash scripts/package-gotool.sh fyne.io/tools $(FYNE_TOOLS_VERSION) cmd/fyne $@

$(GOVERSIONINFO):
	GO=$(GO) bash scripts/package-gotool.sh github.com/josephspurrier/goversioninfo $(GOVERSIONINFO_VERSION) cmd/goversioninfo $@

package: apt-deps $(FYNE)
	@$(MAKE) --no-print-directory apt-deps APT_PACKAGES="dpkg-dev xz-utils desktop-file-utils"
	GO=$(GO) VERSION=$(VERSION) FYNE=$(FYNE) bash scripts/package-linux.sh

windows: $(GOVERSIONINFO)
	@$(MAKE) --no-print-directory apt-deps APT_PACKAGES="gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 imagemagick"
	GO=$(GO) VERSION=$(VERSION) GOVERSIONINFO=$(GOVERSIONINFO) bash scripts/package-windows.sh

# Scan-to-printed latency against the sandbox on loopback, next to a floor
# measured in the same run (one HTTP POST + one TCP write of the same bytes);
# the queue's drain time of 1,000 offline bookings at 100 ms latency next to
# its floor; the cost of one durable enqueue (median time, fsyncs); and the
# dashboard's KPIs over one day (5,000 parcels) and 90 days (450,000) in a
# store of the window alone, one with the window's 4.5 million tracking
# events too, and one with a year more (the filled stores, ~7 GB together,
# are kept in /dev/shm/labelstation-kpi-bench: the first run fills them in
# a few minutes; delete the folder to free the memory). And the site
# dashboard of fleet mode over a PostgreSQL of 20 benches × 90 days (9
# million tracking events, 900,000 parcels; filled by COPY in ~5 minutes
# on every run): time per report, the plan, blocks read, table sizes.
bench: deps
	$(GO) test -run '^$$' -bench 'BenchmarkPack|BenchmarkStableWeight' -benchtime 1x -count 1 ./station/
	$(GO) test -run '^$$' -bench 'BenchmarkRender' -benchmem -count 1 ./label/
	$(GO) test -run '^$$' -bench 'BenchmarkPrintPath' -benchtime 200x -count 1 ./printer/
	$(GO) test -run '^$$' -bench 'BenchmarkDrain' -benchtime 1x -count 1 -timeout 20m ./station/
	$(GO) test -run '^$$' -bench 'BenchmarkDrain' -benchtime 20x -count 1 ./station/outbox/
	GO=$(GO) scripts/fsyncs-per-enqueue.sh 1000
	$(GO) test -run '^$$' -bench 'BenchmarkKPI' -benchtime 5x -count 1 -timeout 60m ./station/
	$(GO) test -run '^$$' -bench BenchmarkSiteDashboard -benchtime 3x -count 1 -timeout 60m -v ./fleet/

# The crash test, long: 1000 station processes SIGKILLed at random moments
# while they pack and sync against a faulty sandbox, then every order must
# be booked once and printed. LABELSTATION_CRASH_SEED=N repeats a run (the
# seed is in the log); SOAK_ITERATIONS=N changes its length.
SOAK_ITERATIONS ?= 1000
soak: apt-deps
	LABELSTATION_CRASH_ITERATIONS=$(SOAK_ITERATIONS) $(GO) test -race -count=1 -run '^TestCrash$$' -timeout 60m -v ./cmd/labelstation/

# Drives the real GUI under Xvfb with X key and mouse events (scan, F9, an
# unknown order, the next scan while printing, F10, Work offline, the queue
# view, Sync now, sent late) and saves screenshots in bin/screenshots/.
# (Also renders a notification e-mail as its receiver sees it, with
# wkhtmltoimage: Debian's wkhtmltopdf, needed by this target only.)
screenshot: build
	@$(MAKE) --no-print-directory apt-deps APT_PACKAGES=wkhtmltopdf
	xvfb-run -a -s "-screen 0 1280x800x24" scripts/gui-smoke.sh $(BIN) bin/screenshots

# Fuzzes every scale frame parser for FUZZTIME each (make test runs only
# their committed seeds in scale/testdata/fuzz). A failing input is saved
# there too: commit it with the fix.
FUZZTIME ?= 30s
SCALE_FUZZ := FuzzDecodeSICS FuzzDecodeNCI FuzzDecodeCAS FuzzDecodeContinuous FuzzParseHIDReport
fuzz:
	@for f in $(SCALE_FUZZ); do \
		echo "fuzzing $$f for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) ./scale/ || exit 1; \
	done

clean:
	rm -rf bin
