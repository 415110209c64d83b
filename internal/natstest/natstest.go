// Package natstest runs real NATS servers for tests: an in-process
// JetStream server per test on a random port with its store in the test's
// temporary directory, as nats-server's own tests do. No mocks.
package natstest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/internal/testenv"
)

// Server starts a JetStream server for the test and returns its URL. It
// shuts down when the test ends.
func Server(t testing.TB) string {
	t.Helper()
	return Start(t, t.TempDir()).ClientURL()
}

// Start starts a JetStream server storing in dir on a random port, shut
// down when the test ends. Starting another on the same dir after a
// Shutdown finds the same streams.
func Start(t testing.TB, dir string) *server.Server {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: dir,
		NoLog: true, NoSigs: true,
	})
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		t.Fatal("natstest: server not ready")
	}
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	return srv
}

// Connect connects to url with a JetStream context; both close when the
// test ends.
func Connect(t testing.TB, url string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatalf("natstest: connecting to %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

// ExternalURL returns NATS_URL, the machine's server, for the tests that
// run against it. Without NATS_URL the test skips; under CI=true, an
// unreachable server fails it.
func ExternalURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("NATS_URL")
	if url == "" {
		testenv.Missing(t, "NATS_URL is not set; set it (CI uses nats://127.0.0.1:4222) to run this test against a real server")
		return ""
	}
	nc, err := nats.Connect(url, nats.Timeout(3*time.Second))
	if err != nil {
		testenv.Missing(t, "NATS at "+url+" is unreachable: "+err.Error())
		return ""
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, err = js.AccountInfo(ctx)
	}
	if err != nil {
		testenv.Missing(t, "NATS at "+url+" has no JetStream: "+err.Error())
	}
	return url
}
