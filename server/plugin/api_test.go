package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// seenRequest is what the test bridge received.
type seenRequest struct {
	method, path, query, body string
	header                    http.Header
}

// testBridge is a real HTTP server on loopback standing where the bridge listens.
func testBridge(t *testing.T, handler http.HandlerFunc) (*httptest.Server, func() []seenRequest) {
	t.Helper()
	var mu sync.Mutex
	var seen []seenRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, seenRequest{r.Method, r.URL.Path, r.URL.RawQuery, string(body), r.Header.Clone()})
		mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seenRequest { mu.Lock(); defer mu.Unlock(); return append([]seenRequest(nil), seen...) }
}

type failures struct {
	mu        sync.Mutex
	seen      []string
	reachable int
}

func (f *failures) add(b *bridgeFailure) { f.mu.Lock(); f.seen = append(f.seen, b.Code); f.mu.Unlock() }

func routerFor(t *testing.T, bridgeURL, secret string, logged *failures) http.Handler {
	t.Helper()
	client, err := newBridgeClient(bridgeURL, secret)
	if err != nil {
		t.Fatal(err)
	}
	return newRouter(routerDeps{
		isAdmin:  func(id string) bool { return id == "admin-id" },
		username: func(id string) string { return map[string]string{"admin-id": "alice"}[id] },
		bridge:   func() (*bridgeClient, *bridgeFailure) { return client, nil },
		failed:   logged.add,
		reachable: func() {
			logged.mu.Lock()
			logged.reachable++
			logged.mu.Unlock()
		},
	})
}

func decodeError(t *testing.T, rec *httptest.ResponseRecorder) apiError {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	var e apiError
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatalf("body %q is not JSON: %v", rec.Body.String(), err)
	}
	return e
}

func TestMiddleware(t *testing.T) {
	srv, seen := testBridge(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	router := routerFor(t, srv.URL, "s3cret", &failures{})
	cases := []struct {
		name, userID string
		status       int
		code         string
	}{
		{"no Mattermost user", "", 401, "UNAUTHENTICATED"},
		{"not a system admin", "someone-id", 403, "FORBIDDEN"},
		{"system admin", "admin-id", 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(seen())
			req := httptest.NewRequest("GET", "/api/v1/status", nil)
			if tc.userID != "" {
				req.Header.Set("Mattermost-User-Id", tc.userID)
			}
			rec := httptest.NewRecorder()
			router.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tc.status, rec.Body.String())
			}
			forwarded := len(seen()) - before
			if tc.code != "" {
				if e := decodeError(t, rec); e.Code != tc.code || e.Message == "" || e.Fix == "" {
					t.Fatalf("error body %+v, want code %s with message and fix", e, tc.code)
				}
				if forwarded != 0 {
					t.Fatalf("a refused request reached the bridge")
				}
			} else if forwarded != 1 {
				t.Fatalf("forwarded %d requests, want 1", forwarded)
			}
		})
	}
}

