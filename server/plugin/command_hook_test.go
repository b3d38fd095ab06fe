package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin/plugintest"
	"github.com/mattermost/mattermost/server/public/plugin/plugintest/mock"
	"github.com/mattermost/mattermost/server/public/pluginapi"
)

// pluginFor builds the plugin around plugintest's API for the hook's own logic (who may run /backup, what
// goes to the bridge, what the user reads); the real Mattermost is in server/test/plugin.
func pluginFor(t *testing.T, bridgeURL string) *Plugin {
	t.Helper()
	api := &plugintest.API{}
	api.On("HasPermissionTo", "admin-id", model.PermissionManageSystem).Return(true)
	api.On("HasPermissionTo", "user-id", model.PermissionManageSystem).Return(false)
	api.On("GetUser", "admin-id").Return(&model.User{Id: "admin-id", Username: "alice"}, nil)
	api.On("LogWarn", mock.Anything, mock.Anything, mock.Anything, mock.Anything, mock.Anything).Maybe()
	p := &Plugin{}
	p.SetAPI(api)
	p.client = pluginapi.NewClient(api, nil)
	p.logs = newLogLimiter(time.Minute)
	p.config.set(configuration{BridgeUrl: bridgeURL, BridgeSecret: "cmd-secret"})
	return p
}

func TestExecuteCommand(t *testing.T) {
	srv, seen := testBridge(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"text":"Backup of db started (job j1)."}`))
	})
	args := func(user, command string) *model.CommandArgs {
		return &model.CommandArgs{UserId: user, ChannelId: "chan-id", TeamId: "team-id", RootId: "root-id", Command: command}
	}
	cases := []struct {
		name, bridge, user, command string
		forwarded                   bool
		answer                      []string
	}{
		{"admin: the bridge answers", srv.URL, "admin-id", "/backup  now db", true, []string{"Backup of db started (job j1)."}},
		{"not an admin: refused, nothing forwarded", srv.URL, "user-id", "/backup now", false, []string{"only system admins"}},
		{"admin, bridge not running: which case and the fix", refusedURL(t), "admin-id", "/backup status", false, []string{errNotRunning, "Start it"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(seen())
			p := pluginFor(t, tc.bridge)
			resp, appErr := p.ExecuteCommand(nil, args(tc.user, tc.command))
			if appErr != nil || resp.ResponseType != model.CommandResponseTypeEphemeral {
				t.Fatalf("response %+v, error %v: want an ephemeral answer", resp, appErr)
			}
			for _, want := range tc.answer {
				if !strings.Contains(resp.Text, want) {
					t.Fatalf("answer %q lacks %q", resp.Text, want)
				}
			}
			if strings.Contains(resp.Text, "cmd-secret") {
				t.Fatal("the answer shows the secret")
			}
			logged := 0
			if strings.Contains(tc.name, "not running") {
				logged = 1 // the plugin log line for the bridge problem
			}
			p.API.(*plugintest.API).AssertNumberOfCalls(t, "LogWarn", logged)
			got := seen()[before:]
			if !tc.forwarded {
				if len(got) != 0 {
					t.Fatalf("forwarded %d requests, want none", len(got))
				}
				return
			}
			if len(got) != 1 || got[0].method != "POST" || got[0].path != routeCommands {
				t.Fatalf("bridge saw %+v", got)
			}
			var body commandRequest
			if err := json.Unmarshal([]byte(got[0].body), &body); err != nil {
				t.Fatal(err)
			}
			want := commandRequest{UserID: "admin-id", Username: "alice", ChannelID: "chan-id", TeamID: "team-id", RootID: "root-id", Text: "now db"}
			if body != want {
				t.Fatalf("body %+v, want %+v", body, want)
			}
			if got[0].header.Get(headerSecret) != "cmd-secret" || got[0].header.Get(headerUserID) != "admin-id" || got[0].header.Get(headerUsername) != "alice" {
				t.Fatalf("headers %v", got[0].header)
			}
		})
	}
}
