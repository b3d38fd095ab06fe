package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestReadEvents(t *testing.T) {
	cases := []struct {
		name, stream string
		want         []sseEvent
	}{
		{"one event", "event: job\nid: 7\ndata: {\"a\":1}\n\n", []sseEvent{{"job", "7", `{"a":1}`}}},
		{"ping comments are skipped", ": ping\n\nevent: hello\nid: 1\ndata: {}\n\n: ping\n\n", []sseEvent{{"hello", "1", "{}"}}},
		{"no space after colon, CRLF", "event:alert\r\nid:3\r\ndata:x\r\n\r\n", []sseEvent{{"alert", "3", "x"}}},
		{"data lines join", "data: a\ndata: b\n\n", []sseEvent{{"message", "", "a\nb"}}},
		{"an unfinished event is not delivered", "event: job\ndata: 1\n\nevent: job\ndata: 2\n", []sseEvent{{"job", "", "1"}}},
		{"unknown fields ignored", "retry: 10\nevent: reply\nfoo: bar\ndata: r\n\n", []sseEvent{{"reply", "", "r"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []sseEvent
			lines := 0
			err := readEvents(strings.NewReader(tc.stream), func(e sseEvent) { got = append(got, e) }, func() { lines++ })
			if err == nil {
				t.Fatal("a stream that ends must report it")
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if lines == 0 {
				t.Fatal("no activity reported")
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	b := backoff{min: time.Second, max: 30 * time.Second}
	var got []time.Duration
	for range 7 {
		got = append(got, b.wait())
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("waits %v, want %v seconds", got, want)
		}
	}
	b.reset()
	if w := b.wait(); w != time.Second {
		t.Fatalf("after reset %v, want 1s", w)
	}
}

// TestSubscriptionReconnectsWithLastEventID runs a real event stream that drops the connection after each
// event; the subscription must come back with the last id it saw, so the bridge can replay what it missed.
func TestSubscriptionReconnectsWithLastEventID(t *testing.T) {
	var mu sync.Mutex
	var lastIDs []string
	var secrets []string
	connections := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != routeEvents {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		connections++
		n := connections
		lastIDs = append(lastIDs, r.Header.Get("Last-Event-ID"))
		secrets = append(secrets, r.Header.Get(headerSecret))
		mu.Unlock()
		if n == 2 {
			// One refused attempt in between, as a bridge restarting would.
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error":"BRIDGE_NO_SECRET","message":"no secret yet","fix":"enable the plugin"}`))
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "event: hello\nid: %d\ndata: {\"protocol\":1}\n\n: ping\n\n", n*10)
		fmt.Fprintf(w, "event: alert\nid: %d\ndata: {\"id\":\"a%d\"}\n\n", n*10+1, n)
	}))
	defer srv.Close()
	client, err := newBridgeClient(srv.URL, "sub-secret")
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan sseEvent, 20)
	var failed []string
	var connects []string
	sub := newSubscription(func() (*bridgeClient, *bridgeFailure) { return client, nil },
		func(e sseEvent) { events <- e },
		func(f *bridgeFailure) { mu.Lock(); failed = append(failed, f.Code); mu.Unlock() },
		func(hello sseEvent) { mu.Lock(); connects = append(connects, hello.ID); mu.Unlock() })
	sub.backoff = backoff{min: 10 * time.Millisecond, max: 40 * time.Millisecond}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { sub.run(ctx); close(done) }()

	var alerts []string
	for len(alerts) < 2 {
		select {
		case e := <-events:
			if e.Type == eventAlert {
				alerts = append(alerts, e.Data)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("alerts %v after 5 s", alerts)
		}
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if alerts[0] != `{"id":"a1"}` || alerts[1] != `{"id":"a3"}` {
		t.Fatalf("alerts %v", alerts)
	}
	if lastIDs[0] != "" || lastIDs[1] != "11" || lastIDs[2] != "11" {
		t.Fatalf("Last-Event-ID per connection %q, want \"\", 11, 11", lastIDs)
	}
	for _, s := range secrets {
		if s != "sub-secret" {
			t.Fatalf("a connection came without the secret: %q", secrets)
		}
	}
	if len(failed) != 1 || failed[0] != errNoSecret {
		t.Fatalf("failures %v, want one %s", failed, errNoSecret)
	}
	// Told at the first connection and at the first one after the failure, not at every reconnect.
	if len(connects) != 2 || connects[0] != "10" || connects[1] != "30" {
		t.Fatalf("connected at hellos %v, want [10 30]", connects)
	}
}

// TestWakeCutsTheBackoffShort: a console request that got through makes a waiting subscription connect now.
func TestWakeCutsTheBackoffShort(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: hello\nid: 1\ndata: {}\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	down := refusedURL(t)
	var mu sync.Mutex
	target := down
	hellos := make(chan struct{}, 4)
	failures := make(chan struct{}, 4)
	sub := newSubscription(func() (*bridgeClient, *bridgeFailure) {
		mu.Lock()
		defer mu.Unlock()
		c, err := newBridgeClient(target, "s")
		if err != nil {
			t.Error(err)
		}
		return c, nil
	}, func(sseEvent) {}, func(*bridgeFailure) { failures <- struct{}{} }, func(sseEvent) { hellos <- struct{}{} })
	sub.backoff = backoff{min: time.Minute, max: time.Minute}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { sub.run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	<-failures // the bridge is down: a minute to wait
	mu.Lock()
	target = srv.URL
	mu.Unlock()
	sub.wake()
	select {
	case <-hellos:
	case <-time.After(5 * time.Second):
		t.Fatal("wake did not make the subscription reconnect")
	}
}

// TestSubscriptionDropsASilentStream: a bridge that stops sending (not even pings) is reconnected to.
func TestSubscriptionDropsASilentStream(t *testing.T) {
	var mu sync.Mutex
	connections := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		connections++
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: hello\nid: 1\ndata: {}\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	client, _ := newBridgeClient(srv.URL, "s")
	connects := 0
	sub := newSubscription(func() (*bridgeClient, *bridgeFailure) { return client, nil }, func(sseEvent) {}, func(*bridgeFailure) {}, func(sseEvent) { connects++ })
	sub.backoff = backoff{min: 10 * time.Millisecond, max: 10 * time.Millisecond}
	sub.idle = 100 * time.Millisecond
	ctx, cancel := context.WithTimeout(t.Context(), 700*time.Millisecond)
	defer cancel()
	sub.run(ctx)
	mu.Lock()
	defer mu.Unlock()
	if connections < 3 {
		t.Fatalf("%d connections in 0.7 s with a 0.1 s idle limit, want a reconnect after each silence", connections)
	}
	if connects != 1 {
		t.Fatalf("told of %d connections; a reconnect that never failed is not news", connects)
	}
}