func TestForwardingCarriesTheRequestAndOnlyTrustedHeaders(t *testing.T) {
	srv, seen := testBridge(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "bridge=1")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"jobId":"j1"}`))
	})
	logged := &failures{}
	router := routerFor(t, srv.URL, "s3cret", logged)
	req := httptest.NewRequest("POST", "/api/v1/backups/a%3Fb%2Fc?only=db&x=%2F", strings.NewReader(`{"only":["db"]}`))
	req.Header.Set("Mattermost-User-Id", "admin-id")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cookie", "MMAUTHTOKEN=session-token")
	req.Header.Set("Authorization", "Bearer personal-token")
	req.Header.Set("X-MMBackup-Secret", "forged")
	req.Header.Set("X-MMBackup-User-Id", "forged-user")
	req.Header.Set("X-Mmbackup-Username", "mallory")
	req.Header.Set("X-MMBackup-Anything", "forged")
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, req)

	if rec.Code != http.StatusAccepted || rec.Body.String() != `{"jobId":"j1"}` || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("answer %d %q %v, want the bridge's 202 JSON", rec.Code, rec.Body.String(), rec.Header())
	}
	if logged.reachable != 1 {
		t.Fatalf("an answer from the bridge must count as reachable once, got %d", logged.reachable)
	}
	if rec.Header().Get("Set-Cookie") != "" {
		t.Fatalf("the bridge's Set-Cookie reached the browser")
	}
	got := seen()[0]
	if got.method != "POST" || got.path != "/api/v1/backups/a?b/c" || got.query != "only=db&x=%2F" || got.body != `{"only":["db"]}` {
		t.Fatalf("bridge saw %s %s?%s %q", got.method, got.path, got.query, got.body)
	}
	want := map[string]string{
		"X-Mmbackup-Secret": "s3cret", "X-Mmbackup-User-Id": "admin-id", "X-Mmbackup-Username": "alice",
		"Content-Type": "application/json", "Cookie": "", "Authorization": "", "X-Mmbackup-Anything": "", "Mattermost-User-Id": "",
	}
	for h, v := range want {
		if vals := got.header.Values(h); strings.Join(vals, ",") != v {
			t.Errorf("bridge header %s = %q, want %q", h, vals, v)
		}
	}
}

func TestForwardingStreamsServerSentEvents(t *testing.T) {
	release := make(chan struct{})
	srv, _ := testBridge(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte("data: first\n\n"))
		w.(http.Flusher).Flush()
		<-release
		_, _ = w.Write([]byte("data: last\n\n"))
	})
	// Through a real HTTP server too, so flushing is observed the way a browser sees it.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Mattermost-User-Id", "admin-id")
		routerFor(t, srv.URL, "s", &failures{}).ServeHTTP(w, r)
	}))
	defer front.Close()
	defer close(release)
	resp, err := http.Get(front.URL + "/api/v1/jobs/j1/log")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 64)
	done := make(chan string, 1)
	go func() { n, _ := resp.Body.Read(buf); done <- string(buf[:n]) }()
	select {
	case got := <-done:
		if got != "data: first\n\n" {
			t.Fatalf("first chunk %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first event did not arrive before the stream ended: the answer is buffered")
	}
}

func TestBridgeProblemsAnswer502WithTheProtocolCodes(t *testing.T) {
	mismatch, _ := testBridge(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"error":"BRIDGE_SECRET_MISMATCH","message":"The plugin's secret does not match.","fix":"Restart the bridge."}`))
	})
	cases := []struct{ name, url, code string }{
		{"nothing listens", refusedURL(t), errNotRunning},
		{"wrong secret", mismatch.URL, errSecretMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			logged := &failures{}
			req := httptest.NewRequest("GET", "/api/v1/status", nil)
			req.Header.Set("Mattermost-User-Id", "admin-id")
			rec := httptest.NewRecorder()
			routerFor(t, tc.url, "secret-value", logged).ServeHTTP(rec, req)
			e := decodeError(t, rec)
			if rec.Code != http.StatusBadGateway || e.Code != tc.code || e.Fix == "" {
				t.Fatalf("got %d %+v, want 502 %s with a fix", rec.Code, e, tc.code)
			}
			if strings.Contains(rec.Body.String(), "secret-value") {
				t.Fatal("the answer contains the secret")
			}
			if len(logged.seen) != 1 || logged.seen[0] != tc.code || logged.reachable != 0 {
				t.Fatalf("logged %v (reachable %d), want one %s", logged.seen, logged.reachable, tc.code)
			}
		})
	}
}

func TestUnknownRoutesAnswerJSON404(t *testing.T) {
	rec := httptest.NewRecorder()
	routerFor(t, defaultBridgeURL, "s", &failures{}).ServeHTTP(rec, httptest.NewRequest("GET", "/elsewhere", nil))
	if e := decodeError(t, rec); rec.Code != 404 || e.Code != "NOT_FOUND" {
		t.Fatalf("got %d %+v", rec.Code, e)
	}
}
