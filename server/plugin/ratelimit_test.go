package main

import (
	"testing"
	"time"
)

func TestLogLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLogLimiter(time.Minute)
	l.now = func() time.Time { return now }
	steps := []struct {
		after time.Duration
		key   string
		want  bool
	}{
		{0, errNotRunning, true},
		{time.Second, errNotRunning, false},
		{0, errSecretMismatch, true},
		{58 * time.Second, errNotRunning, false},
		{2 * time.Second, errNotRunning, true},
	}
	for i, s := range steps {
		now = now.Add(s.after)
		if got := l.allow(s.key); got != s.want {
			t.Fatalf("step %d (%s): allow = %v, want %v", i, s.key, got, s.want)
		}
	}
}
