// Package history keeps every evaluation in Postgres, compactly: per
// request one summary row (constraint_id ”) with the totals and the
// constraint set, plus one row per violated constraint with its version
// and violations. The versions of every constraint of a set are written
// once per set, to constraint_sets (SetVersions reads them). Satisfied
// constraints are implied by the set, so a 1,449-constraint ITC2021
// request costs one row per broken rule, not 1,449.
//
// Rows land in evaluation_history, partitioned by day of the request's
// JetStream timestamp. Its primary key (request_ts, request_id,
// replay_id, constraint_id) makes a redelivered request write nothing
// twice, while a replay writes under its own replay_id.
//
// A Writer batches the rows of many records into one INSERT ... SELECT
// FROM unnest(...) ON CONFLICT DO NOTHING per batch, creates missing
// daily partitions on demand and drops those past the retention:
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	...
//	w, err := history.NewWriter(pool, history.Config{}, logger)
//	...
//	go w.Run(ctx) // until ctx ends; then flushes what is queued
//
//	done, err := w.Submit(ctx, history.Record{
//		RequestTS: md.Timestamp, StreamSeq: md.Sequence.Stream,
//		Result: res, Versions: set.VersionsJSON(),
//	})
//	if err != nil {
//		return err // queue full until ctx ended, or an invalid record
//	}
//	if err := <-done; errors.Is(err, history.ErrUnavailable) {
//		msg.NakWithDelay(time.Second) // Postgres is down: retry later
//	}
//
// Any past result can be read back with Rebuild:
//
//	res, err := history.Rebuild(ctx, pool, requestID, "")
package history
