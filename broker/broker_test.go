package broker

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/internal/natstest"
)

func TestSubjects(t *testing.T) {
	cases := []struct{ in, want string }{
		{"mbb", "mbb"},
		{"big12-mbb_2025", "big12-mbb_2025"},
		{"a.b", "a_b"},
		{"a b", "a_b"},
		{"*", "_"},
		{">", "_"},
		{"", "_"},
		{"café", "caf_"},
		{"x/y:z", "x_y_z"},
	}
	for _, c := range cases {
		if got := Token(c.in); got != c.want {
			t.Errorf("Token(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if s := EvalSubject("m.b", "s 1"); s != "flextime.eval.m_b.s_1" {
		t.Errorf("EvalSubject = %q", s)
	}
	if s := ResultSubject("mbb", "x"); s != "flextime.results.mbb.x" {
		t.Errorf("ResultSubject = %q", s)
	}
	if s := DLQSubject(""); s != "flextime.dlq._" {
		t.Errorf("DLQSubject = %q", s)
	}
	sp, id, ok := ParseEvalSubject("flextime.eval.mbb.s1")
	if !ok || sp != "mbb" || id != "s1" {
		t.Errorf("ParseEvalSubject = %q %q %v", sp, id, ok)
	}
	for _, bad := range []string{"flextime.eval.mbb", "flextime.results.mbb.x", "flextime.eval.a.b.c", "x"} {
		if _, _, ok := ParseEvalSubject(bad); ok {
			t.Errorf("ParseEvalSubject(%q) ok", bad)
		}
	}
}

func TestApplyStreamsIsIdempotent(t *testing.T) {
	_, js := natstest.Connect(t, natstest.Server(t))
	ctx := context.Background()
	o := DefaultStreamOptions()
	actions := func(o StreamOptions) []string {
		t.Helper()
		ch, err := ApplyStreams(ctx, js, o)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range ch {
			out = append(out, c.Stream+":"+c.Action)
		}
		return out
	}
	want := func(got []string, action string) {
		t.Helper()
		if len(got) != 3 {
			t.Fatalf("changes %v", got)
		}
		for i, name := range []string{StreamEval, StreamResults, StreamDLQ} {
			if got[i] != name+":"+action {
				t.Errorf("changes %v, want all %s", got, action)
			}
		}
	}
	want(actions(o), "created")
	want(actions(o), "unchanged")
	o.MaxAge = 48 * time.Hour
	want(actions(o), "updated")
	want(actions(o), "unchanged")

	s, err := js.Stream(ctx, StreamEval)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	if cfg.MaxAge != 48*time.Hour || cfg.Duplicates != 2*time.Minute || cfg.Retention != jetstream.LimitsPolicy ||
		cfg.MaxBytes != 10<<30 {
		t.Errorf("config %+v", cfg)
	}
	// The deduplication window drops a second message with the same id.
	for range 2 {
		m := nats.NewMsg(EvalSubject("mbb", "s"))
		m.Data = []byte("{}")
		m.Header.Set(jetstream.MsgIDHeader, "same")
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	info, _ := s.Info(ctx)
	if info.State.Msgs != 1 {
		t.Errorf("%d messages after a duplicate, want 1", info.State.Msgs)
	}
}

func TestStreamOptionsValidate(t *testing.T) {
	for _, o := range []StreamOptions{
		{MaxAge: 0, MaxBytes: 1, DedupWindow: time.Second},
		{MaxAge: time.Hour, MaxBytes: 0, DedupWindow: time.Second},
		{MaxAge: time.Hour, MaxBytes: 1, DedupWindow: 0},
		{MaxAge: time.Minute, MaxBytes: 1, DedupWindow: time.Hour},
	} {
		if err := o.Validate(); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("Validate(%+v) = %v", o, err)
		}
	}
	if err := DefaultStreamOptions().Validate(); err != nil {
		t.Error(err)
	}
}

func TestEmbeddedPersistsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	start := func() (*Embedded, jetstream.JetStream, *nats.Conn) {
		emb, err := StartEmbedded(EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		nc, js, err := Connect(ctx, ConnectOptions{URL: emb.ClientURL()})
		if err != nil {
			t.Fatal(err)
		}
		return emb, js, nc
	}
	emb, js, nc := start()
	if _, err := ApplyStreams(ctx, js, DefaultStreamOptions()); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, EvalSubject("mbb", "s"), []byte(`{"kept":true}`)); err != nil {
		t.Fatal(err)
	}
	nc.Close()
	emb.Shutdown()

	emb, js, nc = start()
	defer emb.Shutdown()
	defer nc.Close()
	s, err := js.Stream(ctx, StreamEval)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMsg(ctx, 1)
	if err != nil || string(m.Data) != `{"kept":true}` {
		t.Fatalf("after restart: %v %+v", err, m)
	}
}

func TestEmbeddedPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		_, err := StartEmbedded(EmbeddedOptions{Listen: ln.Addr().String(), DataDir: t.TempDir()})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrListenInUse) {
			t.Fatalf("err = %v, want ErrListenInUse", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("StartEmbedded hung on a taken port")
	}
	for _, bad := range []string{"nohost", "127.0.0.1:99999", "127.0.0.1:x"} {
		if _, err := StartEmbedded(EmbeddedOptions{Listen: bad, DataDir: t.TempDir()}); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("Listen %q: %v", bad, err)
		}
	}
}

func TestConnectUnreachable(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, _, err := Connect(ctx, ConnectOptions{URL: "nats://" + addr})
	if err == nil || !contains(err.Error(), addr) {
		t.Errorf("err = %v, want one naming %s", err, addr)
	}
}

func TestApplyStreamsOnMachineServer(t *testing.T) {
	url := natstest.ExternalURL(t)
	_, js := natstest.Connect(t, url)
	ctx := context.Background()
	prefix := "flextime_test_" + time.Now().Format("150405.000000")
	prefix = Token(prefix)
	cfgs := StreamConfigs(DefaultStreamOptions())
	for i := range cfgs {
		cfgs[i].Name = prefix + "_" + cfgs[i].Name
		cfgs[i].Subjects = []string{prefix + "." + cfgs[i].Subjects[0]}
		cfgs[i].MaxBytes = 1 << 20
		name := cfgs[i].Name
		t.Cleanup(func() { _ = js.DeleteStream(context.Background(), name) })
	}
	for _, want := range []string{"created", "unchanged"} {
		ch, err := ApplyStreamConfigs(ctx, js, cfgs)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ch {
			if c.Action != want {
				t.Errorf("%s: %s, want %s", c.Stream, c.Action, want)
			}
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
