// Package broker is flextime's side of NATS: the subjects and streams of
// CONTRACT §3 as code, the connection, and the embedded JetStream server
// that serve starts when no NATS_URL is given.
//
//	emb, err := broker.StartEmbedded(broker.EmbeddedOptions{Listen: "127.0.0.1:14222", DataDir: "./data"})
//	if err != nil {
//		return err // errors.Is(err, broker.ErrListenInUse) when the port is taken
//	}
//	defer emb.Shutdown()
//	nc, js, err := broker.Connect(ctx, broker.ConnectOptions{URL: emb.ClientURL()})
//	...
//	changes, err := broker.ApplyStreams(ctx, js, broker.DefaultStreamOptions())
//
// Subject tokens come from the schedule's own sport and id with every
// character other than an ASCII letter, digit, '-' or '_' replaced by '_'.
package broker
