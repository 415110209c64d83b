package consumer

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"bytes"
	"context"
	"errors"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/internal/natstest"
	"github.com/flextime/flextime/schemas"
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

// crowded returns the sample schedule with n games between its teams,
// crammed into its slots: every rule breaks many times over, so the
// result's explanations are many times the request's size.
func (e *env) crowded(id string, n int) *schemas.Request {
	s := *e.sched
	s.Games = make([]schemas.Game, n)
	nt, ns := len(s.Teams), len(s.Slots)
	for i := range s.Games {
		h, a := i%nt, (i/nt+1+i)%nt
		if h == a {
			a = (a + 1) % nt
		}
		slot := s.Slots[(i*7)%ns].ID
		s.Games[i] = schemas.Game{ID: fmt.Sprintf("c%04d", i), Home: s.Teams[h].ID, Away: s.Teams[a].ID, Slot: &slot}
	}
	rev := int64(1)
	return &schemas.Request{RequestID: id, Revision: &rev, Schedule: &s, Detail: schemas.DetailAll}
}

// TestOversizedResultIsTruncatedNotRetried sends a request whose result
// is several times the server's max payload. It used to be retried
// forever as an outage, opening the breaker each time; now the result
// goes out truncated, with exact totals, and the request is acked once.
func TestOversizedResultIsTruncatedNotRetried(t *testing.T) {
	const maxPayload = 128 << 10
	e := newEnvAt(t, smallPayloadServer(t, maxPayload))
	cfg := fastConfig()
	cfg.MaxViolations = 1 << 20                                   // only the message size truncates here
	cfg.EvalTimeout, cfg.AckWait = 20*time.Second, 40*time.Second // 800 games, under -race
	in := e.start(cfg, nil)
	big := e.crowded("big", 800)
	whole, err := evaluator.Evaluate(big.Schedule, e.docs, evaluator.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	full := whole.Report(big.Schedule.ID, big.Schedule.Sport, true)
	fullBody, _ := json.Marshal(full)
	if len(fullBody) < 2*maxPayload {
		t.Fatalf("the whole result is only %d bytes; the test needs one over %d", len(fullBody), maxPayload)
	}
	e.publish(big, e.request("small"))
	waitFor(t, 30*time.Second, "two results", func() bool { return e.count(broker.StreamResults) == 2 })
	e.settled("evaluator")
	rs := e.results()
	if len(rs["big"]) != 1 || len(rs["small"]) != 1 {
		t.Fatalf("results: %d big, %d small", len(rs["big"]), len(rs["small"]))
	}
	r := rs["big"][0]
	if r.Status != schemas.StatusOK || !r.Truncated || r.OmittedViolations == 0 {
		t.Errorf("big result: status %q, truncated %v, omitted %d", r.Status, r.Truncated, r.OmittedViolations)
	}
	if r.Totals != full.Totals || len(r.Results) != len(full.Results) {
		t.Errorf("totals %+v (%d constraints), want %+v (%d)", r.Totals, len(r.Results), full.Totals, len(full.Results))
	}
	var listed, omitted int64
	for i, c := range r.Results {
		if c.Cost != full.Results[i].Cost || c.Deviation != full.Results[i].Deviation {
			t.Errorf("%s: cost %v deviation %d, want %v %d", c.ConstraintID, c.Cost, c.Deviation, full.Results[i].Cost, full.Results[i].Deviation)
		}
		if len(c.Violations)+c.OmittedViolations != len(full.Results[i].Violations) {
			t.Errorf("%s: %d listed + %d omitted, want %d", c.ConstraintID, len(c.Violations), c.OmittedViolations, len(full.Results[i].Violations))
		}
		listed += int64(len(c.Violations))
		omitted += int64(c.OmittedViolations)
	}
	omitted += int64(len(full.Structure) - len(r.Structure))
	if omitted != r.OmittedViolations || listed == 0 {
		t.Errorf("omitted %d counted, result says %d; %d listed", omitted, r.OmittedViolations, listed)
	}
	if n := testutil.ToFloat64(in.c.met.BreakerTrips); n != 0 {
		t.Errorf("breaker tripped %d times", int(n))
	}
	if n := e.count(broker.StreamDLQ); n != 0 {
		t.Errorf("%d dead letters", n)
	}
}

// TestOversizedDeadLetterFits sends bad input whose dead letter would be
// over the server's max payload: a body near the limit (base64 adds a
// third) and one with headers near it. Each used to be retried forever as
// an outage; now each dead letter goes out, its payload cut short and
// said so.
func TestOversizedDeadLetterFits(t *testing.T) {
	const maxPayload = 64 << 10
	e := newEnvAt(t, smallPayloadServer(t, maxPayload))
	in := e.start(fastConfig(), nil)
	subject := broker.EvalSubject("mbb", "s1")
	body := []byte(`{"request_id": "big-body", "schedule": 42, "pad": "` + strings.Repeat("x", 60<<10) + `"}`)
	e.publishRaw(subject, "big-body", body)

	m := nats.NewMsg(subject)
	m.Header.Set(jetstream.MsgIDHeader, "big-headers")
	for i := range 60 {
		m.Header.Set(fmt.Sprintf("X-Pad-%d", i), strings.Repeat("h", 1040))
	}
	small := []byte(`{"request_id": "big-headers", "schedule": 42}`)
	m.Data = small
	if _, err := e.js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}

	waitFor(t, 30*time.Second, "two dead letters", func() bool { return e.count(broker.StreamDLQ) == 2 })
	e.settled("evaluator")
	got := map[string]schemas.DeadLetter{}
	for _, d := range e.deadLetters() { // each checked against its schema
		got[d.RequestID] = d
	}
	d := got["big-body"]
	payload, err := base64.StdEncoding.DecodeString(d.PayloadB64)
	if err != nil || !d.PayloadTruncated || d.PayloadBytes != len(body) || len(payload) == 0 || !bytes.HasPrefix(body, payload) {
		t.Errorf("big body: truncated %v, payload_bytes %d of %d, %d bytes kept (%v)", d.PayloadTruncated, d.PayloadBytes, len(body), len(payload), err)
	}
	if d.Class != schemas.ClassBadInput || !strings.Contains(d.Reason, "schedule") || d.HeadersTruncated {
		t.Errorf("big body: class %q, reason %q, headers truncated %v", d.Class, d.Reason, d.HeadersTruncated)
	}
	d = got["big-headers"]
	payload, _ = base64.StdEncoding.DecodeString(d.PayloadB64)
	if !d.HeadersTruncated || len(d.Headers) != 0 || d.PayloadTruncated || !bytes.Equal(payload, small) || d.PayloadBytes != len(small) {
		t.Errorf("big headers: headers truncated %v (%d left), payload truncated %v, payload_bytes %d", d.HeadersTruncated, len(d.Headers), d.PayloadTruncated, d.PayloadBytes)
	}
	if n := testutil.ToFloat64(in.c.met.BreakerTrips); n != 0 {
		t.Errorf("breaker tripped %d times", int(n))
	}
}

