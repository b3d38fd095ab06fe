package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// sseEvent is one server-sent event from the bridge's /api/v1/events.
type sseEvent struct {
	Type string
	ID   string
	Data string
}

// readEvents parses a server-sent event stream, calling onEvent for each complete event and onActivity for
// every line (pings included), until the stream ends or fails. It follows the WHATWG rules the bridge
// relies on: "field: value" lines, one optional space after the colon, ":" comments, a blank line ends an
// event, several data lines join with "\n", an event without a type is "message".
func readEvents(r io.Reader, onEvent func(sseEvent), onActivity func()) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20) // a log line or an alert with a log tail can be long
	var ev sseEvent
	var data []string
	for sc.Scan() {
		onActivity()
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line == "" {
			if len(data) > 0 {
				if ev.Type == "" {
					ev.Type = "message"
				}
				ev.Data = strings.Join(data, "\n")
				onEvent(ev)
			}
			ev, data = sseEvent{}, nil
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			ev.Type = value
		case "id":
			ev.ID = value
		case "data":
			data = append(data, value)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.ErrUnexpectedEOF
}

// backoff doubles the wait after each failed connection, from min to max; reset after a good connection.
type backoff struct {
	min, max, next time.Duration
}

func (b *backoff) wait() time.Duration {
	if b.next < b.min {
		b.next = b.min
	}
	d := b.next
	b.next = min(b.next*2, b.max)
	return d
}

func (b *backoff) reset() { b.next = b.min }

// subscription keeps one connection to the bridge's event stream open, reconnecting with backoff and
// resuming with Last-Event-ID so no alert or reply is lost across a reconnect.
type subscription struct {
	client func() (*bridgeClient, *bridgeFailure)
	handle func(sseEvent)
	failed func(f *bridgeFailure)
	// connected is told about the first hello after a failure (and the very first one): one line in the
	// plugin log per outage, not one per reconnect.
	connected func(hello sseEvent)
	backoff   backoff
	// idle is how long the stream may stay silent; the bridge pings every 15 s, so silence means a dead link.
	idle time.Duration
	// wakeup cuts a backoff wait short: the bridge just answered a console request, so it is back.
	wakeup chan struct{}

	mu     sync.Mutex
	lastID string
	up     bool
}

func newSubscription(client func() (*bridgeClient, *bridgeFailure), handle func(sseEvent), failed func(*bridgeFailure), connected func(sseEvent)) *subscription {
	return &subscription{
		client:    client,
		handle:    handle,
		failed:    failed,
		connected: connected,
		backoff:   backoff{min: time.Second, max: 30 * time.Second},
		idle:      45 * time.Second,
		wakeup:    make(chan struct{}, 1),
	}
}

// wake makes a subscription waiting to retry connect now; it never blocks.
func (s *subscription) wake() {
	select {
	case s.wakeup <- struct{}{}:
	default:
	}
}

// run connects until ctx ends.
func (s *subscription) run(ctx context.Context) {
	for {
		err := s.once(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.mu.Lock()
			s.up = false
			s.mu.Unlock()
			s.failed(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wakeup:
		case <-time.After(s.backoff.wait()):
		}
	}
}

func (s *subscription) lastEventID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastID
}

// once holds one connection until it ends; the error says why it could not be held.
func (s *subscription) once(ctx context.Context) *bridgeFailure {
	client, failure := s.client()
	if failure != nil {
		return failure
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := client.request(ctx, http.MethodGet, routeEvents, "", nil, nil)
	if err != nil {
		return client.classify(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if id := s.lastEventID(); id != "" {
		req.Header.Set("Last-Event-ID", id)
	}
	resp, failure := client.do(req)
	if failure != nil {
		return failure
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return unexpectedStatus(client, resp)
	}

	watchdog := time.AfterFunc(s.idle, cancel)
	defer watchdog.Stop()
	_ = readEvents(resp.Body, func(ev sseEvent) {
		if ev.Type == eventHello {
			s.backoff.reset() // a working connection: the next drop retries quickly again
			s.mu.Lock()
			wasUp := s.up
			s.up = true
			s.mu.Unlock()
			if !wasUp {
				s.connected(ev)
			}
		}
		if ev.ID != "" {
			s.mu.Lock()
			s.lastID = ev.ID
			s.mu.Unlock()
		}
		s.handle(ev)
	}, func() { watchdog.Reset(s.idle) })
	return nil // the stream ended: reconnect after the (reset) backoff
}

// unexpectedStatus turns a non-200 answer to the subscription (e.g. 503 BRIDGE_NO_SECRET) into a failure
// carrying the bridge's own code, message and fix.
func unexpectedStatus(client *bridgeClient, resp *http.Response) *bridgeFailure {
	f := &bridgeFailure{status: http.StatusBadGateway, apiError: apiError{
		Code:    errUnreachable,
		Message: fmt.Sprintf("The mmbackup bridge at %s answered %d to the event subscription.", client.display, resp.StatusCode),
		Fix:     "Update the bridge and the plugin to the same release: both speak protocol v1.",
	}}
	if sent, ok := decodeAPIError(resp.Body); ok {
		f.apiError = sent
	}
	return f
}
