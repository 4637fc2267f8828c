package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOrdersAndWebhooksSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(path, []byte(`
[orders]
source = "http"
[orders.http]
url = "https://wms.example/api/orders/{ref}"
timeout = "3s"
[orders.http.headers]
Authorization = "Bearer ${WMS_TOKEN}"
[orders.http.mapping]
ref = "orderNo"
"receiver.name" = "shipTo.name"
receiver.city = "shipTo.town"
[wms.webhooks]
url = "https://wms.example/hooks/labelstation"
events = ["label.created", "return.received"]
include_label = true
`), 0o600)
	t.Setenv("WMS_TOKEN", "s3cret-token")
	t.Setenv("LABELSTATION_WMS_WEBHOOK_SECRET", "0123456789abcdef-secret")
	c, err := Load(path, true)
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.Orders.HTTP.FlatMapping()
	if err != nil {
		t.Fatal(err)
	}
	if c.Orders.Source != OrderSourceHTTP || m["receiver.name"] != "shipTo.name" || m["receiver.city"] != "shipTo.town" || m["ref"] != "orderNo" || Duration(c.Orders.HTTP.Timeout, 0).Seconds() != 3 {
		t.Fatalf("orders: %+v", c.Orders)
	}
	if v, missing := ExpandEnv(c.Orders.HTTP.Headers["Authorization"]); v != "Bearer s3cret-token" || len(missing) > 0 {
		t.Fatalf("header expands to %q (missing %v)", v, missing)
	}
	if c.WMS.Webhooks.Secret != "0123456789abcdef-secret" || !c.WMS.Webhooks.IncludeLabel || len(c.WMS.Webhooks.Events) != 2 {
		t.Fatalf("webhooks: %+v", c.WMS.Webhooks)
	}
}

func TestOrdersAndWebhooksErrorsSayWhatToFix(t *testing.T) {
	os.Unsetenv("LABELSTATION_WMS_WEBHOOK_SECRET")
	os.Unsetenv("NOT_SET_ANYWHERE")
	for _, tc := range []struct{ toml, want string }{
		{"[orders]\nsource = \"ftp\"", "use local, http or folder"},
		{"[orders]\nsource = \"http\"", "orders.http.url is empty"},
		{"[orders]\nsource = \"folder\"", "orders.folder.path is empty"},
		{"[orders.http]\ntimeout = \"soon\"", "orders.http.timeout"},
		{"[orders.http.headers]\nAuthorization = \"Bearer ${NOT_SET_ANYWHERE}\"", "${NOT_SET_ANYWHERE}"},
		{"[orders.http.mapping]\nref = 3", "orders.http.mapping.ref"},
		{"[wms.webhooks]\nurl = \"https://wms.example/h\"", "LABELSTATION_WMS_WEBHOOK_SECRET"},
	} {
		path := filepath.Join(t.TempDir(), "c.toml")
		os.WriteFile(path, []byte(tc.toml), 0o600)
		_, err := Load(path, true)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to mention %q", tc.toml, err, tc.want)
		}
	}
}
