// Package consumer is the stream processor's intake: it takes evaluation
// requests from the FLEXTIME_EVAL stream through one durable pull
// consumer shared by every instance, evaluates them in a bounded pool of
// workers, publishes each result to FLEXTIME_RESULTS, and acks the
// request only once the result's publish is confirmed.
//
// What happens to a message is decided in one place, Decide, from the
// class of the error its handling ended with:
//
//   - bad input (ErrBadInput) is dead-lettered to flextime.dlq.<sport>
//     with its reason, then terminated;
//   - a dependency outage (ErrDependency) is naked with a growing delay
//     and opens the circuit breaker, which stops fetching until a probe
//     gets through; it is never dead-lettered;
//   - a panic (ErrPanic) is recovered, logged with its stack and retried,
//     and dead-lettered as poison after Config.PoisonAttempts deliveries;
//   - a result the server will never take (ErrUnpublishable: over its max
//     payload, a subject this connection may not publish to) is
//     dead-lettered as poison at once; it is no outage.
//
// Results and dead letters are made to fit the server's max payload:
// violations are capped per constraint (Config.MaxViolations) and cut
// further to fit (the result says truncated), a dead letter's payload is
// cut short (payload_truncated). Requests are held to Config.Limits.
//
// Usage:
//
//	c, err := consumer.New(js, src, consumer.Config{Workers: 8})
//	if err != nil {
//		return err
//	}
//	err = c.Run(ctx) // until ctx ends; then a graceful stop
package consumer
