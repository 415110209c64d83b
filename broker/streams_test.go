package broker

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/flextime/flextime/internal/natstest"
)

func TestStreamOptionsValidate(t *testing.T) {
	ok := DefaultStreamOptions()
	with := func(f func(*StreamOptions)) StreamOptions { o := ok; f(&o); return o }
	for _, c := range []struct {
		name string
		o    StreamOptions
	}{
		{"zero", StreamOptions{}},
		{"zero max age", with(func(o *StreamOptions) { o.MaxAge = 0 })},
		{"negative max age", with(func(o *StreamOptions) { o.MaxAge = -time.Hour })},
		{"zero max bytes", with(func(o *StreamOptions) { o.MaxBytes = 0 })},
		{"negative max bytes", with(func(o *StreamOptions) { o.MaxBytes = -1 })},
		{"zero dedup window", with(func(o *StreamOptions) { o.DedupWindow = 0 })},
		{"negative dedup window", with(func(o *StreamOptions) { o.DedupWindow = -time.Second })},
		{"dedup window past max age", with(func(o *StreamOptions) { o.MaxAge, o.DedupWindow = time.Minute, time.Hour })},
		{"zero replicas", with(func(o *StreamOptions) { o.Replicas = 0 })},
		{"too many replicas", with(func(o *StreamOptions) { o.Replicas = 6 })},
	} {
		if err := c.o.Validate(); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("%s: Validate(%+v) = %v, want ErrInvalidOption", c.name, c.o, err)
		}
	}
	for _, o := range []StreamOptions{ok, with(func(o *StreamOptions) { o.MaxAge, o.DedupWindow = time.Minute, time.Minute })} {
		if err := o.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", o, err)
		}
	}
	if ok != (StreamOptions{MaxAge: 720 * time.Hour, MaxBytes: 10 << 30, DedupWindow: 2 * time.Minute, Replicas: 1}) {
		t.Errorf("DefaultStreamOptions() = %+v", ok)
	}
}

func TestStreamConfigs(t *testing.T) {
	o := StreamOptions{MaxAge: time.Hour, MaxBytes: 1 << 20, DedupWindow: time.Minute, Replicas: 1}
	cfgs := StreamConfigs(o)
	want := [][2]string{{StreamEval, "flextime.eval.>"}, {StreamResults, "flextime.results.>"}, {StreamDLQ, "flextime.dlq.>"}}
	if len(cfgs) != len(want) {
		t.Fatalf("%d configs, want %d", len(cfgs), len(want))
	}
	for i, c := range cfgs {
		if c.Name != want[i][0] || len(c.Subjects) != 1 || c.Subjects[0] != want[i][1] {
			t.Errorf("config %d: %s %v, want %s [%s]", i, c.Name, c.Subjects, want[i][0], want[i][1])
		}
		if c.Retention != jetstream.LimitsPolicy || c.Storage != jetstream.FileStorage || c.Discard != jetstream.DiscardOld ||
			c.MaxAge != o.MaxAge || c.MaxBytes != o.MaxBytes || c.Duplicates != o.DedupWindow || c.Replicas != 1 {
			t.Errorf("config %s: %+v", c.Name, c)
		}
	}
}

// actions runs ApplyStreams and returns "STREAM:action" per stream.
func actions(t *testing.T, js jetstream.JetStream, o StreamOptions) []string {
	t.Helper()
	changes, err := ApplyStreams(t.Context(), js, o)
	if err != nil {
		t.Fatalf("ApplyStreams: %v", err)
	}
	var out []string
	for _, c := range changes {
		out = append(out, c.Stream+":"+c.Action)
	}
	return out
}

func wantActions(t *testing.T, got []string, action string) {
	t.Helper()
	want := []string{StreamEval + ":" + action, StreamResults + ":" + action, StreamDLQ + ":" + action}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("changes %v, want %v", got, want)
	}
}

func TestApplyStreams(t *testing.T) {
	_, js := natstest.Connect(t, natstest.Server(t))
	ctx := t.Context()
	o := DefaultStreamOptions()

	wantActions(t, actions(t, js, o), StreamCreated)
	wantActions(t, actions(t, js, o), StreamUnchanged)
	o.MaxAge = 48 * time.Hour
	wantActions(t, actions(t, js, o), StreamUpdated)
	wantActions(t, actions(t, js, o), StreamUnchanged)

	for _, name := range []string{StreamEval, StreamResults, StreamDLQ} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		cfg := s.CachedInfo().Config
		if cfg.MaxAge != 48*time.Hour || cfg.MaxBytes != 10<<30 || cfg.Duplicates != 2*time.Minute ||
			cfg.Retention != jetstream.LimitsPolicy || cfg.Storage != jetstream.FileStorage || cfg.Discard != jetstream.DiscardOld {
			t.Errorf("%s after the update: %+v", name, cfg)
		}
	}
}