func TestCapViolations(t *testing.T) {
	v := func(n int) []schemas.Violation {
		out := make([]schemas.Violation, n)
		for i := range out {
			out[i] = schemas.Violation{Games: []string{fmt.Sprint(i)}, Message: "m"}
		}
		return out
	}
	res := &schemas.Result{Structure: v(3), Results: []schemas.ConstraintResult{
		{ConstraintID: "a", Deviation: 5, Cost: 5, Violations: v(5)},
		{ConstraintID: "b", Deviation: 1, Cost: 1, Violations: v(1)},
	}}
	if got := capViolations(res, 5); got != res {
		t.Error("a result within the cap was copied")
	}
	got := capViolations(res, 2)
	if !got.Truncated || got.OmittedViolations != 1+3 || len(got.Structure) != 2 ||
		len(got.Results[0].Violations) != 2 || got.Results[0].OmittedViolations != 3 ||
		len(got.Results[1].Violations) != 1 || got.Results[1].OmittedViolations != 0 ||
		got.Results[0].Cost != 5 || got.Results[0].Deviation != 5 {
		t.Errorf("capped: %+v", got)
	}
	// The original, which the cache may share, is untouched.
	if res.Truncated || len(res.Structure) != 3 || len(res.Results[0].Violations) != 5 || res.Results[0].OmittedViolations != 0 {
		t.Errorf("original changed: %+v", res)
	}
	// Appending to the capped lists cannot write into the original.
	_ = append(got.Results[0].Violations, schemas.Violation{Message: "x"})
	if res.Results[0].Violations[2].Message != "m" {
		t.Error("capped list shares its tail with the original")
	}
}

