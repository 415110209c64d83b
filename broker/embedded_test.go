package broker

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
)

func startEmbedded(t *testing.T, o EmbeddedOptions) *Embedded {
	t.Helper()
	emb, err := StartEmbedded(o)
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	t.Cleanup(emb.Shutdown)
	return emb
}

func TestEmbeddedPersistsAcrossRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet", "there") // created by StartEmbedded
	ctx := t.Context()

	emb := startEmbedded(t, EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: dir})
	if !strings.HasPrefix(emb.ClientURL(), "nats://127.0.0.1:") || strings.HasSuffix(emb.ClientURL(), ":0") {
		t.Errorf("ClientURL() = %q", emb.ClientURL())
	}
	if !emb.Server().JetStreamEnabled() {
		t.Fatal("JetStream is off")
	}
	nc, js, err := Connect(ctx, ConnectOptions{URL: emb.ClientURL()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ApplyStreams(ctx, js, DefaultStreamOptions()); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, EvalSubject("mbb", "s"), []byte(`{"kept":true}`), jetstream.WithMsgID("r1")); err != nil {
		t.Fatal(err)
	}
	nc.Close()
	emb.Shutdown()
	emb.Shutdown() // a second call does nothing

	emb = startEmbedded(t, EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: dir})
	nc, js, err = Connect(ctx, ConnectOptions{URL: emb.ClientURL()})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	wantActions(t, actions(t, js, DefaultStreamOptions()), StreamUnchanged)
	s, err := js.Stream(ctx, StreamEval)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMsg(ctx, 1)
	if err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	if string(m.Data) != `{"kept":true}` || m.Subject != "flextime.eval.mbb.s" {
		t.Errorf("after the restart: %s %s", m.Subject, m.Data)
	}
}

func TestEmbeddedListenInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()

	start := time.Now()
	emb, err := StartEmbedded(EmbeddedOptions{Listen: addr, DataDir: t.TempDir()})
	if err == nil {
		emb.Shutdown()
		t.Fatalf("StartEmbedded on taken %s succeeded", addr)
	}
	if !errors.Is(err, ErrListenInUse) || !strings.Contains(err.Error(), addr) {
		t.Errorf("err = %v, want ErrListenInUse naming %s", err, addr)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s to report a taken port", d)
	}
}

// The address can be taken between StartEmbedded's probe and the server's
// own listen; the server's fatal log line is then the error.
func TestEmbeddedListenTakenAfterProbe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().(*net.TCPAddr)
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: addr.Port, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	bridge := &slogBridge{l: slog.New(slog.DiscardHandler), fatal: make(chan string, 1)}
	srv.SetLoggerV2(bridge, false, false, false)
	go srv.Start()
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()

	start := time.Now()
	err = waitReady(srv, bridge.fatal, addr.String())
	if !errors.Is(err, ErrListenInUse) || !strings.Contains(err.Error(), addr.String()) {
		t.Errorf("err = %v, want ErrListenInUse naming %s", err, addr)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s to report a taken port", d)
	}
}

func TestEmbeddedInvalidOptions(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		o    EmbeddedOptions
	}{
		{"no port", EmbeddedOptions{Listen: "127.0.0.1"}},
		{"no colon", EmbeddedOptions{Listen: "nohost"}},
		{"port not a number", EmbeddedOptions{Listen: "127.0.0.1:x"}},
		{"port too large", EmbeddedOptions{Listen: "127.0.0.1:99999"}},
		{"negative port", EmbeddedOptions{Listen: "127.0.0.1:-1"}},
		{"host not on this machine", EmbeddedOptions{Listen: "203.0.113.9:14299"}},
		{"data dir is a file", EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: file}},
		{"data dir under a file", EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: filepath.Join(file, "data")}},
	} {
		if c.o.DataDir == "" {
			c.o.DataDir = t.TempDir()
		}
		emb, err := StartEmbedded(c.o)
		if err == nil {
			emb.Shutdown()
		}
		if !errors.Is(err, ErrInvalidOption) {
			t.Errorf("%s: StartEmbedded(%+v) = %v, want ErrInvalidOption", c.name, c.o, err)
		}
	}
}

// syncBuffer is a log destination the server's goroutines may write to
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestEmbeddedLogs(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	emb := startEmbedded(t, EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: t.TempDir(), Logger: log})
	out := buf.String()
	if !strings.Contains(out, "level=INFO") || !strings.Contains(out, "url="+emb.ClientURL()) {
		t.Errorf("no info line with the client URL in:\n%s", out)
	}
	// The server's notices (its start-up banner) are debug lines.
	if strings.Contains(out, "nats-server:") {
		t.Errorf("server notices logged at info:\n%s", out)
	}
}

// TestEmbeddedSyncsEveryWrite: by default the embedded server syncs each
// write before acknowledging it (the Jepsen NATS 2.12.1 advice); an
// interval relaxes that.
func TestEmbeddedSyncsEveryWrite(t *testing.T) {
	emb := startEmbedded(t, EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: t.TempDir()})
	if c := emb.Server().JetStreamConfig(); !c.SyncAlways {
		t.Errorf("default: SyncAlways is off (sync interval %s)", c.SyncInterval)
	}
	emb = startEmbedded(t, EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: t.TempDir(), SyncInterval: 2 * time.Minute})
	if c := emb.Server().JetStreamConfig(); c.SyncAlways || c.SyncInterval != 2*time.Minute {
		t.Errorf("SyncInterval 2m: SyncAlways %v, interval %s", c.SyncAlways, c.SyncInterval)
	}
	for _, o := range []EmbeddedOptions{{SyncInterval: -time.Second}, {MaxStore: -1}} {
		o.Listen, o.DataDir = "127.0.0.1:0", t.TempDir()
		if _, err := StartEmbedded(o); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("StartEmbedded(%+v): %v, want ErrInvalidOption", o, err)
		}
	}
}
