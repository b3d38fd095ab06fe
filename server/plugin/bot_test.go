package main

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/pluginapi"
)

// TestPostOnceAcrossNodes: every node of a cluster receives the same alert; the KV store's atomic insert
// lets exactly one of them post it, however they race.
func TestPostOnceAcrossNodes(t *testing.T) {
	kv := &pluginapi.MemoryStore{}
	var posts atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := postOnce(kv, "alert:backup-failed:job-1", func() error { posts.Add(1); return nil }); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := posts.Load(); n != 1 {
		t.Fatalf("%d posts from 8 nodes, want 1", n)
	}
}

func TestPostOnce(t *testing.T) {
	cases := []struct {
		name      string
		claimed   bool // another node already posted
		postErr   error
		posted    bool
		wantErr   bool
		claimLeft bool
	}{
		{"first claim posts", false, nil, true, false, true},
		{"already claimed: no post", true, nil, false, false, true},
		{"a failed post gives the claim back", false, errors.New("channel gone"), false, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kv := &pluginapi.MemoryStore{}
			if tc.claimed {
				if _, err := postOnce(kv, "reply:r1", func() error { return nil }); err != nil {
					t.Fatal(err)
				}
			}
			called := false
			posted, err := postOnce(kv, "reply:r1", func() error { called = true; return tc.postErr })
			if posted != tc.posted || (err != nil) != tc.wantErr || called == tc.claimed {
				t.Fatalf("posted %v err %v called %v", posted, err, called)
			}
			var stamp []byte
			_ = kv.Get("reply:r1", &stamp)
			if (len(stamp) > 0) != tc.claimLeft {
				t.Fatalf("claim left %q, want present=%v", stamp, tc.claimLeft)
			}
		})
	}
}

func TestClaimKeysFitTheKVStore(t *testing.T) {
	short := claimKey("alert", "backup-failed:01J0000000000000000000000")
	if short != "alert:backup-failed:01J0000000000000000000000" {
		t.Fatalf("short key changed: %q", short)
	}
	long := claimKey("alert", "backup-overdue:"+strings.Repeat("x", 200))
	if len(long) > model.KeyValueKeyMaxRunes || !strings.HasPrefix(long, "alert:sha256:") {
		t.Fatalf("long key %q (%d)", long, len(long))
	}
	if claimKey("alert", "backup-overdue:"+strings.Repeat("x", 200)) != long {
		t.Fatal("a hashed key must be the same on every node")
	}
}
