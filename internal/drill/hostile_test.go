package drill

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/internal/natstest"
	"github.com/flextime/flextime/internal/pgtest"
	"github.com/flextime/flextime/schemas"
)

// rssBound is the most resident memory serve may use in the hostile
// drill. Issue 9 saw 7.16 GB.
const rssBound = 600 << 20

// hostileSent is one hostile message as published.
type hostileSent struct {
	kind *hostileKind
	rid  string
	seq  uint64
	msg  hostileMsg
}

// validSent is one valid request as published.
type validSent struct {
	rid  string
	want schemas.Totals
	at   time.Time
}

// TestHostileCorpus is the hostile-payload drill of issue 9: every kind
// of hostileKinds, interleaved with valid requests, through a real serve
// (a subprocess, so its RSS can be read from /proc) with Postgres
// history. Each bad message must end as a result or as a dead letter
// whose reason names the problem; the valid requests must all be
// answered, correctly, before a generous deadline; serve's RSS must stay
// under rssBound; and nothing may be redelivered forever: the consumer
// ends with nothing pending or awaiting an ack, delivers nothing more
// during a quiet period longer than ACK_WAIT, and no dead letter was
// delivered more than a few times. -short sends each kind once with one
// valid request between kinds instead of three; every check stays.
func TestHostileCorpus(t *testing.T) {
	began := time.Now()
	validBetween := 3
	if testing.Short() {
		validBetween = 1
	}
	// EVALUATION_TIMEOUT at its default; ACK_WAIT the least serve allows
	// with it (it must exceed the timeout plus the publish and history
	// timeouts), so that the quiet period can be short.
	const evalTimeout, ackWait = 10 * time.Second, 26 * time.Second
	dsn, schema := pgtest.Schema(t)
	// A server taking 8 MiB messages, as many are configured: the request
	// limits must be serve's, not the server's.
	url := natsServer(t, 8<<20)
	nc, js := natstest.Connect(t, url)
	maxPayload := int(nc.MaxPayload())

	smp := loadSample(t)
	cp := newCorpus(t, smp, maxPayload)
	env := drillEnv(url, dsn, fmt.Sprintf("EVALUATION_TIMEOUT=%s", evalTimeout), fmt.Sprintf("ACK_WAIT=%s", ackWait))
	serve := startServe(t, env, 0)
	pid := serve.cmd.Process.Pid

	// Watch serve's RSS; past the bound, kill it before it takes the
	// machine with it, and say so.
	var maxRSS, killedAt atomic.Int64
	var killedAfter atomic.Int64 // nanoseconds since began
	watchCtx, stopWatch := context.WithCancel(context.Background())
	var watchWG sync.WaitGroup
	watchWG.Add(1)
	go func() {
		defer watchWG.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-watchCtx.Done():
				return
			case <-tick.C:
			}
			rss := rssBytes(pid)
			if rss > maxRSS.Load() {
				maxRSS.Store(rss)
			}
			if rss > rssBound && killedAt.Load() == 0 {
				killedAt.Store(rss)
				killedAfter.Store(int64(time.Since(began)))
				serve.kill()
				return
			}
		}
	}()
	defer func() { stopWatch(); watchWG.Wait() }()

	// The corpus in two phases: the light kinds, then the heavy ones,
	// each kind after validBetween valid requests. The second phase starts
	// once the first has ended (or after phaseWait): the heavy kinds, on a
	// serve that lets them run, would starve the first phase's evaluations
	// into timeouts on a busy machine, and hide what the drill is after.
	var phases [2][]*hostileKind
	for i := range hostileKinds {
		k := &hostileKinds[i]
		if k.heavy {
			phases[1] = append(phases[1], k)
		} else {
			phases[0] = append(phases[0], k)
		}
	}
	if n := len(hostileKinds); n < 40 {
		t.Fatalf("the corpus has %d kinds; the issue asks for at least 40", n)
	}
	const phaseWait = 60 * time.Second

	var valid []*validSent
	var hostile []*hostileSent

	// Results and dead letters, read as they come.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	results := map[string][]*schemas.Result{}
	truncated := map[*schemas.Result]bool{}
	dlqTruncated := map[uint64]bool{}
	seen := map[string]time.Time{}
	dlqs := map[uint64][]schemas.DeadLetter{}
	resR := newStreamReader(ctx, t, js, broker.StreamResults)
	dlqR := newStreamReader(ctx, t, js, broker.StreamDLQ)
	collect := func() {
		t.Helper()
		msgs, err := resR.next()
		if err != nil {
			t.Errorf("reading results: %v", err)
		}
		for _, m := range msgs {
			if err := schemas.ValidateResultJSON(m.data); err != nil {
				t.Errorf("result #%d breaks the result schema: %v", m.seq, err)
			}
			var r schemas.Result
			if err := json.Unmarshal(m.data, &r); err != nil {
				t.Errorf("result #%d is not JSON: %v", m.seq, err)
				continue
			}
			results[r.RequestID] = append(results[r.RequestID], &r)
			truncated[&r] = truncatedFlag.Match(m.data)
			if _, ok := seen[r.RequestID]; !ok {
				seen[r.RequestID] = time.Now()
			}
		}
		msgs, err = dlqR.next()
		if err != nil {
			t.Errorf("reading dead letters: %v", err)
		}
		for _, m := range msgs {
			if err := schemas.ValidateDeadLetterJSON(m.data); err != nil {
				t.Errorf("dead letter #%d breaks the dead-letter schema: %v", m.seq, err)
			}
			var d schemas.DeadLetter
			if err := json.Unmarshal(m.data, &d); err != nil {
				t.Errorf("dead letter #%d is not JSON: %v", m.seq, err)
				continue
			}
			dlqs[d.StreamSeq] = append(dlqs[d.StreamSeq], d)
			if truncatedFlag.Match(m.data) {
				dlqTruncated[d.StreamSeq] = true
			}
		}
	}
	ended := func() int {
		n := 0
		for _, v := range valid {
			if len(results[v.rid]) > 0 {
				n++
			}
		}
		for _, h := range hostile {
			if len(dlqs[h.seq]) > 0 || slices.ContainsFunc(h.msg.ids, func(id string) bool { return len(results[id]) > 0 }) {
				n++
			}
		}
		return n
	}
	rng := rand.New(rand.NewPCG(4, 2))
	pubCtx, cancelPub := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancelPub()
	publish := func(m *nats.Msg, what string) uint64 {
		t.Helper()
		ack, err := js.PublishMsg(pubCtx, m)
		if err != nil {
			t.Fatalf("publishing %s (%d bytes): %v", what, len(m.Data), err)
		}
		return ack.Sequence
	}
	sendValid := func() {
		i := len(valid)
		s := smp.moved(rng, fmt.Sprintf("drill-hostile-valid-%d", i%3), 1+rng.IntN(2))
		rid := fmt.Sprintf("valid-%04d", i)
		body, err := json.Marshal(&schemas.Request{RequestID: rid, Schedule: s})
		if err != nil {
			t.Fatal(err)
		}
		m := nats.NewMsg(broker.EvalSubject(s.Sport, s.ID))
		m.Data = body
		m.Header.Set(jetstream.MsgIDHeader, rid)
		v := &validSent{rid: rid, want: smp.totals(t, s), at: time.Now()}
		publish(m, "valid request "+rid)
		valid = append(valid, v)
	}
	// await collects until every message sent so far has ended, until, or
	// serve is gone.
	await := func(until time.Time) {
		for time.Now().Before(until) && killedAt.Load() == 0 && !serve.exited() {
			collect()
			if ended() == len(valid)+len(hostile) {
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	for pi, kinds := range phases {
		if pi > 0 {
			await(time.Now().Add(phaseWait))
		}
		for _, k := range kinds {
			for range validBetween {
				sendValid()
			}
			rid := fmt.Sprintf("hostile-%02d", len(hostile))
			hm := k.build(cp, rid)
			m := nats.NewMsg(hm.subject)
			m.Data = hm.data
			for key, vals := range hm.hdr {
				m.Header[key] = vals
			}
			seq := publish(m, fmt.Sprintf("kind %q", k.name))
			hostile = append(hostile, &hostileSent{kind: k, rid: rid, seq: seq, msg: hm})
		}
	}
	for range validBetween {
		sendValid()
	}
	published := time.Now()
	total := len(valid) + len(hostile)

	// Generous: a sound serve answers all of this in seconds.
	await(published.Add(150 * time.Second))
	collect()
	answered := time.Now()

	// Nothing redelivered forever: idle, then quiet for longer than ACK_WAIT.
	idleWithin := time.Minute
	if serve.exited() || ended() < total {
		idleWithin = 10 * time.Second // failing already: say how, sooner
	}
	idle, isIdle := awaitIdle(t, js, idleWithin)
	quiet := ackWait + 4*time.Second
	time.Sleep(quiet)
	collect()
	after, err := readConsumer(ctx, js)
	if err != nil {
		t.Errorf("consumer info: %v", err)
	}
	stopWatch()
	watchWG.Wait()
	if !serve.exited() {
		serve.stop(t)
	}

	// Judge each hostile message.
	var failures []string
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tISSUE ITEM\tVERDICT\tOUTCOME")
	for _, h := range hostile {
		ok, outcome := judge(h, results, truncated, dlqs, dlqTruncated)
		if ok && h.kind.spoofed {
			if why := checkSpoofedHistory(t, dsn, h.rid, began); why != "" {
				ok, outcome = false, outcome+"; "+why
			}
		}
		verdict := "ok"
		if !ok {
			verdict = "FAIL"
			failures = append(failures, fmt.Sprintf("kind %q (%s): %s", h.kind.name, h.kind.item, outcome))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.kind.name, h.kind.item, verdict, clip(outcome, 160))
	}
	tw.Flush()

	// Valid requests: all answered, correctly.
	var slow time.Duration
	missingValid, wrongValid := 0, 0
	for _, v := range valid {
		rs := results[v.rid]
		if len(rs) == 0 {
			missingValid++
			continue
		}
		slow = max(slow, seen[v.rid].Sub(v.at))
		for _, r := range rs {
			if r.Status != schemas.StatusOK || r.Totals != v.want {
				wrongValid++
				if wrongValid <= 5 {
					failures = append(failures, fmt.Sprintf("valid request %s: status %s (%s), totals %+v; offline %+v",
						v.rid, r.Status, r.Error, r.Totals, v.want))
				}
			}
		}
	}
	if missingValid > 0 {
		failures = append(failures, fmt.Sprintf("valid requests: %d of %d unanswered %s after the last was published",
			missingValid, len(valid), answered.Sub(published).Round(time.Second)))
	}
	if wrongValid > 5 {
		failures = append(failures, fmt.Sprintf("valid requests: %d wrong results in all", wrongValid))
	}
	hist := historySummaries(t, dsn)
	for _, v := range valid {
		if c := hist[v.rid]; len(results[v.rid]) > 0 && c != 1 {
			failures = append(failures, fmt.Sprintf("valid request %s: %d history summaries, want 1", v.rid, c))
		}
	}
	if why := checkPartitions(t, dsn, schema, began); why != "" {
		failures = append(failures, "history partitions: "+why)
	}

	// RSS bounded.
	if k := killedAt.Load(); k > 0 {
		failures = append(failures, fmt.Sprintf("RSS: serve reached %d MiB (bound %d MiB) %s into the drill (all published at %s); the drill killed it, so what had not ended then never will",
			k>>20, rssBound>>20, time.Duration(killedAfter.Load()).Round(time.Millisecond), published.Sub(began).Round(time.Millisecond)))
	}

	// Nothing redelivered forever.
	if !isIdle {
		failures = append(failures, fmt.Sprintf("consumer not idle %s after the run: num_pending %d, num_ack_pending %d",
			idleWithin, idle.pending, idle.ackPending))
	}
	if after.delivered != idle.delivered || after.pending != 0 || after.ackPending != 0 {
		failures = append(failures, fmt.Sprintf("consumer not settled after a %s quiet period: delivered %d then %d, num_pending %d, num_ack_pending %d, num_redelivered %d",
			quiet, idle.delivered, after.delivered, after.pending, after.ackPending, after.redelivered))
	}
	// Deliveries past the first: the consumer's delivery count, less the
	// messages delivered at least once.
	redeliveries := int(after.delivered) - (total - after.pending)
	if redeliveries > 3*len(hostile) {
		failures = append(failures, fmt.Sprintf("%d redeliveries for %d messages (%d hostile)", redeliveries, total, len(hostile)))
	}
	for seq, ds := range dlqs {
		if len(ds) > 1 {
			failures = append(failures, fmt.Sprintf("stream message %d dead-lettered %d times", seq, len(ds)))
		}
		for _, d := range ds {
			if d.DeliveryCount > 3 {
				failures = append(failures, fmt.Sprintf("stream message %d dead-lettered at delivery %d (%s)", seq, d.DeliveryCount, clip(d.Reason, 80)))
			}
		}
	}

	t.Logf("hostile drill: %d kinds, %d hostile and %d valid messages; max RSS %d MiB; slowest valid answer %s; %d redeliveries; all ended at %s; finished at %s\n%s",
		len(hostileKinds), len(hostile), len(valid), maxRSS.Load()>>20, slow.Round(time.Millisecond), redeliveries,
		answered.Sub(began).Round(time.Millisecond), time.Since(began).Round(time.Millisecond), table.String())
	for _, f := range failures {
		t.Error(f)
	}
}

// truncatedFlag finds a flag saying that a result or a dead letter was
// cut to fit, whatever its name ("truncated", "payload_truncated"...).
var truncatedFlag = regexp.MustCompile(`"[a-z_]*truncat[a-z_]*"\s*:\s*true`)

// judge says whether a hostile message came to a proper end, and what
// that end was.
func judge(h *hostileSent, results map[string][]*schemas.Result, truncated map[*schemas.Result]bool,
	dlqs map[uint64][]schemas.DeadLetter, dlqTruncated map[uint64]bool) (bool, string) {
	k := h.kind
	if ds := dlqs[h.seq]; len(ds) > 0 {
		d := ds[0]
		out := fmt.Sprintf("dead letter (%s, delivery %d): %s", d.Class, d.DeliveryCount, d.Reason)
		if !k.reason.MatchString(d.Reason) {
			return false, out + fmt.Sprintf(" -- the reason does not name the problem (want /%s/)", k.reason)
		}
		// A dead letter carries the message whole, or says it does not.
		if p, err := base64.StdEncoding.DecodeString(d.PayloadB64); err != nil || !bytes.Equal(p, h.msg.data) {
			if !dlqTruncated[h.seq] {
				return false, out + fmt.Sprintf(" -- its payload (%d bytes) is not the message's (%d bytes) and it does not say it was truncated", len(p), len(h.msg.data))
			}
			out += " (payload truncated)"
		}
		return true, out
	}
	var rs []*schemas.Result
	for _, id := range h.msg.ids {
		rs = append(rs, results[id]...)
	}
	if len(rs) == 0 {
		return false, "no result and no dead letter"
	}
	// Every result it got must be a proper end (a redelivery may add one).
	var outs []string
	for _, r := range rs {
		out := "result status " + r.Status
		if r.Error != "" {
			out += ": " + r.Error
		}
		if truncated[r] {
			out += " (truncated)"
		}
		outs = append(outs, out)
		switch {
		case r.Status == schemas.StatusOK && k.okFine:
		case r.Status == schemas.StatusOK && k.truncatedFine && truncated[r]:
		case r.Status == schemas.StatusOK:
			return false, strings.Join(outs, "; ") + " -- accepted; want it refused, naming the problem"
		case !k.reason.MatchString(r.Error):
			return false, strings.Join(outs, "; ") + fmt.Sprintf(" -- the error does not name the problem (want /%s/)", k.reason)
		}
	}
	return true, strings.Join(outs, "; ")
}

// checkSpoofedHistory makes sure the history of request rid is filed at
// the time it was really stored, not at a time its headers claim.
func checkSpoofedHistory(t *testing.T, dsn, rid string, began time.Time) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "history: " + err.Error()
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT DISTINCT request_ts FROM evaluation_history WHERE request_id = $1`, rid)
	if err != nil {
		return "history: " + err.Error()
	}
	ts, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return "history: " + err.Error()
	}
	lo, hi := began.Add(-time.Hour), time.Now().Add(time.Hour)
	for _, at := range ts {
		if at.Before(lo) || at.After(hi) {
			return fmt.Sprintf("history filed it at %s, not when it was stored", at.UTC().Format(time.RFC3339))
		}
	}
	return ""
}

// checkPartitions makes sure no history partition lies far from the
// drill's time: a spoofed header must not create one that retention
// never drops.
func checkPartitions(t *testing.T, dsn, schema string, began time.Time) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err.Error()
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT c.relname FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid
		JOIN pg_class p ON p.oid = i.inhparent
		JOIN pg_namespace n ON n.oid = p.relnamespace
		WHERE p.relname = 'evaluation_history' AND n.nspname = $1`, schema)
	if err != nil {
		return err.Error()
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err.Error()
	}
	var far []string
	for _, name := range names {
		day, err := time.Parse("20060102", strings.TrimPrefix(name, "evaluation_history_p"))
		if err != nil {
			continue
		}
		if day.Before(began.AddDate(0, 0, -40)) || day.After(began.AddDate(0, 0, 40)) {
			far = append(far, name)
		}
	}
	if len(far) > 0 {
		slices.Sort(far)
		return fmt.Sprintf("partitions far from now: %v", far)
	}
	return ""
}

func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
