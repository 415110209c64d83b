package broker

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// freeAddr returns an address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestConnectUnreachable(t *testing.T) {
	addr := freeAddr(t)
	start := time.Now()
	_, _, err := Connect(context.Background(), ConnectOptions{URL: "nats://" + addr})
	if err == nil || !strings.Contains(err.Error(), "nats://"+addr) {
		t.Errorf("err = %v, want one naming nats://%s", err, addr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s to give up", d)
	}

	// ctx ends the retries sooner.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	_, _, err = Connect(ctx, ConnectOptions{URL: "nats://" + addr})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), addr) {
		t.Errorf("err = %v, want DeadlineExceeded naming %s", err, addr)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s past a 100ms context", d)
	}
}

func TestConnectRedactsSecrets(t *testing.T) {
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	for _, url := range []string{"nats://alice:s3cret@" + addr, "nats://s3cret@" + addr} {
		_, _, err := Connect(ctx, ConnectOptions{URL: url})
		if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), addr) {
			t.Errorf("%s: err = %v, want one naming %s without the secret", url, err, addr)
		}
	}
}

// A missing credentials file is not retried: it will still be missing.
func TestConnectMissingCreds(t *testing.T) {
	emb := startEmbedded(t, EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: t.TempDir()})
	creds := filepath.Join(t.TempDir(), "missing.creds")
	start := time.Now()
	_, _, err := Connect(context.Background(), ConnectOptions{URL: emb.ClientURL(), Creds: creds})
	if err == nil || !strings.Contains(err.Error(), "missing.creds") {
		t.Errorf("err = %v, want one naming the credentials file", err)
	}
	if d := time.Since(start); d > connectFirstWait {
		t.Errorf("took %s: retried an error retrying cannot cure", d)
	}
}

// Once connected, the client outlives a server restart and logs both ends
// of the outage.
func TestConnectReconnects(t *testing.T) {
	dir := t.TempDir()
	emb := startEmbedded(t, EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: dir})
	port := emb.Server().Addr().(*net.TCPAddr).Port
	var buf syncBuffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	ctx := t.Context()
	nc, js, err := Connect(ctx, ConnectOptions{URL: emb.ClientURL(), Name: "reconnect-test", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := ApplyStreams(ctx, js, DefaultStreamOptions()); err != nil {
		t.Fatal(err)
	}

	emb.Shutdown()
	emb = startEmbedded(t, EmbeddedOptions{Listen: "127.0.0.1:" + strconv.Itoa(port), DataDir: dir})
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := js.Publish(pctx, EvalSubject("mbb", "s"), []byte(`{}`), jetstream.WithMsgID("after"),
		jetstream.WithRetryAttempts(50), jetstream.WithRetryWait(100*time.Millisecond)); err != nil {
		t.Fatalf("publish after the restart: %v", err)
	}
	out := buf.String()
	if !strings.Contains(out, "NATS disconnected") || !strings.Contains(out, "NATS reconnected") {
		t.Errorf("disconnect and reconnect not logged:\n%s", out)
	}
}
