package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/plugin"
	"github.com/mattermost/mattermost/server/public/pluginapi"
	"github.com/mattermost/mattermost/server/public/pluginapi/cluster"
)

// logEvery is how often the same bridge problem may be logged again.
const logEvery = time.Minute

// Plugin is the backup-dr server part. Hooks may run concurrently: settings and the bridge connection are
// guarded by their own locks.
type Plugin struct {
	plugin.MattermostPlugin

	client *pluginapi.Client
	config configStore
	router http.Handler
	logs   *logLimiter
	botID  string

	lifecycle sync.Mutex // serialises starting and stopping the event subscription
	mu        sync.Mutex // guards the fields below
	bridgeC   *bridgeClient
	bridgeF   *bridgeFailure
	sub       *subscription
	stopSub   context.CancelFunc
	subDone   chan struct{}
	activated bool
}

// OnConfigurationChange runs before OnActivate too; it only swaps settings in then.
func (p *Plugin) OnConfigurationChange() error {
	var c configuration
	if err := p.API.LoadPluginConfiguration(&c); err != nil {
		return fmt.Errorf("cannot load the plugin's settings: %w", err)
	}
	if p.config.set(c) {
		p.mu.Lock()
		if p.bridgeC != nil {
			p.bridgeC.http.CloseIdleConnections() // idle connections to the old address are of no more use
		}
		p.bridgeC, p.bridgeF = nil, nil // rebuilt from the new settings on next use
		p.mu.Unlock()
		p.restartEvents() // reconnect at once with the new address or secret (nothing before activation)
	}
	return nil
}

func (p *Plugin) OnActivate() error {
	p.client = pluginapi.NewClient(p.API, p.Driver)
	p.logs = newLogLimiter(logEvery)
	if err := p.OnConfigurationChange(); err != nil {
		return err
	}
	if err := p.ensureSecret(); err != nil {
		return err
	}
	botID, err := p.ensureBot()
	if err != nil {
		return fmt.Errorf("cannot create or update the bot @%s: %w", botUsername, err)
	}
	p.botID = botID
	if err := p.client.SlashCommand.Register(commandDefinition()); err != nil {
		return fmt.Errorf("cannot register /%s: %w", commandTrigger, err)
	}
	p.router = newRouter(routerDeps{isAdmin: p.isAdmin, username: p.username, bridge: p.bridge, failed: p.bridgeFailed, reachable: p.bridgeAnswered})

	p.mu.Lock()
	p.activated = true
	p.mu.Unlock()
	p.restartEvents()
	return nil
}

func (p *Plugin) OnDeactivate() error {
	p.mu.Lock()
	p.activated = false
	p.mu.Unlock()
	p.stopEvents()
	return nil
}

// ensureSecret generates the shared secret on first activation and saves it in Mattermost's config, where
// the bridge reads it. A cluster mutex makes all nodes agree on one secret.
func (p *Plugin) ensureSecret() error {
	if p.config.get().BridgeSecret != "" {
		return nil
	}
	m, err := cluster.NewMutex(p.API, "bridge-secret")
	if err != nil {
		return fmt.Errorf("cannot create the lock for the bridge secret: %w", err)
	}
	m.Lock()
	defer m.Unlock()
	stored := p.client.Configuration.GetPluginConfig()
	for k, v := range stored {
		if s, ok := v.(string); ok && s != "" && strings.EqualFold(k, settingBridgeSecret) {
			return p.OnConfigurationChange() // another node saved one meanwhile
		}
	}
	secret, err := generateSecret()
	if err != nil {
		return err
	}
	if err := p.client.Configuration.SavePluginConfig(withSecret(stored, secret)); err != nil {
		return fmt.Errorf("cannot save the generated bridge secret in Mattermost's config: %w", err)
	}
	return p.OnConfigurationChange()
}

func (p *Plugin) isAdmin(userID string) bool {
	return p.client.User.HasPermissionTo(userID, model.PermissionManageSystem)
}

// username names the user in the bridge's job log; an unknown user just goes unnamed.
func (p *Plugin) username(userID string) string {
	if u, err := p.client.User.Get(userID); err == nil {
		return u.Username
	}
	return ""
}

// bridge returns the client for the configured bridge, built once per settings change.
func (p *Plugin) bridge() (*bridgeClient, *bridgeFailure) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bridgeC == nil && p.bridgeF == nil {
		cfg := p.config.get()
		c, err := newBridgeClient(cfg.bridgeURL(), cfg.BridgeSecret)
		if err != nil {
			p.bridgeF = &bridgeFailure{status: http.StatusBadGateway, apiError: apiError{
				Code: errUnreachable, Message: err.Error(),
				Fix: "Set the plugin's Bridge URL in the System Console, or clear it for the default " + defaultBridgeURL + ".",
			}}
		}
		p.bridgeC = c
	}
	return p.bridgeC, p.bridgeF
}

