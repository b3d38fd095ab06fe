package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
)

// configuration is the part of the plugin's settings the Go side uses. Mattermost stores the keys
// lower-cased; LoadPluginConfiguration matches them to these fields case-insensitively.
type configuration struct {
	BridgeUrl    string //nolint:revive // the setting's key in plugin.json, fixed by the protocol
	BridgeSecret string
	OpsTeam      string
	OpsChannel   string
}

// bridgeURL is the configured address or, on a single host where nobody set one, the protocol's default.
func (c *configuration) bridgeURL() string {
	if u := strings.TrimSpace(c.BridgeUrl); u != "" {
		return u
	}
	return defaultBridgeURL
}

// configStore holds the current settings. Hooks run concurrently, so readers get a copy under a read lock
// and OnConfigurationChange swaps in a whole new value: nobody sees a half-updated configuration.
type configStore struct {
	mu  sync.RWMutex
	cfg configuration
}

func (s *configStore) get() configuration {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cfg
}

// set replaces the settings and tells whether the bridge connection (address or secret) changed.
func (s *configStore) set(c configuration) (bridgeChanged bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bridgeChanged = s.cfg.bridgeURL() != c.bridgeURL() || s.cfg.BridgeSecret != c.BridgeSecret
	s.cfg = c
	return bridgeChanged
}

// generateSecret makes the shared secret: 32 random bytes, base64url without padding (the protocol's form).
func generateSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("cannot read random bytes for the bridge secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// withSecret returns the plugin's stored settings with the secret set under the lower-cased key Mattermost
// uses (and the bridge reads), dropping any other spelling of that key so only one value remains.
func withSecret(stored map[string]any, secret string) map[string]any {
	out := make(map[string]any, len(stored)+1)
	for k, v := range stored {
		if !strings.EqualFold(k, settingBridgeSecret) {
			out[k] = v
		}
	}
	out[strings.ToLower(settingBridgeSecret)] = secret
	return out
}