// TestEncodeResultFallsBackToError checks a result that does not fit
// even without violations: status error, the reason, exact totals.
func TestEncodeResultFallsBackToError(t *testing.T) {
	res := &schemas.Result{ScheduleID: "s", Sport: "x", Status: schemas.StatusOK, ConstraintSet: "sha256:1",
		Totals: schemas.Totals{Infeasibility: 3_000_000, Evaluated: 2000}, EvaluatedAt: "2026-12-01T00:00:00Z"}
	for i := range 2000 {
		res.Results = append(res.Results, schemas.ConstraintResult{ConstraintID: fmt.Sprintf("constraint-%04d", i), Kind: "CA1", Hard: true})
	}
	body, err := encodeResult(res, 8<<10)
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.ValidateResultJSON(body); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	var got schemas.Result
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(body) > 8<<10 || got.Status != schemas.StatusError || !strings.Contains(got.Error, "does not fit") ||
		got.Totals != res.Totals || len(got.Results) != 0 {
		t.Errorf("%d bytes: %+v", len(body), got)
	}
}

func TestFitDeadLetterAlwaysFits(t *testing.T) {
	for _, n := range []int{0, 10, 1000, 5000, 20000} {
		for _, limit := range []int{2048, 4096, 16384} {
			payload := bytes.Repeat([]byte("p"), n)
			dl := schemas.DeadLetter{Reason: strings.Repeat("r", 5000), Class: schemas.ClassPoison, Subject: "flextime.eval.x.y",
				Headers: map[string][]string{"Nats-Msg-Id": {"id"}}, DeliveryCount: 1, At: "2026-12-01T00:00:00Z"}
			body, err := fitDeadLetter(&dl, payload, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(body) > limit {
				t.Errorf("payload %d, limit %d: %d bytes", n, limit, len(body))
			}
			if err := schemas.ValidateDeadLetterJSON(body); err != nil {
				t.Errorf("payload %d, limit %d: %v", n, limit, err)
			}
			var got schemas.DeadLetter
			_ = json.Unmarshal(body, &got)
			kept, _ := base64.StdEncoding.DecodeString(got.PayloadB64)
			if got.PayloadBytes != n || got.PayloadTruncated != (len(kept) < n) || !bytes.HasPrefix(payload, kept) {
				t.Errorf("payload %d, limit %d: payload_bytes %d, truncated %v, kept %d", n, limit, got.PayloadBytes, got.PayloadTruncated, len(kept))
			}
		}
	}
}

// TestLongIDsKeepTheConnection sends requests whose schedule id or sport
// would make a subject past the server's max control line. The server
// used to close the connection over the result (or dead letter) subject;
// now each is bad input, dead-lettered on the request subject's sport,
// and a good request after them is answered on the same connection.
func TestLongIDsKeepTheConnection(t *testing.T) {
	e := newEnv(t)
	in := e.start(fastConfig(), nil)
	subject := broker.EvalSubject("mbb", "x")
	for _, c := range []struct{ id, old, new string }{
		{"long-id", `"id":"` + e.sched.ID + `"`, `"id":"` + strings.Repeat("s", 5000) + `"`},
		{"long-sport", `"sport":"mbb"`, `"sport":"` + strings.Repeat("m", 5000) + `"`},
	} {
		body, _ := json.Marshal(e.request(c.id))
		if !bytes.Contains(body, []byte(c.old)) {
			t.Fatalf("no %s in %.200s", c.old, body)
		}
		e.publishRaw(subject, c.id, bytes.Replace(body, []byte(c.old), []byte(c.new), 1))
	}
	e.publish(e.request("good"))
	waitFor(t, 20*time.Second, "two dead letters and a result", func() bool {
		return e.count(broker.StreamDLQ) == 2 && e.count(broker.StreamResults) == 1
	})
	e.settled("evaluator")
	for _, d := range e.deadLetters() {
		if d.Class != schemas.ClassBadInput || d.Sport != "mbb" || !strings.Contains(d.Reason, "at most 128 characters") {
			t.Errorf("%s: class %q, sport %q, reason %q", d.RequestID, d.Class, d.Sport, d.Reason)
		}
	}
	if st := in.nc.Status(); st != nats.CONNECTED {
		t.Errorf("consumer connection %v", st)
	}
}

// deniedServer starts a JetStream server whose one user may not publish
// to the given subjects, and returns a URL that logs in as that user.
func deniedServer(t testing.TB, deny ...string) string {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true,
		Users: []*server.User{{Username: "svc", Password: "pw",
			Permissions: &server.Permissions{Publish: &server.SubjectPermission{Allow: []string{">"}, Deny: deny}}}},
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
	return strings.Replace(srv.ClientURL(), "nats://", "nats://svc:pw@", 1)
}

// TestForbiddenSubjectsAreNoOutage sends a request whose result subject
// this connection may not publish to, and bad input whose dead-letter
// subject it may not publish to. The server only says so in an async
// error, and the publish times out: that used to be an outage, retried
// forever with the breaker open. Now the first is dead-lettered as
// poison, the second terminated (logged), and good traffic flows.
func TestForbiddenSubjectsAreNoOutage(t *testing.T) {
	e := newEnvAt(t, deniedServer(t, broker.ResultSubject("mbb", "denied"), broker.DLQSubject("nodlq")))
	in := e.start(fastConfig(), nil)
	denied := e.request("denied-result")
	s := *denied.Schedule
	s.ID = "denied"
	denied.Schedule = &s
	e.publish(denied)
	e.publishRaw(broker.EvalSubject("nodlq", "x"), "denied-dlq", []byte(`{"request_id": "denied-dlq", "schedule": {"id": "x", "sport": "nodlq", "teams": 5}}`))
	waitFor(t, 20*time.Second, "a dead letter", func() bool { return e.count(broker.StreamDLQ) == 1 })
	e.settled("evaluator")
	e.publish(e.request("good"))
	waitFor(t, 20*time.Second, "the good result", func() bool { return e.count(broker.StreamResults) == 1 })
	e.settled("evaluator")
	dls := e.deadLetters()
	if len(dls) != 1 || dls[0].RequestID != "denied-result" || dls[0].Class != schemas.ClassPoison ||
		!strings.Contains(dls[0].Reason, "permissions violation") {
		t.Errorf("dead letters: %+v", dls)
	}
	if n := testutil.ToFloat64(in.c.met.BreakerTrips); n != 0 {
		t.Errorf("breaker tripped %d times", int(n))
	}
}

// TestDenialsAreBounded checks the refused subjects, which come from
// input, are remembered up to maxDenials, the oldest forgotten first.
func TestDenialsAreBounded(t *testing.T) {
	d := &denials{at: map[string]time.Time{}}
	start := time.Now()
	for i := range maxDenials + 10 {
		d.note(fmt.Errorf("%w: Permissions Violation for Publish to \"flextime.results.x.s%d\"", nats.ErrPermissionViolation, i))
	}
	d.note(errors.New("some other error"))
	if len(d.at) != maxDenials {
		t.Errorf("%d subjects remembered, want %d", len(d.at), maxDenials)
	}
	last := fmt.Sprintf("flextime.results.x.s%d", maxDenials+9)
	if err := d.check(last, start); !errors.Is(err, nats.ErrPermissionViolation) {
		t.Errorf("latest refusal: %v", err)
	}
	if err := d.check(last, time.Now().Add(time.Second)); err != nil {
		t.Errorf("a refusal before the publish counted: %v", err)
	}
	if err := d.check("flextime.results.x.other", start); err != nil {
		t.Errorf("a subject never refused: %v", err)
	}
}

// TestHostileMixLeavesValidTrafficAlone interleaves payloads that used to
// be retried forever, or to hold the breaker open, with valid requests.
// A hostile mix once starved valid traffic (286 of 484 answered in 300 s).
// Now every valid request is answered, every hostile one ends as a result
// or a dead letter with its reason, nothing is redelivered, and the
// breaker never opens.
func TestHostileMixLeavesValidTrafficAlone(t *testing.T) {
	e := newEnvAt(t, smallPayloadServer(t, 256<<10))
	cfg := fastConfig()
	cfg.EvalTimeout, cfg.AckWait = 20*time.Second, 40*time.Second // crowded schedules, under -race
	in := e.start(cfg, nil)
	subject := broker.EvalSubject("mbb", "hostile")
	good, _ := json.Marshal(e.request("template"))
	withID := func(id string, body []byte) []byte {
		return bytes.Replace(body, []byte(`"request_id":"template"`), []byte(`"request_id":"`+id+`"`), 1)
	}
	hostile := map[string][]byte{
		"deep":         []byte(`{"request_id": "deep", "x": ` + strings.Repeat("[", 100000) + `}`),
		"dup-key":      withID("dup-key", bytes.Replace(good, []byte(`"revision":7`), []byte(`"revision":7,"revision":8`), 1)),
		"bad-utf8":     withID("bad-utf8", bytes.Replace(good, []byte(`"id":"`+e.sched.ID+`"`), []byte("\"id\":\"s\xff\""), 1)),
		"long-id":      withID("long-id", bytes.Replace(good, []byte(`"id":"`+e.sched.ID+`"`), []byte(`"id":"`+strings.Repeat("s", 5000)+`"`), 1)),
		"null":         []byte(`null`),
		"array":        []byte(`[` + string(good) + `]`),
		"bom-null":     []byte("\xef\xbb\xbfnull"),
		"huge-array":   []byte(`{"request_id": "huge-array", "schedule": {"id": "s", "sport": "mbb", "games": [` + strings.Repeat(`null,`, 50000) + `null]}}`),
		"big-body":     []byte(`{"request_id": "big-body", "schedule": 1, "pad": "` + strings.Repeat("x", 250<<10) + `"}`),
		"wrong-type":   withID("wrong-type", bytes.Replace(good, []byte(`"revision":7`), []byte(`"revision":"seven"`), 1)),
		"number-range": withID("number-range", bytes.Replace(good, []byte(`"revision":7`), []byte(`"revision":1e999999`), 1)),
	}
	for name, body := range hostile {
		if bytes.Equal(body, good) || (bytes.Contains(body, []byte(`"template"`)) && name != "array") {
			t.Fatalf("%s: the edit did not apply", name)
		}
	}
	var bigIDs []string
	for i := range 3 {
		id := fmt.Sprintf("big-result-%d", i)
		bigIDs = append(bigIDs, id)
		body, _ := json.Marshal(e.crowded(id, 800))
		hostile[id] = body
	}
	const valid = 20
	i := 0
	for name, body := range hostile {
		e.publishRaw(subject, "h-"+name, body)
		e.publish(e.request(fmt.Sprintf("valid-%d", i)))
		i++
	}
	for ; i < valid; i++ {
		e.publish(e.request(fmt.Sprintf("valid-%d", i)))
	}
	want := uint64(valid + len(bigIDs))
	waitFor(t, 60*time.Second, "every message answered", func() bool {
		return e.count(broker.StreamResults) == want && e.count(broker.StreamDLQ) == uint64(len(hostile)-len(bigIDs))
	})
	e.settled("evaluator")
	rs := e.results()
	ref := rs["valid-0"]
	for i := range valid {
		r := rs[fmt.Sprintf("valid-%d", i)]
		if len(r) != 1 || r[0].Status != schemas.StatusOK || r[0].Totals != ref[0].Totals {
			t.Errorf("valid-%d: %d results", i, len(r))
		}
	}
	for _, id := range bigIDs {
		if r := rs[id]; len(r) != 1 || !r[0].Truncated {
			t.Errorf("%s: %d results", id, len(r))
		}
	}
	for _, d := range e.deadLetters() {
		if d.Class != schemas.ClassBadInput || d.Reason == "" || d.DeliveryCount != 1 {
			t.Errorf("dead letter %q: class %q, reason %q, delivery %d", d.RequestID, d.Class, d.Reason, d.DeliveryCount)
		}
	}
	if n := testutil.ToFloat64(in.c.met.BreakerTrips); n != 0 {
		t.Errorf("breaker tripped %d times", int(n))
	}
}

// TestReplayHeaderMustSurviveIntact sends a replay id that is not valid
// UTF-8. It used to reach the result as U+FFFD, silently; now the request
// is bad input naming the header.
func TestReplayHeaderMustSurviveIntact(t *testing.T) {
	e := newEnv(t)
	e.start(fastConfig(), nil)
	body, _ := json.Marshal(e.request("bad-replay"))
	m := nats.NewMsg(broker.EvalSubject("mbb", e.sched.ID))
	m.Data = body
	m.Header.Set(jetstream.MsgIDHeader, "bad-replay")
	m.Header.Set(ReplayHeader, "rp\xff1")
	if _, err := e.js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "a dead letter", func() bool { return e.count(broker.StreamDLQ) == 1 })
	e.settled("evaluator")
	d := e.deadLetters()[0]
	if d.Class != schemas.ClassBadInput || !strings.Contains(d.Reason, "header "+ReplayHeader+": not valid UTF-8") {
		t.Errorf("class %q, reason %q", d.Class, d.Reason)
	}
	if n := e.count(broker.StreamResults); n != 0 {
		t.Errorf("%d results", n)
	}
}
