package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestConstantsMatchWireProtocol keeps the Go names and wire/protocol.json (which the bridge reads) equal.
func TestConstantsMatchWireProtocol(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "wire", "protocol.json"))
	if err != nil {
		t.Fatalf("wire/protocol.json: %v", err)
	}
	var w struct {
		Protocol         int
		Headers          struct{ Secret, UserID, Username string } `json:"headers"`
		Events           struct{ Hello, Job, Alert, Reply string }
		WebsocketEvent   string
		Routes           struct{ Events, Commands, Prefix string }
		Errors           struct{ SecretMismatch, NoSecret, NotRunning, Unreachable string }
		Settings         struct{ BridgeURL, BridgeSecret, OpsTeam, OpsChannel string }
		DefaultBridgeURL string
	}
	if err := json.Unmarshal(data, &w); err != nil {
		t.Fatal(err)
	}
	pairs := []struct{ name, wire, goConst string }{
		{"headers.secret", w.Headers.Secret, headerSecret},
		{"headers.userId", w.Headers.UserID, headerUserID},
		{"headers.username", w.Headers.Username, headerUsername},
		{"events.hello", w.Events.Hello, eventHello},
		{"events.job", w.Events.Job, eventJob},
		{"events.alert", w.Events.Alert, eventAlert},
		{"events.reply", w.Events.Reply, eventReply},
		{"websocketEvent", w.WebsocketEvent, websocketEventJob},
		{"routes.events", w.Routes.Events, routeEvents},
		{"routes.commands", w.Routes.Commands, routeCommands},
		{"routes.prefix", w.Routes.Prefix, routePrefix},
		{"errors.secretMismatch", w.Errors.SecretMismatch, errSecretMismatch},
		{"errors.noSecret", w.Errors.NoSecret, errNoSecret},
		{"errors.notRunning", w.Errors.NotRunning, errNotRunning},
		{"errors.unreachable", w.Errors.Unreachable, errUnreachable},
		{"settings.bridgeUrl", w.Settings.BridgeURL, settingBridgeURL},
		{"settings.bridgeSecret", w.Settings.BridgeSecret, settingBridgeSecret},
		{"settings.opsTeam", w.Settings.OpsTeam, settingOpsTeam},
		{"settings.opsChannel", w.Settings.OpsChannel, settingOpsChannel},
		{"defaultBridgeUrl", w.DefaultBridgeURL, defaultBridgeURL},
	}
	if w.Protocol != protocolVersion {
		t.Errorf("protocol %d in wire/protocol.json, %d in Go", w.Protocol, protocolVersion)
	}
	for _, p := range pairs {
		if p.wire != p.goConst {
			t.Errorf("%s: %q in wire/protocol.json, %q in Go", p.name, p.wire, p.goConst)
		}
	}
}

// TestPublicModuleMatchesTheTestServer: the plugin API the plugin compiles against is the one of the
// Mattermost server the integration tests run (pinned in build/mattermost/go.mod).
func TestPublicModuleMatchesTheTestServer(t *testing.T) {
	requirement := regexp.MustCompile(`(?m)^\s*(?:require\s+)?github\.com/mattermost/mattermost/server/public\s+(\S+)`)
	version := func(path string) string {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m := requirement.FindSubmatch(data)
		if m == nil {
			t.Fatalf("%s does not require server/public", path)
		}
		return string(m[1])
	}
	ours, server := version("go.mod"), version(filepath.Join("..", "..", "build", "mattermost", "go.mod"))
	if ours != server {
		t.Fatalf("server/plugin/go.mod requires server/public %s, the test server is built with %s", ours, server)
	}
}
