package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
)

const (
	commandTrigger = "backup"
	commandTimeout = 30 * time.Second
)

// commandDefinition is /backup as registered once for every team.
func commandDefinition() *model.Command {
	return &model.Command{
		Trigger:          commandTrigger,
		DisplayName:      "Backup & DR",
		Description:      "Back up Mattermost and see the state of its backups.",
		AutoComplete:     true,
		AutoCompleteDesc: "Back up now, or see the status and the list of backups (system admins).",
		AutoCompleteHint: "[now|status|list|verify|help]",
		AutocompleteData: autocomplete(),
	}
}

func autocomplete() *model.AutocompleteData {
	root := model.NewAutocompleteData(commandTrigger, "[command]", "Back up Mattermost and see its backups (system admins).")

	now := model.NewAutocompleteData("now", "[db|config|files]", "Start a backup now: every component, or only the one named.")
	now.AddStaticListArgument("Component to back up (default: all)", false, []model.AutocompleteListItem{
		{Item: "db", HelpText: "the database"},
		{Item: "config", HelpText: "the config directory or database config"},
		{Item: "files", HelpText: "the file store, plugins included"},
	})
	verify := model.NewAutocompleteData("verify", "[id]", "Verify a snapshot, the newest when no id is given.")
	// Mattermost allows no optional positional text argument; the hint's brackets say it may be left out.
	verify.AddTextArgument("Snapshot id (default: the newest)", "[id]", "")

	root.AddCommand(now)
	root.AddCommand(model.NewAutocompleteData("status", "", "Health, the running job, the last and next backups."))
	root.AddCommand(model.NewAutocompleteData("list", "", "The newest snapshots."))
	root.AddCommand(verify)
	root.AddCommand(model.NewAutocompleteData("help", "", "What /backup can do."))
	return root
}

// commandText is what follows the trigger, with runs of spaces collapsed: "/backup  now db" → "now db".
func commandText(command string) string {
	fields := strings.Fields(command)
	if len(fields) > 0 && strings.EqualFold(fields[0], "/"+commandTrigger) {
		fields = fields[1:]
	}
	return strings.Join(fields, " ")
}

// commandRequest is the body of POST /api/v1/commands.
type commandRequest struct {
	UserID    string `json:"userId"`
	Username  string `json:"username"`
	ChannelID string `json:"channelId"`
	TeamID    string `json:"teamId"`
	RootID    string `json:"rootId,omitempty"`
	Text      string `json:"text"`
}

func ephemeral(text string) *model.CommandResponse {
	return &model.CommandResponse{ResponseType: model.CommandResponseTypeEphemeral, Text: text}
}

// ExecuteCommand checks the caller is a system admin, then lets the bridge answer; a job the command
// starts reports its outcome later as a bot post (a reply event).
func (p *Plugin) ExecuteCommand(_ *plugin.Context, args *model.CommandArgs) (resp *model.CommandResponse, _ *model.AppError) {
	defer func() {
		// A bug here must cost one command, never the plugin process.
		if v := recover(); v != nil {
			resp = ephemeral(fmt.Sprintf("/backup failed inside the backup-dr plugin (%v): please report it with the Mattermost server log.", v))
		}
	}()
	if !p.isAdmin(args.UserId) {
		return ephemeral("Sorry, only system admins can run /backup. Ask one of them if a backup is needed."), nil
	}
	user := &caller{id: args.UserId, username: p.username(args.UserId)}
	body, _ := json.Marshal(commandRequest{
		UserID: user.id, Username: user.username, ChannelID: args.ChannelId,
		TeamID: args.TeamId, RootID: args.RootId, Text: commandText(args.Command),
	})
	return ephemeral(p.askBridge(body, user)), nil
}

// askBridge posts the command and returns the text to show, or which bridge problem there is and its fix.
func (p *Plugin) askBridge(body []byte, user *caller) string {
	unavailable := func(f *bridgeFailure) string {
		p.bridgeFailed(f)
		return fmt.Sprintf("**/backup is unavailable** (%s): %s\n%s", f.Code, f.Message, f.Fix)
	}
	client, failure := p.bridge()
	if failure != nil {
		return unavailable(failure)
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	req, err := client.request(ctx, http.MethodPost, routeCommands, "", bytes.NewReader(body), user)
	if err != nil {
		return unavailable(client.classify(err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, failure := client.do(req)
	if failure != nil {
		return unavailable(failure)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		if e, ok := decodeAPIError(resp.Body); ok {
			return strings.TrimSpace(e.Message + "\n" + e.Fix)
		}
		return fmt.Sprintf("The mmbackup bridge answered %d to /backup: see its log (journalctl -u mmbackup).", resp.StatusCode)
	}
	var answer struct {
		Text string `json:"text"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || answer.Text == "" {
		return "The mmbackup bridge gave no answer to /backup: see its log (journalctl -u mmbackup)."
	}
	return answer.Text
}
