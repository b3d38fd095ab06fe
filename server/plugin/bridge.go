package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

const (
	dialTimeout = 5 * time.Second
	// headerTimeout bounds how long the bridge may take to start answering; bodies (SSE, logs) may stream
	// for as long as they like after that.
	headerTimeout = 30 * time.Second
	unixPrefix    = "unix:"
)

// bridgeClient talks HTTP to the local bridge over TCP or a unix socket, adding the shared secret.
type bridgeClient struct {
	base    string // scheme and host requests are addressed to ("http://unix" for a socket)
	display string // the address as an admin would recognise it, for messages
	secret  string
	http    *http.Client
}

// newBridgeClient accepts "http://host:port" (https too) or "unix:/path/to/socket".
func newBridgeClient(raw, secret string) (*bridgeClient, error) {
	dialer := &net.Dialer{Timeout: dialTimeout}
	transport := &http.Transport{
		ResponseHeaderTimeout: headerTimeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	c := &bridgeClient{secret: secret, http: &http.Client{Transport: transport}}

	if path, ok := strings.CutPrefix(raw, unixPrefix); ok {
		if path == "" || !strings.HasPrefix(path, "/") {
			return nil, fmt.Errorf("bridge URL %q: a unix socket needs an absolute path, like unix:/run/mmbackup/bridge.sock", raw)
		}
		transport.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", path)
		}
		c.base, c.display = "http://unix", raw
		return c, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bridge URL %q is neither http://host:port nor unix:/path: set the plugin's Bridge URL to, e.g., %s", raw, defaultBridgeURL)
	}
	transport.DialContext = dialer.DialContext
	u.User = nil // never repeat credentials someone put in the URL
	c.base = strings.TrimSuffix(u.Scheme+"://"+u.Host+u.Path, "/")
	c.display = c.base
	return c, nil
}

// request builds a request to the bridge carrying the secret; user is nil for the plugin's own requests.
// path is URL-escaped as it came (an id with "%3F" stays part of the path, never becomes a query).
func (c *bridgeClient) request(ctx context.Context, method, path, rawQuery string, body io.Reader, user *caller) (*http.Request, error) {
	target := c.base + path
	if rawQuery != "" {
		target += "?" + rawQuery
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set(headerSecret, c.secret)
	if user != nil {
		req.Header.Set(headerUserID, user.id)
		if user.username != "" {
			req.Header.Set(headerUsername, user.username)
		}
	}
	return req, nil
}

// caller is the Mattermost user on whose behalf the plugin asks the bridge.
type caller struct {
	id       string
	username string
}

// bridgeFailure is why the bridge could not serve a request, as the protocol's error body plus the HTTP
// status the plugin answers with. 502 for all of them: the console must not mistake them for its own 401.
type bridgeFailure struct {
	status int
	apiError
}

func (f *bridgeFailure) Error() string { return f.Code + ": " + f.Message }

// do sends the request; a transport error or a secret the bridge refuses comes back as a bridgeFailure.
// On success the caller owns resp.Body.
func (c *bridgeClient) do(req *http.Request) (*http.Response, *bridgeFailure) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.classify(err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		defer resp.Body.Close()
		return nil, secretMismatch(resp.Body)
	}
	return resp, nil
}

// classify tells "nothing listens there" (the bridge is not running) from every other way of not getting
// through (timeouts, permissions, DNS), because the fixes differ.
func (c *bridgeClient) classify(err error) *bridgeFailure {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, fs.ErrNotExist) {
		return &bridgeFailure{status: http.StatusBadGateway, apiError: apiError{
			Code:    errNotRunning,
			Message: fmt.Sprintf("The mmbackup bridge is not running: nothing listens on %s.", c.display),
			Fix:     "Start it on this Mattermost host (systemctl start mmbackup, or mmbackup serve). If it listens elsewhere, set the plugin's Bridge URL to its address.",
		}}
	}
	cause := "it did not answer"
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		cause = fmt.Sprintf("it did not answer within %s", timeoutOf(err))
	case errors.Is(err, fs.ErrPermission):
		cause = "permission denied on its socket"
	default:
		cause = rootCause(err)
	}
	return &bridgeFailure{status: http.StatusBadGateway, apiError: apiError{
		Code:    errUnreachable,
		Message: fmt.Sprintf("The mmbackup bridge at %s could not be reached: %s.", c.display, cause),
		Fix:     "Check that mmbackup serve runs and is healthy on this host (its /healthz answers), that the plugin's Bridge URL points to it, and for a unix socket that the mattermost user is in the socket's group.",
	}}
}

func timeoutOf(err error) string {
	if strings.Contains(err.Error(), "awaiting headers") {
		return headerTimeout.String()
	}
	return dialTimeout.String()
}

// rootCause is the innermost error text, without the URL (which the message already names).
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// secretMismatch reads the bridge's 401 body; its message and fix come from the bridge when it sent them.
func secretMismatch(body io.Reader) *bridgeFailure {
	f := &bridgeFailure{status: http.StatusBadGateway, apiError: apiError{
		Code:    errSecretMismatch,
		Message: "The mmbackup bridge refused the plugin's secret.",
		Fix:     "The bridge reads the plugin's Bridge secret from Mattermost's config within a minute. If this persists, remove MMBACKUP_BRIDGE_SECRET from the bridge's environment file or set it to the plugin's secret, then restart the bridge.",
	}}
	if sent, ok := decodeAPIError(body); ok {
		f.Message = sent.Message
		if sent.Fix != "" {
			f.Fix = sent.Fix
		}
	}
	return f
}

// decodeAPIError reads an {error, message, fix} body; ok is false when the body is not one.
func decodeAPIError(body io.Reader) (apiError, bool) {
	var e apiError
	err := json.NewDecoder(io.LimitReader(body, 64<<10)).Decode(&e)
	return e, err == nil && e.Message != ""
}