func TestApplyStreamsRefusesInvalidOptions(t *testing.T) {
	_, js := natstest.Connect(t, natstest.Server(t))
	o := DefaultStreamOptions()
	o.DedupWindow = 2 * o.MaxAge
	if _, err := ApplyStreams(t.Context(), js, o); !errors.Is(err, ErrInvalidOption) {
		t.Fatalf("ApplyStreams = %v, want ErrInvalidOption", err)
	}
	if _, err := js.Stream(t.Context(), StreamEval); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("a stream was made from invalid options: %v", err)
	}
}

// An operator's own settings on a stream survive an update of ours.
func TestApplyStreamsKeepsOtherSettings(t *testing.T) {
	_, js := natstest.Connect(t, natstest.Server(t))
	ctx := t.Context()
	o := DefaultStreamOptions()
	actions(t, js, o)
	s, err := js.Stream(ctx, StreamResults)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	cfg.MaxMsgs = 1000
	cfg.MaxMsgsPerSubject = 10
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	wantActions(t, actions(t, js, o), StreamUnchanged)
	o.MaxBytes = 1 << 30
	wantActions(t, actions(t, js, o), StreamUpdated)
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := info.Config; c.MaxMsgs != 1000 || c.MaxMsgsPerSubject != 10 || c.MaxBytes != 1<<30 {
		t.Errorf("after the update: MaxMsgs %d, MaxMsgsPerSubject %d, MaxBytes %d", c.MaxMsgs, c.MaxMsgsPerSubject, c.MaxBytes)
	}
}

func TestStreamsDropDuplicates(t *testing.T) {
	_, js := natstest.Connect(t, natstest.Server(t))
	ctx := t.Context()
	actions(t, js, DefaultStreamOptions())
	publish := func(subj, id string) *jetstream.PubAck {
		t.Helper()
		m := nats.NewMsg(subj)
		m.Data = []byte(`{}`)
		m.Header.Set(jetstream.MsgIDHeader, id)
		ack, err := js.PublishMsg(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return ack
	}
	for _, c := range []struct{ stream, subj string }{
		{StreamEval, EvalSubject("mbb", "s")},
		{StreamResults, ResultSubject("mbb", "s")},
		{StreamDLQ, DLQSubject("mbb")},
	} {
		if ack := publish(c.subj, "req-1"); ack.Duplicate {
			t.Errorf("%s: first publish acked as a duplicate", c.stream)
		}
		if ack := publish(c.subj, "req-1"); !ack.Duplicate {
			t.Errorf("%s: second publish with the same Nats-Msg-Id not acked as a duplicate", c.stream)
		}
		publish(c.subj, "req-2")
		s, err := js.Stream(ctx, c.stream)
		if err != nil {
			t.Fatal(err)
		}
		if n := s.CachedInfo().State.Msgs; n != 2 {
			t.Errorf("%s holds %d messages, want 2 (req-1 once, req-2)", c.stream, n)
		}
	}
}

// TestExternalApplyStreams runs against the machine's server (NATS_URL),
// which in CI is Debian's nats-server 2.9: the stream settings must be
// ones it accepts. The server is shared, so the streams get names and
// subjects of this run's own, and are deleted after.
func TestExternalApplyStreams(t *testing.T) {
	_, js := natstest.Connect(t, natstest.ExternalURL(t))
	prefix := "test_" + nuid.Next()
	o := DefaultStreamOptions()
	o.MaxBytes = 1 << 20 // a shared server's disk is not ours
	configs := func(o StreamOptions) []jetstream.StreamConfig {
		cfgs := StreamConfigs(o)
		for i := range cfgs {
			cfgs[i].Name = prefix + "_" + cfgs[i].Name
			cfgs[i].Subjects = []string{prefix + "." + cfgs[i].Subjects[0]}
		}
		return cfgs
	}
	for _, c := range configs(o) {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := js.DeleteStream(ctx, c.Name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
				t.Errorf("deleting %s: %v", c.Name, err)
			}
		})
	}
	apply := func(o StreamOptions, want string) {
		t.Helper()
		changes, err := ApplyStreamConfigs(t.Context(), js, configs(o))
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 3 {
			t.Fatalf("changes %v", changes)
		}
		for _, c := range changes {
			if c.Action != want {
				t.Errorf("%s: %s, want %s", c.Stream, c.Action, want)
			}
		}
	}
	apply(o, StreamCreated)
	apply(o, StreamUnchanged)
	o.MaxAge = time.Hour
	apply(o, StreamUpdated)
	apply(o, StreamUnchanged)

	// Deduplication works there too.
	subj := prefix + "." + EvalSubject("mbb", "s")
	for range 2 {
		if _, err := js.Publish(t.Context(), subj, []byte(`{}`), jetstream.WithMsgID("req-1")); err != nil {
			t.Fatal(err)
		}
	}
	s, err := js.Stream(t.Context(), prefix+"_"+StreamEval)
	if err != nil {
		t.Fatal(err)
	}
	if n := s.CachedInfo().State.Msgs; n != 1 {
		t.Errorf("%d messages after a duplicate, want 1", n)
	}
}
