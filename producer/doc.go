// Package producer is the client side of the streams: schedulers publish
// evaluation requests with a Client, and downstream services read results
// with Results.
//
//	c := producer.New(js)
//	id, err := c.Publish(ctx, &schemas.Request{Schedule: sched})
//	...
//	acked, err := c.Wait(ctx) // every publish confirmed by the stream
//
//	err = producer.Results(ctx, js, producer.ResultsOptions{Sport: "mbb", Follow: true},
//		func(r *schemas.Result) error { fmt.Println(r.RequestID, r.Totals.Objective); return nil })
//
// Publish sets Nats-Msg-Id to the request_id (generating one when it is
// missing), so the stream drops a request sent twice within the
// deduplication window.
package producer
