package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"labelstation/assets"
	"labelstation/config"
	"labelstation/station"
	"labelstation/station/notify"
	"labelstation/station/notify/channel"
	"labelstation/station/wms"
	"labelstation/store"
)

// Notifications: the rules engine (station/notify) and its channels
// (notify/channel) from [notify]. The engine is the store's announcer too,
// next to the webhooks', so every command that records a fact queues the
// messages its rules make.

// notifySenders are the configured channels by store channel: SMTP and
// the SMS gateway as configured, and in demo mode, for what is not
// configured, files in DATA/messages (the preview printer's twin).
func notifySenders(cfg config.Config, dataDir string, logo []byte) (map[string]channel.Sender, error) {
	n := cfg.Notify
	out := map[string]channel.Sender{}
	if n.Email.Host != "" {
		e, err := channel.NewEmail(channel.SMTPConfig{Host: n.Email.Host, Port: n.Email.Port, Security: n.Email.Security,
			Username: n.Email.Username, Password: n.Email.Password, From: n.Email.From, ReplyTo: n.Email.ReplyTo,
			Timeout: config.Duration(n.Email.Timeout, 0), Logo: logo})
		if err != nil {
			return nil, &station.Problem{Msg: err.Error(), Hint: "fix [notify.email] in the config (the password comes from LABELSTATION_SMTP_PASSWORD)", Err: err}
		}
		out[store.ChannelEmail] = e
	}
	if n.SMS.Provider != "" {
		s, err := channel.NewSMS(channel.SMSConfig{Provider: n.SMS.Provider, URL: n.SMS.URL, Username: n.SMS.Username,
			Password: n.SMS.Password, From: n.SMS.From, Method: n.SMS.Method, ContentType: n.SMS.ContentType,
			Fields: n.SMS.Fields, Headers: n.SMS.Headers, Timeout: config.Duration(n.SMS.Timeout, 0), Country: cfg.Consignor.Country})
		if err != nil {
			return nil, &station.Problem{Msg: err.Error(), Hint: "fix [notify.sms] in the config (the password comes from LABELSTATION_SMS_PASSWORD)", Err: err}
		}
		out[store.ChannelSMS] = s
	}
	if cfg.Demo() && (out[store.ChannelEmail] == nil || out[store.ChannelSMS] == nil) {
		f, err := channel.NewFile(filepath.Join(dataDir, "messages"), emailFrom(cfg), logo)
		if err != nil {
			return nil, err
		}
		for _, ch := range []string{store.ChannelEmail, store.ChannelSMS} {
			if out[ch] == nil {
				out[ch] = f
			}
		}
	}
	return out, nil
}

func shopName(cfg config.Config) string { return firstSet(cfg.Notify.ShopName, cfg.Consignor.Name) }

// emailFrom is who e-mails come from: [notify.email] from, or the shop's
// name and the consignor's address.
func emailFrom(cfg config.Config) string {
	if f := cfg.Notify.Email.From; f != "" {
		return f
	}
	return fmt.Sprintf("%s <%s>", shopName(cfg), firstSet(cfg.Consignor.Email, "shop@demo.example"))
}

// notifyLogo is [notify] logo's PNG, or the station's icon.
func notifyLogo(cfg config.Config) ([]byte, error) {
	if cfg.Notify.Logo == "" {
		return assets.IconPNG, nil
	}
	b, err := os.ReadFile(cfg.Notify.Logo)
	if err != nil {
		return nil, &station.Problem{Msg: fmt.Sprintf("cannot read the notification logo: %v", err), Hint: "set [notify] logo to a PNG file the station can read, or remove it", Err: err}
	}
	return b, nil
}

// notifications is the wired notification side of a station.
type notifications struct {
	engine  *notify.Engine
	senders map[string]channel.Sender
	from    string
}

// openNotifications builds the engine over st with the channels
// configured.
func openNotifications(st *store.Store, cfg config.Config, dataDir string) (*notifications, error) {
	logo, err := notifyLogo(cfg)
	if err != nil {
		return nil, err
	}
	senders, err := notifySenders(cfg, dataDir, logo)
	if err != nil {
		return nil, err
	}
	var chans []string
	for ch := range senders {
		chans = append(chans, ch)
	}
	e, err := notify.New(st, notify.Config{ShopName: shopName(cfg), Logo: logo, TrackingURLs: cfg.Notify.TrackingURLs,
		QuietHours: cfg.Notify.QuietHours, HoldDays: cfg.Notify.HoldDays, Channels: chans})
	if err != nil {
		return nil, &station.Problem{Msg: err.Error(), Hint: "check [notify] in the config (quiet_hours like \"21:00-08:00\")", Err: err}
	}
	return &notifications{engine: e, senders: senders, from: emailFrom(cfg)}, nil
}

// seedDemoNotify gives a demo station that has no notification setup the
// demo's (its rules disabled), once. Called where the demo starts working
// with notifications (the GUI's start, the notify commands, so that
// `notify rules` has the demo's rules to show), not at every open of the
// store: the other commands never write it.
func seedDemoNotify(st *store.Store, cfg config.Config, n *notifications) error {
	if !cfg.Demo() || n == nil {
		return nil
	}
	var existing notify.Setup
	if ok, err := st.Setting(notify.SettingName, &existing); err != nil || ok {
		return err
	}
	s, err := notify.ParseSetup(bytes.NewReader(assets.DemoNotifyTOML))
	if err == nil {
		err = n.engine.Import(s)
	}
	if err != nil {
		return fmt.Errorf("import the demo's notification setup: %w", err)
	}
	return nil
}

// installAnnouncers makes the store queue, in the commit of each fact,
// the WMS's webhook and the notification rules' messages.
func installAnnouncers(st *store.Store, cfg config.Config, n *notifications) error {
	var as []store.Announcer
	if cfg.WMS.Webhooks.URL != "" {
		wcfg := webhookConfig(cfg)
		if err := wcfg.Validate(); err != nil {
			return &station.Problem{Msg: err.Error(), Hint: "fix [wms.webhooks] in the config", Err: err}
		}
		as = append(as, wms.Announcer(wcfg))
	}
	if n != nil {
		as = append(as, n.engine.Announcer())
	}
	if len(as) > 0 {
		st.SetAnnouncer(store.Announcers(as...))
	}
	return nil
}

// notifyConfig is the station's side of n.
func (n *notifications) stationConfig() station.NotifyConfig {
	if n == nil {
		return station.NotifyConfig{}
	}
	return station.NotifyConfig{Engine: n.engine, Senders: n.senders, SweepEvery: 10 * time.Minute, Sender: n.from}
}
