package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattermost/mattermost/server/public/model"
	"github.com/mattermost/mattermost/server/public/pluginapi"
)

const (
	botUsername    = "backup-dr"
	botDisplayName = "Backup & DR"
	botDescription = "Posts the outcome of /backup and alerts about backups: failures with their fix, recoveries, overdue backups, failed restore drills and repository problems."
	botIconPath    = "assets/bot-icon.png"
	// claimTTL keeps a claim longer than the bridge keeps events to replay, so a replay never posts twice.
	claimTTL = 7 * 24 * time.Hour
)

func (p *Plugin) ensureBot() (string, error) {
	return p.client.Bot.EnsureBot(&model.Bot{
		Username:    botUsername,
		DisplayName: botDisplayName,
		Description: botDescription,
	}, pluginapi.ProfileImagePath(botIconPath))
}

// claimStore is the part of the KV store the once-per-cluster claim needs (pluginapi's KVService).
type claimStore interface {
	Set(key string, value any, options ...pluginapi.KVSetOption) (bool, error)
	Delete(key string) error
}

// claimKey is "<kind>:<id>", hashed when it would pass the KV store's key limit.
func claimKey(kind, id string) string {
	key := kind + ":" + id
	if utf8.RuneCountInString(key) <= model.KeyValueKeyMaxRunes {
		return key
	}
	sum := sha256.Sum256([]byte(id))
	return kind + ":sha256:" + hex.EncodeToString(sum[:])
}

// postOnce runs post only on the node whose atomic insert of key wins, so every node of a cluster can
// receive the same event and exactly one post appears. A post that fails gives the claim back, so the
// event is not silently lost for everyone.
func postOnce(kv claimStore, key string, post func() error) (posted bool, err error) {
	won, err := kv.Set(key, []byte(time.Now().UTC().Format(time.RFC3339)), pluginapi.SetAtomic(nil), pluginapi.SetExpiry(claimTTL))
	if err != nil {
		return false, fmt.Errorf("cannot claim %s in the KV store: %w", key, err)
	}
	if !won {
		return false, nil
	}
	if err := post(); err != nil {
		if derr := kv.Delete(key); derr != nil {
			err = errors.Join(err, fmt.Errorf("and cannot release the claim %s: %w", key, derr))
		}
		return false, err
	}
	return true, nil
}

// alertEvent and replyEvent are the protocol's alert and reply payloads.
type alertEvent struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

type replyEvent struct {
	ID        string `json:"id"`
	ChannelID string `json:"channelId"`
	RootID    string `json:"rootId"`
	Message   string `json:"message"`
}

func (p *Plugin) postAlert(ev sseEvent) error {
	var a alertEvent
	if err := json.Unmarshal([]byte(ev.Data), &a); err != nil || a.ID == "" || a.Message == "" {
		return fmt.Errorf("ignored an alert event without id or message: %q", ev.Data)
	}
	_, err := postOnce(&p.client.KV, claimKey("alert", a.ID), func() error {
		channelID, err := p.opsChannel()
		if err != nil {
			return err
		}
		return p.client.Post.CreatePost(&model.Post{
			UserId:    p.botID,
			ChannelId: channelID,
			Message:   a.Message,
			Props:     model.StringInterface{"backup_dr_alert": a.Kind, "backup_dr_severity": a.Severity},
		})
	})
	return err
}

func (p *Plugin) postReply(ev sseEvent) error {
	var r replyEvent
	if err := json.Unmarshal([]byte(ev.Data), &r); err != nil || r.ID == "" || r.ChannelID == "" {
		return fmt.Errorf("ignored a reply event without id or channelId: %q", ev.Data)
	}
	_, err := postOnce(&p.client.KV, claimKey("reply", r.ID), func() error {
		return p.client.Post.CreatePost(&model.Post{UserId: p.botID, ChannelId: r.ChannelID, RootId: r.RootID, Message: r.Message})
	})
	return err
}

// opsChannel finds the channel of the settings OpsTeam/OpsChannel and makes the bot a member of the team
// and the channel when it is not yet, so an admin only has to name them.
func (p *Plugin) opsChannel() (string, error) {
	cfg := p.config.get()
	teamName, channelName := strings.ToLower(strings.TrimSpace(cfg.OpsTeam)), strings.ToLower(strings.TrimSpace(cfg.OpsChannel))
	if teamName == "" || channelName == "" {
		return "", errors.New("no ops channel is set: set Ops team and Ops channel in System Console > Plugins > Backup & Disaster Recovery > Alerts")
	}
	team, err := p.client.Team.GetByName(teamName)
	if err != nil {
		return "", fmt.Errorf("ops team %q not found (%v): set Ops team to the team's URL name", teamName, err)
	}
	if m, err := p.client.Team.GetMember(team.Id, p.botID); err != nil || m.DeleteAt != 0 {
		if _, err := p.client.Team.CreateMember(team.Id, p.botID); err != nil {
			return "", fmt.Errorf("the bot cannot join the ops team %q: %w", teamName, err)
		}
	}
	channel, err := p.client.Channel.GetByName(team.Id, channelName, false)
	if err != nil {
		return "", fmt.Errorf("ops channel %q not found in team %q (%v): set Ops channel to the channel's URL name", channelName, teamName, err)
	}
	if _, err := p.client.Channel.GetMember(channel.Id, p.botID); err != nil {
		if _, err := p.client.Channel.AddMember(channel.Id, p.botID); err != nil {
			return "", fmt.Errorf("the bot cannot join the ops channel ~%s (for a private channel, add @%s to it): %w", channelName, botUsername, err)
		}
	}
	return channel.Id, nil
}
