package broker

import (
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// BenchmarkEmbeddedPublish measures what syncing every write costs: a
// request-sized message published to FLEXTIME_EVAL on the embedded
// server, synchronously (one at a time, each waiting for its ack) and
// asynchronously (up to 256 awaiting their acks, as serve's results do),
// with NATS_SYNC_INTERVAL always and with nats-server's default of 2m.
// Figures and the command are in docs/benchmarks.md.
func BenchmarkEmbeddedPublish(b *testing.B) {
	body := make([]byte, 4<<10) // a small request; the Big 12 samples are 20 to 40 KiB
	for _, sync := range []time.Duration{0, 2 * time.Minute} {
		name := "always"
		if sync > 0 {
			name = sync.String()
		}
		for _, mode := range []string{"sync", "async"} {
			b.Run(fmt.Sprintf("sync_interval=%s/%s", name, mode), func(b *testing.B) {
				emb, err := StartEmbedded(EmbeddedOptions{Listen: "127.0.0.1:0", DataDir: b.TempDir(), SyncInterval: sync})
				if err != nil {
					b.Fatal(err)
				}
				defer emb.Shutdown()
				nc, js, err := Connect(b.Context(), ConnectOptions{URL: emb.ClientURL(), PublishAsyncMaxPending: 256})
				if err != nil {
					b.Fatal(err)
				}
				defer nc.Close()
				o := DefaultStreamOptions()
				o.MaxBytes = 1 << 30
				if _, err := ApplyStreams(b.Context(), js, o); err != nil {
					b.Fatal(err)
				}
				subj := EvalSubject("mbb", "bench")
				b.SetBytes(int64(len(body)))
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					id := jetstream.WithMsgID(fmt.Sprint(i))
					if mode == "sync" {
						if _, err := js.Publish(b.Context(), subj, body, id); err != nil {
							b.Fatal(err)
						}
						continue
					}
					if _, err := js.PublishAsync(subj, body, id, jetstream.WithStallWait(time.Minute)); err != nil {
						b.Fatal(err)
					}
				}
				select {
				case <-js.PublishAsyncComplete():
				case <-time.After(time.Minute):
					b.Fatal("async publishes not acked within a minute")
				}
			})
		}
	}
}
