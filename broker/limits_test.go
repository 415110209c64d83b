package broker

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/internal/natstest"
)

// streamNames lists the streams on the server.
func streamNames(t *testing.T, js jetstream.JetStream) []string {
	t.Helper()
	var names []string
	l := js.StreamNames(t.Context())
	for n := range l.Name() {
		names = append(names, n)
	}
	if err := l.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// TestApplyStreamsStoreTooSmall: three streams of 4 MiB do not fit a
// 10 MiB store. The server would create two and refuse the third; flextime
// must refuse first, naming STREAM_MAX_BYTES, the need and the store, and
// create nothing, whether it knows the store's size (the embedded server)
// or only learns it from the server's refusal.
func TestApplyStreamsStoreTooSmall(t *testing.T) {
	for _, known := range []bool{true, false} {
		t.Run(map[bool]string{true: "known", false: "refused"}[known], func(t *testing.T) {
			emb := startEmbedded(t, EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: t.TempDir(), MaxStore: 10 << 20})
			if emb.MaxStore() != 10<<20 {
				t.Fatalf("MaxStore() = %d, want %d", emb.MaxStore(), 10<<20)
			}
			nc, js, err := Connect(t.Context(), ConnectOptions{URL: emb.ClientURL()})
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			o := DefaultStreamOptions()
			o.MaxBytes = 4 << 20
			if known {
				o.StoreLimit = emb.MaxStore()
			}
			_, err = ApplyStreams(t.Context(), js, o)
			if !errors.Is(err, ErrStoreTooSmall) {
				t.Fatalf("ApplyStreams: %v, want ErrStoreTooSmall", err)
			}
			for _, want := range []string{"STREAM_MAX_BYTES", "12MiB"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %s", err, want)
				}
			}
			if known && !strings.Contains(err.Error(), "10MiB") {
				t.Errorf("error %q does not name the 10MiB store", err)
			}
			if names := streamNames(t, js); len(names) != 0 {
				t.Errorf("streams left behind: %v", names)
			}

			// Three of 3 MiB fit, and applying them again counts their own
			// reservations as free.
			o.MaxBytes = 3 << 20
			wantActions(t, actions(t, js, o), StreamCreated)
			wantActions(t, actions(t, js, o), StreamUnchanged)
			o.MaxAge = time.Hour
			wantActions(t, actions(t, js, o), StreamUpdated)
		})
	}
}

// TestApplyStreamsReplicasNeedCluster: R3 on a single server is a clear
// error at once, and nothing is created.
func TestApplyStreamsReplicasNeedCluster(t *testing.T) {
	_, js := natstest.Connect(t, natstest.Server(t))
	o := DefaultStreamOptions()
	o.MaxBytes = 1 << 20
	o.Replicas = 3
	_, err := ApplyStreams(t.Context(), js, o)
	if !errors.Is(err, ErrNotClustered) || !strings.Contains(err.Error(), "STREAM_REPLICAS=3") {
		t.Fatalf("ApplyStreams with 3 replicas: %v, want ErrNotClustered naming STREAM_REPLICAS=3", err)
	}
	if names := streamNames(t, js); len(names) != 0 {
		t.Errorf("streams left behind: %v", names)
	}
	for _, c := range StreamConfigs(o) {
		if c.Replicas != 3 {
			t.Errorf("%s has %d replicas, want 3", c.Name, c.Replicas)
		}
	}
}

// TestApplyStreamsAccountLimit: on a server that gives the account a
// JetStream storage limit (as operators and NGS do), the limit the server
// reports is checked before anything is made.
func TestApplyStreamsAccountLimit(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "server.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`
listen: "127.0.0.1:-1"
jetstream: {store_dir: %q}
accounts: {
  A: {jetstream: {max_file: 10M, max_mem: 1M}, users: [{user: a, password: a}]}
}
`, filepath.Join(dir, "js"))), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	opts.NoLog, opts.NoSigs = true, true
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("server not ready")
	}
	u := strings.Replace(srv.ClientURL(), "nats://", "nats://a:a@", 1)
	nc, js, err := Connect(t.Context(), ConnectOptions{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	o := DefaultStreamOptions()
	o.MaxBytes = 4 << 20
	_, err = ApplyStreams(t.Context(), js, o)
	if !errors.Is(err, ErrStoreTooSmall) || !strings.Contains(err.Error(), "account") ||
		!strings.Contains(err.Error(), "12MiB") {
		t.Fatalf("ApplyStreams: %v, want ErrStoreTooSmall naming the account's limit and 12MiB", err)
	}
	if names := streamNames(t, js); len(names) != 0 {
		t.Errorf("streams left behind: %v", names)
	}
	o.MaxBytes = 3 << 20
	wantActions(t, actions(t, js, o), StreamCreated)
	wantActions(t, actions(t, js, o), StreamUnchanged)
}
