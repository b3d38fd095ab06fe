package main

import (
	"encoding/base64"
	"testing"
)

func TestGeneratedSecret(t *testing.T) {
	a, err := generateSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := generateSecret()
	raw, err := base64.RawURLEncoding.DecodeString(a)
	if err != nil || len(raw) != 32 || a == b {
		t.Fatalf("secret %q: %d bytes, err %v; a second one equal: %v", a, len(raw), err, a == b)
	}
}

func TestWithSecretKeepsOtherSettingsAndOneSpelling(t *testing.T) {
	stored := map[string]any{"opsteam": "ops", "BridgeSecret": "", "backupschedule": "0 3 * * *"}
	got := withSecret(stored, "new")
	want := map[string]any{"opsteam": "ops", "bridgesecret": "new", "backupschedule": "0 3 * * *"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if len(withSecret(nil, "x")) != 1 {
		t.Fatal("a plugin never configured gets just the secret")
	}
}

func TestConfigurationChanges(t *testing.T) {
	cases := []struct {
		name       string
		from, to   configuration
		bridgeMove bool
	}{
		{"nothing set means the default address", configuration{}, configuration{BridgeUrl: defaultBridgeURL}, false},
		{"ops channel only", configuration{BridgeSecret: "s"}, configuration{BridgeSecret: "s", OpsChannel: "backups"}, false},
		{"new secret", configuration{BridgeSecret: "s"}, configuration{BridgeSecret: "t"}, true},
		{"new address", configuration{}, configuration{BridgeUrl: "unix:/run/mmbackup.sock"}, true},
	}
	for _, tc := range cases {
		var s configStore
		s.set(tc.from)
		if got := s.set(tc.to); got != tc.bridgeMove {
			t.Errorf("%s: bridge changed = %v, want %v", tc.name, got, tc.bridgeMove)
		}
		if s.get() != tc.to {
			t.Errorf("%s: stored %+v", tc.name, s.get())
		}
	}
}
