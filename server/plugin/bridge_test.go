package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// refusedURL is a loopback address where nothing listens: a port just bound and released.
func refusedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

// silentURL accepts connections and never answers, like a hung bridge.
func silentURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

func TestBridgeFailuresAreClassified(t *testing.T) {
	mismatch := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"error":"BRIDGE_SECRET_MISMATCH","message":"Secret mismatch from the bridge."}`))
	}))
	defer mismatch.Close()
	cases := []struct {
		name, url, code, inMessage string
	}{
		{"connection refused", refusedURL(t), errNotRunning, "not running"},
		{"unix socket missing", "unix:" + filepath.Join(t.TempDir(), "absent.sock"), errNotRunning, "absent.sock"},
		{"no answer in time", silentURL(t), errUnreachable, "did not answer within"},
		{"secret refused", mismatch.URL, errSecretMismatch, "Secret mismatch from the bridge."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newBridgeClient(tc.url, "the-secret")
			if err != nil {
				t.Fatal(err)
			}
			c.http.Transport.(*http.Transport).ResponseHeaderTimeout = 300 * time.Millisecond
			req, err := c.request(t.Context(), "GET", "/api/v1/status", "", nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, f := c.do(req)
			if resp != nil {
				resp.Body.Close()
				t.Fatalf("got an answer %d, want a failure", resp.StatusCode)
			}
			if f.Code != tc.code || f.status != http.StatusBadGateway || f.Fix == "" || !strings.Contains(f.Message, tc.inMessage) {
				t.Fatalf("got %d %+v, want %s mentioning %q", f.status, f.apiError, tc.code, tc.inMessage)
			}
			if strings.Contains(f.Message+f.Fix, "the-secret") {
				t.Fatal("the failure repeats the secret")
			}
		})
	}
}

func TestBridgeOverAUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "bridge.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.Header.Get(headerSecret) + " " + r.URL.Path))
	})}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()

	c, err := newBridgeClient("unix:"+sock, "sock-secret")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := c.request(t.Context(), "GET", "/api/v1/status", "", nil, nil)
	resp, f := c.do(req)
	if f != nil {
		t.Fatal(f)
	}
	defer resp.Body.Close()
	buf := make([]byte, 100)
	n, _ := resp.Body.Read(buf)
	if got := string(buf[:n]); got != "sock-secret /api/v1/status" {
		t.Fatalf("bridge saw %q", got)
	}
}

func TestBridgeURLs(t *testing.T) {
	cases := []struct {
		raw, base, problem string
	}{
		{"http://127.0.0.1:8066", "http://127.0.0.1:8066", ""},
		{"http://127.0.0.1:8066/", "http://127.0.0.1:8066", ""},
		{"http://user:pw@127.0.0.1:9000", "http://127.0.0.1:9000", ""},
		{"unix:/run/mmbackup/bridge.sock", "http://unix", ""},
		{"unix:relative.sock", "", "absolute path"},
		{"127.0.0.1:8066", "", "neither"},
		{"ftp://host", "", "neither"},
	}
	for _, tc := range cases {
		c, err := newBridgeClient(tc.raw, "s")
		switch {
		case tc.problem != "" && (err == nil || !strings.Contains(err.Error(), tc.problem)):
			t.Errorf("%q: error %v, want one mentioning %q", tc.raw, err, tc.problem)
		case tc.problem == "" && err != nil:
			t.Errorf("%q: %v", tc.raw, err)
		case tc.problem == "" && c.base != tc.base:
			t.Errorf("%q: base %q, want %q", tc.raw, c.base, tc.base)
		case tc.problem == "" && strings.Contains(c.display, "pw"):
			t.Errorf("%q: display %q keeps the password", tc.raw, c.display)
		}
	}
}
