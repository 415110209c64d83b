package consumer

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestOriginalError: a replay whose original is not in the stream is bad
// input, dead-lettered at once; a lookup that failed because NATS did not
// answer is an outage, retried and never dead-lettered.
func TestOriginalError(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		action Action
		outage bool
	}{
		{"not found", jetstream.ErrMsgNotFound, DeadLetter, false},
		{"no responders", nats.ErrNoResponders, Retry, true},
		{"timeout", context.DeadlineExceeded, Retry, true},
		{"connection closed", nats.ErrConnectionClosed, Retry, true},
		{"stream gone", jetstream.ErrStreamNotFound, Retry, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := originalError(context.Background(), "FLEXTIME_EVAL", 42, tc.err)
			d := Decide(err, 1, testPolicy)
			if d.Action != tc.action || d.Outage != tc.outage || !strings.Contains(err.Error(), "sequence 42") {
				t.Errorf("%v: %+v", err, d)
			}
			if !errors.Is(err, tc.err) && tc.action == Retry {
				t.Errorf("%v does not wrap %v", err, tc.err)
			}
		})
	}
}

func TestValidReplayID(t *testing.T) {
	for id, ok := range map[string]bool{
		"replay-20261201T120000Z": true,
		"r1":                      true,
		strings.Repeat("x", 128):  true,
		strings.Repeat("x", 129):  false,
		"bad\xffutf8":             false,
		"tab\there":               false,
	} {
		if err := validReplayID(id); (err == nil) != ok || (err != nil && !strings.Contains(err.Error(), ReplayHeader)) {
			t.Errorf("validReplayID(%q) = %v", id, err)
		}
	}
}
