package main

import (
	"bytes"
	"encoding/gob"
	"reflect"
	"testing"
)

func TestJobPayload(t *testing.T) {
	cases := []struct {
		name, data string
		want       map[string]any
		bad        bool
	}{
		{"progress", `{"jobId":"j1","kind":"backup","phase":"progress","bytesDone":1024,"bytesTotal":4096}`,
			map[string]any{"jobId": "j1", "kind": "backup", "phase": "progress", "bytesDone": 1024.0, "bytesTotal": 4096.0}, false},
		{"nulls dropped", `{"jobId":"j1","phase":"finished","outcome":"failed","message":null}`,
			map[string]any{"jobId": "j1", "phase": "finished", "outcome": "failed"}, false},
		{"nested values as JSON text", `{"jobId":"j1","extra":{"a":[1,2]}}`,
			map[string]any{"jobId": "j1", "extra": `{"a":[1,2]}`}, false},
		{"not an object", `[1]`, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := jobPayload(tc.data)
			if (err != nil) != tc.bad || (!tc.bad && !reflect.DeepEqual(got, tc.want)) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
			if tc.bad {
				return
			}
			// What the plugin RPC does with the payload: it must survive gob.
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(got); err != nil {
				t.Fatalf("the payload cannot cross the plugin RPC: %v", err)
			}
		})
	}
	if !adminsOnly().ContainsSensitiveData {
		t.Fatal("job events must reach system admins only")
	}
}
