module labelstation

go 1.26.8

require (
	fyne.io/fyne/v2 v2.7.1 // indirect
	github.com/creack/goselect v0.1.2 // indirect
	github.com/google/gousb v1.1.3 // indirect
	github.com/pelletier/go-toml/v2 v2.2.4 // indirect
	github.com/phpdave11/gofpdi v1.0.14-0.20211212211723-1f10f9844311 // indirect
	github.com/pkg/errors v0.8.1 // indirect
	github.com/rogpeppe/go-internal v1.14.1 // indirect
	github.com/signintech/gopdf v0.33.0 // indirect
	go.bug.st/serial v1.6.4 // indirect
	go.etcd.io/bbolt v1.4.3 // indirect
	golang.org/x/sys v0.30.0 // indirect
)
