package stg

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"labelstation/carrier"
)

const (
	// refreshEarly is how long before expiry a cached token is replaced,
	// at most; a short-lived token is replaced after 90 % of its life.
	refreshEarly = 60 * time.Second
	// defaultTokenTTL is assumed when STG does not say (expires_in 0).
	defaultTokenTTL = 5 * time.Minute
)

// tokenCache holds the one access token of a client. Only one refresh
// runs at a time: callers that find the token stale queue on sem, and
// the first one through fetches; the rest find the fresh token.
type tokenCache struct {
	sem chan struct{} // a mutex that a context can abandon

	mu      sync.Mutex
	token   string
	renewAt time.Time // when to fetch a new one
}

func newTokenCache() *tokenCache {
	return &tokenCache{sem: make(chan struct{}, 1)}
}

func (t *tokenCache) get(now time.Time) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token != "" && now.Before(t.renewAt) {
		return t.token
	}
	return ""
}

func (t *tokenCache) set(token string, obtained time.Time, ttl time.Duration) {
	early := ttl / 10
	if early > refreshEarly {
		early = refreshEarly
	}
	t.mu.Lock()
	t.token, t.renewAt = token, obtained.Add(ttl-early)
	t.mu.Unlock()
}

// drop forgets token if it is still the cached one (a concurrent caller
// may already have replaced it).
func (t *tokenCache) drop(token string) {
	t.mu.Lock()
	if t.token == token {
		t.token = ""
	}
	t.mu.Unlock()
}

// token returns a valid access token: the cached one, or a new one from
// POST /oauth/token. fresh reports that it was fetched for this call.
func (c *Client) token(ctx context.Context, op string) (tok string, fresh bool, err *carrier.Error) {
	if tok := c.tokens.get(c.now()); tok != "" {
		return tok, false, nil
	}
	select {
	case c.tokens.sem <- struct{}{}:
	case <-ctx.Done():
		return "", false, c.transportError(op, "", carrier.KindUnavailable, "waiting for an STG access token", ctx.Err())
	}
	defer func() { <-c.tokens.sem }()
	// Another caller may have refreshed while we waited.
	if tok := c.tokens.get(c.now()); tok != "" {
		return tok, false, nil
	}
	obtained := c.now()
	tr, err := c.fetchToken(ctx, op)
	if err != nil {
		return "", false, err
	}
	ttl := time.Duration(tr.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = defaultTokenTTL
	}
	c.tokens.set(tr.AccessToken, obtained, ttl)
	return tr.AccessToken, true, nil
}

// fetchToken asks STG for a token with the client credentials grant. The
// secret travels only in the form body; no error quotes it.
func (c *Client) fetchToken(ctx context.Context, op string) (tokenResponse, *carrier.Error) {
	form := url.Values{}
	form.Set(formGrantType, grantTypeClientCredential)
	form.Set(formClientID, c.clientID)
	form.Set(formClientSecret, c.secret)

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(pathToken), strings.NewReader(form.Encode()))
	if err != nil {
		return tokenResponse{}, c.transportError(op, "", carrier.KindRejected, "build token request", err)
	}
	req.Header.Set(headerContentType, contentForm)
	req.Header.Set(headerAccept, contentJSON+", "+contentProblem)
	var resp response
	hr, err := c.hc.Do(req)
	if err != nil {
		return tokenResponse{}, c.transportError(op, "", carrier.KindUnavailable, "STG's token endpoint could not be reached", err)
	}
	resp.status, resp.header = hr.StatusCode, hr.Header
	resp.body, err = readAll(hr)
	if err != nil {
		return tokenResponse{}, c.transportError(op, "", carrier.KindUnavailable, "STG's token answer broke off", err)
	}
	if resp.status < 200 || resp.status > 299 {
		e := c.statusError(op, "", false, resp)
		if resp.status == http.StatusBadRequest || resp.status == http.StatusUnauthorized || resp.status == http.StatusForbidden {
			// RFC 6749 answers a wrong client id or secret with 400 or 401
			// invalid_client: nothing to resend until the credentials change.
			msg, _ := c.decodeError(resp.body)
			if msg == "" {
				msg = http.StatusText(resp.status)
			}
			e.Kind = carrier.KindAuth
			e.Message = "STG refused the client credentials (" + msg + "); check the STG client id and client secret"
		}
		return tokenResponse{}, e
	}
	var tr tokenResponse
	if err := json.Unmarshal(resp.body, &tr); err != nil || tr.AccessToken == "" {
		return tokenResponse{}, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindUnavailable,
			HTTPStatus: resp.status, Message: "STG's token answer has no access_token"}
	}
	if tt := strings.ToLower(tr.TokenType); tt != "" && tt != tokenTypeBearer {
		return tokenResponse{}, &carrier.Error{Carrier: CarrierName, Op: op, Kind: carrier.KindAuth,
			HTTPStatus: resp.status, Message: "STG issued a " + c.redact.String(tr.TokenType) + " token; only bearer tokens are supported"}
	}
	return tr, nil
}
