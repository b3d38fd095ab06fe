package main

import (
	"sync"
	"time"
)

// logLimiter lets one log line per key through per interval: a bridge that is down for an hour must not
// write a line for every console poll and every reconnect attempt.
type logLimiter struct {
	mu    sync.Mutex
	every time.Duration
	last  map[string]time.Time
	now   func() time.Time
}

func newLogLimiter(every time.Duration) *logLimiter {
	return &logLimiter{every: every, last: map[string]time.Time{}, now: time.Now}
}

// allow reports whether a line for key may be written now, and if so starts the quiet interval.
func (l *logLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if t, ok := l.last[key]; ok && now.Sub(t) < l.every {
		return false
	}
	l.last[key] = now
	return true
}
