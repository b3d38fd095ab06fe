package main

import (
	"testing"

	"github.com/mattermost/mattermost/server/public/model"
)

func TestCommandText(t *testing.T) {
	cases := map[string]string{
		"/backup":                "",
		"/backup now":            "now",
		"/backup   now   db  ":   "now db",
		"/BACKUP status":         "status",
		"/backup verify 2024abc": "verify 2024abc",
		"  /backup\thelp":        "help",
		"now db":                 "now db",
	}
	for in, want := range cases {
		if got := commandText(in); got != want {
			t.Errorf("commandText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAutocomplete(t *testing.T) {
	cmd := commandDefinition()
	if cmd.Trigger != "backup" || !cmd.AutoComplete || cmd.URL != "" {
		t.Fatalf("command %+v", cmd)
	}
	if err := cmd.AutocompleteData.IsValid(); err != nil {
		t.Fatalf("Mattermost would refuse the autocomplete data: %v", err)
	}
	want := []struct {
		trigger string
		items   []string
	}{
		{"now", []string{"db", "config", "files"}},
		{"status", nil},
		{"list", nil},
		{"verify", nil},
		{"help", nil},
	}
	subs := cmd.AutocompleteData.SubCommands
	if len(subs) != len(want) {
		t.Fatalf("%d subcommands, want %d", len(subs), len(want))
	}
	for i, w := range want {
		if subs[i].Trigger != w.trigger || subs[i].HelpText == "" {
			t.Fatalf("subcommand %d: %q with help %q, want %q", i, subs[i].Trigger, subs[i].HelpText, w.trigger)
		}
		if w.items == nil {
			continue
		}
		list, ok := subs[i].Arguments[0].Data.(*model.AutocompleteStaticListArg)
		if !ok {
			t.Fatalf("%s: argument is %T, want a static list", w.trigger, subs[i].Arguments[0].Data)
		}
		for j, item := range list.PossibleArguments {
			if item.Item != w.items[j] {
				t.Fatalf("%s: item %d is %q, want %q", w.trigger, j, item.Item, w.items[j])
			}
		}
	}
	if text, ok := subs[3].Arguments[0].Data.(*model.AutocompleteTextArg); len(subs[3].Arguments) != 1 || !ok || text.Hint != "[id]" {
		t.Fatal("verify takes one snapshot id, hinted as optional")
	}
}