// bridgeFailed writes the plugin log line for a bridge problem, at most once a minute per kind.
func (p *Plugin) bridgeFailed(f *bridgeFailure) {
	if p.logs.allow(f.Code) {
		p.client.Log.Warn("mmbackup bridge: "+f.Message, "error", f.Code, "fix", f.Fix)
	}
}

func (p *Plugin) warnOnce(key, message string) {
	if p.logs.allow(key) {
		p.client.Log.Warn(message)
	}
}

// onEvent dispatches one bridge event; it runs on the subscription's goroutine, in the stream's order.
func (p *Plugin) onEvent(ev sseEvent) {
	defer func() {
		// One event that trips a bug is lost; the stream and the plugin go on.
		if r := recover(); r != nil {
			p.warnOnce("panic:"+ev.Type, fmt.Sprintf("mmbackup bridge: a %s event could not be handled: %v", ev.Type, r))
		}
	}()
	var err error
	switch ev.Type {
	case eventJob:
		p.publishJob(ev)
	case eventAlert:
		err = p.postAlert(ev)
	case eventReply:
		err = p.postReply(ev)
	}
	if err != nil {
		p.warnOnce("post:"+ev.Type, "mmbackup bridge event not posted: "+err.Error())
	}
}

// onConnected logs the bridge's hello once per outage, and warns when it speaks another protocol version.
func (p *Plugin) onConnected(hello sseEvent) {
	var h struct {
		Protocol      int    `json:"protocol"`
		BridgeVersion string `json:"bridgeVersion"`
		Host          string `json:"host"`
	}
	_ = json.Unmarshal([]byte(hello.Data), &h)
	if h.Protocol != protocolVersion {
		p.client.Log.Warn(fmt.Sprintf("mmbackup bridge speaks protocol %d, this plugin %d: install the bridge and the plugin of the same release", h.Protocol, protocolVersion))
	}
	p.client.Log.Info("mmbackup bridge connected", "bridgeVersion", h.BridgeVersion, "host", h.Host)
}

// bridgeAnswered is called when a console request got through: an event subscription waiting out its
// backoff reconnects at once, so live progress resumes as soon as the bridge is back.
func (p *Plugin) bridgeAnswered() {
	p.mu.Lock()
	sub := p.sub
	p.mu.Unlock()
	if sub != nil {
		sub.wake()
	}
}

// restartEvents replaces the event subscription with a new one (none once deactivated). lifecycle keeps
// two concurrent settings changes, or a change racing OnDeactivate, from leaving a second one running.
// It does not wait for the old one to end: it runs inside OnConfigurationChange, and the old one may be
// in the middle of a Mattermost API call that the configuration change itself holds up.
func (p *Plugin) restartEvents() {
	p.lifecycle.Lock()
	defer p.lifecycle.Unlock()
	p.cancelEvents()
	p.mu.Lock()
	active := p.activated
	p.mu.Unlock()
	if !active {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	sub := newSubscription(p.bridge, p.onEvent, p.bridgeFailed, p.onConnected)
	p.mu.Lock()
	p.sub, p.stopSub, p.subDone = sub, cancel, done
	p.mu.Unlock()
	go func() {
		defer close(done)
		defer func() {
			// The last resort: live events stop, the Mattermost plugin process does not.
			if r := recover(); r != nil {
				p.client.Log.Error("mmbackup bridge: event subscription stopped by a panic", "panic", fmt.Sprint(r))
			}
		}()
		sub.run(ctx)
	}()
}

// stopEvents ends the subscription for OnDeactivate, waiting a bounded time for it to finish.
func (p *Plugin) stopEvents() {
	p.lifecycle.Lock()
	defer p.lifecycle.Unlock()
	if done := p.cancelEvents(); done != nil {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.client.Log.Warn("mmbackup bridge: the event subscription did not stop within 10 s; it ends with its current call")
		}
	}
}

// cancelEvents cancels the current subscription and returns the channel closed when it has ended.
func (p *Plugin) cancelEvents() <-chan struct{} {
	p.mu.Lock()
	cancel, done := p.stopSub, p.subDone
	p.sub, p.stopSub, p.subDone = nil, nil, nil
	p.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	return done
}
