package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/mattermost/mattermost/server/public/plugin"
)

// routerDeps is what the HTTP side needs from the plugin; tests give it real local bridges.
type routerDeps struct {
	isAdmin  func(userID string) bool
	username func(userID string) string
	bridge   func() (*bridgeClient, *bridgeFailure)
	failed   func(f *bridgeFailure) // the rate-limited plugin log line
	// reachable is told each time the bridge answered, which proves it is up.
	reachable func()
}

// forwardedRequestHeaders are the only client headers the bridge sees: never the session cookie or token,
// and never an X-MMBackup-* header, which only the plugin may set.
var forwardedRequestHeaders = []string{"Content-Type", "Accept", "Last-Event-ID"}

// forwardedResponseHeaders are the bridge's answer headers that matter to the console.
var forwardedResponseHeaders = []string{"Content-Type", "Cache-Control", "Content-Disposition", "Retry-After"}

// ServeHTTP serves /plugins/backup-dr/...; Mattermost has stripped that prefix and has already
// authenticated the user and checked CSRF when it set Mattermost-User-Id.
func (p *Plugin) ServeHTTP(_ *plugin.Context, w http.ResponseWriter, r *http.Request) {
	p.router.ServeHTTP(w, r)
}

// recoverJSON turns a panic in a handler into a 500 answer: a bug costs one request, never the plugin.
func recoverJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				writeJSON(w, http.StatusInternalServerError, apiError{Code: "PLUGIN_ERROR", Message: fmt.Sprintf("The backup-dr plugin failed on %s %s: %v.", r.Method, r.URL.Path, v), Fix: "Report this with the Mattermost server log."})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func newRouter(d routerDeps) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(routePrefix, requireAdmin(d, forwarder(d)))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, apiError{Code: "NOT_FOUND", Message: "No such route in the backup-dr plugin: " + r.URL.Path + "."})
	})
	return recoverJSON(mux)
}

// requireAdmin is the one gate in front of the bridge: a Mattermost user, and a system admin.
func requireAdmin(d routerDeps, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		userID := r.Header.Get("Mattermost-User-Id")
		if userID == "" {
			writeJSON(w, http.StatusUnauthorized, apiError{
				Code:    "UNAUTHENTICATED",
				Message: "Sign in to Mattermost first: this request carried no valid session.",
				Fix:     "Send the session cookie with the X-Requested-With and X-CSRF-Token headers, or a personal access token as Authorization: Bearer.",
			})
			return
		}
		if !d.isAdmin(userID) {
			writeJSON(w, http.StatusForbidden, apiError{
				Code:    "FORBIDDEN",
				Message: "Backups are managed by system admins only.",
				Fix:     "Ask a system admin, or sign in with an account that has the manage_system permission.",
			})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// forwarder passes the request to the bridge and streams the answer back as it arrives (SSE included).
func forwarder(d routerDeps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(f *bridgeFailure) {
			d.failed(f)
			writeJSON(w, f.status, f.apiError)
		}
		client, failure := d.bridge()
		if failure != nil {
			fail(failure)
			return
		}
		userID := r.Header.Get("Mattermost-User-Id")
		req, err := client.request(r.Context(), r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Body, &caller{id: userID, username: d.username(userID)})
		if err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{Code: "BAD_REQUEST", Message: "The request cannot be forwarded: " + err.Error() + "."})
			return
		}
		req.ContentLength = r.ContentLength
		for _, h := range forwardedRequestHeaders {
			if v := r.Header.Get(h); v != "" {
				req.Header.Set(h, v)
			}
		}
		resp, failure := client.do(req)
		if failure != nil {
			fail(failure)
			return
		}
		defer resp.Body.Close()
		d.reachable()
		for _, h := range forwardedResponseHeaders {
			if v := resp.Header.Get(h); v != "" {
				w.Header().Set(h, v)
			}
		}
		w.WriteHeader(resp.StatusCode)
		stream(w, resp.Body)
	})
}

// stream copies as bytes arrive and flushes each piece, so log lines reach the browser at once.
func stream(w http.ResponseWriter, body io.Reader) {
	flusher, _ := w.(http.Flusher)
	buf := make([]byte, 32<<10)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return // the browser went away
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
