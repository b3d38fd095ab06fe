// Command plugin is the server part of the backup-dr Mattermost plugin: Mattermost's side of the mmbackup
// bridge. It holds no backup logic; it forwards console requests and /backup to the bridge and speaks
// (bot posts, websocket events) for what the bridge reports.
package main

import (
	"github.com/mattermost/mattermost/server/public/plugin"
)

func main() {
	plugin.ClientMain(&Plugin{})
}
