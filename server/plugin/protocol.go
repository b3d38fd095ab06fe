package main

// The names of the plugin ↔ bridge protocol v1. The bridge reads the same names from wire/protocol.json;
// protocol_test.go fails when these constants and that file disagree, so neither side drifts alone.
const (
	protocolVersion = 1

	headerSecret   = "X-MMBackup-Secret"
	headerUserID   = "X-MMBackup-User-Id"
	headerUsername = "X-MMBackup-Username"
	// headerPrefix marks every header the plugin vouches for: a client may not send any of them itself.
	headerPrefix = "X-Mmbackup-"

	eventHello = "hello"
	eventJob   = "job"
	eventAlert = "alert"
	eventReply = "reply"

	// websocketEventJob becomes "custom_backup-dr_job" for the webapp: Mattermost prefixes the plugin id.
	websocketEventJob = "job"

	routeEvents   = "/api/v1/events"
	routeCommands = "/api/v1/commands"
	routePrefix   = "/api/v1/"

	errSecretMismatch = "BRIDGE_SECRET_MISMATCH"
	errNoSecret       = "BRIDGE_NO_SECRET"
	errNotRunning     = "BRIDGE_NOT_RUNNING"
	errUnreachable    = "BRIDGE_UNREACHABLE"

	settingBridgeURL    = "BridgeUrl"
	settingBridgeSecret = "BridgeSecret"
	settingOpsTeam      = "OpsTeam"
	settingOpsChannel   = "OpsChannel"

	defaultBridgeURL = "http://127.0.0.1:8066"
)

// apiError is the JSON body of every error the plugin or the bridge answers: {error, message, fix}.
type apiError struct {
	Code    string `json:"error"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}
