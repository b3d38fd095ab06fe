package main

import (
	"encoding/json"
	"fmt"

	"github.com/mattermost/mattermost/server/public/model"
)

// jobPayload turns a job event's JSON into what PublishWebSocketEvent can carry across the plugin RPC
// (gob): primitive values only. The protocol's job fields are all primitives; a nested value, should a
// later bridge send one, travels as its JSON text instead of breaking the whole event.
func jobPayload(data string) (map[string]any, error) {
	var fields map[string]any
	if err := json.Unmarshal([]byte(data), &fields); err != nil {
		return nil, fmt.Errorf("job event is not a JSON object: %w", err)
	}
	out := make(map[string]any, len(fields))
	for k, v := range fields {
		switch v.(type) {
		case nil:
			// gob cannot carry a nil interface; an absent field means the same to the webapp
		case string, float64, bool:
			out[k] = v
		default:
			text, _ := json.Marshal(v)
			out[k] = string(text)
		}
	}
	return out, nil
}

// adminsOnly reaches system admins only: Mattermost drops events marked sensitive for everyone else.
func adminsOnly() *model.WebsocketBroadcast {
	return &model.WebsocketBroadcast{ContainsSensitiveData: true}
}

// publishJob relays a bridge job event to the System Console as custom_backup-dr_job.
func (p *Plugin) publishJob(ev sseEvent) {
	payload, err := jobPayload(ev.Data)
	if err != nil {
		p.warnOnce("job-event", "mmbackup bridge: ignored a job event: "+err.Error())
		return
	}
	p.client.Frontend.PublishWebSocketEvent(websocketEventJob, payload, adminsOnly())
}
