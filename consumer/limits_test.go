package consumer

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/internal/natstest"
)

// smallPayloadServer starts a JetStream server whose max_payload is
// maxPayload bytes, so that tests reach the limit with small messages.
func smallPayloadServer(t testing.TB, maxPayload int32) string {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: t.TempDir(),
		NoLog: true, NoSigs: true, MaxPayload: maxPayload,
	})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		t.Fatal("server not ready after 10s")
	}
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	return srv.ClientURL()
}

// TestPublishErrorsFromARealServer checks the classification on the
// errors a real server and client give: too big for the server or for the
// stream is unpublishable, a stream that is not there is an outage.
func TestPublishErrorsFromARealServer(t *testing.T) {
	nc, js := natstest.Connect(t, smallPayloadServer(t, 64<<10))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "SMALL", Subjects: []string{"small.>"}, MaxMsgSize: 1024}); err != nil {
		t.Fatal(err)
	}
	if nc.MaxPayload() != 64<<10 {
		t.Fatalf("max payload %d", nc.MaxPayload())
	}
	msg := func(subject string, n int) *nats.Msg {
		m := nats.NewMsg(subject)
		m.Data = bytes.Repeat([]byte("x"), n)
		return m
	}

	// Over the server's max payload: refused by the client at once.
	_, err := js.PublishMsgAsync(msg("small.a", 65<<10))
	if err == nil || !errors.Is(publishError("publishing result", err), ErrUnpublishable) {
		t.Errorf("async publish over max payload: %v, want unpublishable", err)
	}
	_, err = js.PublishMsg(ctx, msg("small.a", 65<<10))
	if err == nil || !errors.Is(publishError("publishing dead letter", err), ErrUnpublishable) {
		t.Errorf("sync publish over max payload: %v, want unpublishable", err)
	}

	// Over the stream's max message size: refused in the ack.
	fut, err := js.PublishMsgAsync(msg("small.b", 2048))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-fut.Ok():
		t.Fatal("stream took a message over its max message size")
	case err = <-fut.Err():
	case <-ctx.Done():
		t.Fatal("no ack")
	}
	if !errors.Is(publishError("publishing result", err), ErrUnpublishable) {
		t.Errorf("over max message size: %v, want unpublishable", err)
	}
	_, err = js.PublishMsg(ctx, msg("small.b", 2048))
	if err == nil || !errors.Is(publishError("publishing dead letter", err), ErrUnpublishable) {
		t.Errorf("sync publish over max message size: %v, want unpublishable", err)
	}

	// No stream for the subject: an outage, retried.
	_, err = js.PublishMsg(ctx, msg("nostream.c", 10))
	if err == nil || !errors.Is(publishError("publishing result", err), ErrDependency) {
		t.Errorf("no stream: %v, want an outage", err)
	}
}
