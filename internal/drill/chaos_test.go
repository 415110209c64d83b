package drill

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/internal/natstest"
	"github.com/flextime/flextime/internal/pgtest"
	"github.com/flextime/flextime/internal/redistest"
	"github.com/flextime/flextime/producer"
	"github.com/flextime/flextime/schemas"
)

// TestChaosKill9 is the kill -9 drill of issue 9: serve runs as a
// subprocess with Postgres history and Redis while 2,000 requests arrive (500 with
// -short), and is killed with SIGKILL three times, at a quarter, half and
// three quarters of the results, and restarted each time. Every request
// must then have a correct result on FLEXTIME_RESULTS and exactly one
// history summary, nothing may be dead-lettered, and the consumer must end
// with nothing pending and nothing awaiting an ack.
func TestChaosKill9(t *testing.T) {
	began := time.Now()
	n := 2000
	if testing.Short() {
		n = 500
	}
	const kills = 3
	dsn, _ := pgtest.Schema(t)
	url := natstest.Server(t)
	_, js := natstest.Connect(t, url)
	// The shared cache tier too, as deployed. Serve has no key prefix, so
	// the schedule ids carry a tag of this run, and the run's keys go when
	// the test ends.
	rdb, _ := redistest.Prefix(t)
	tag := fmt.Sprintf("%08x", rand.Uint32())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, "*drill-chaos-"+tag+"-*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	// ACK_WAIT as short as serve allows (it must exceed EVALUATION_TIMEOUT
	// plus the publish and history timeouts): the messages in hand at each
	// kill come back after it.
	env := drillEnv(url, dsn, "EVALUATION_TIMEOUT=3s", "ACK_WAIT=20s",
		"REDIS_URL="+redistest.URL(), "CACHE_TTL=10m")

	smp := loadSample(t)
	rng := rand.New(rand.NewPCG(9, 9))
	reqs := make([]*schemas.Request, n)
	for i := range reqs {
		id := fmt.Sprintf("drill-chaos-%s-%d", tag, i%7) // several schedules, each revised often
		rev := int64(i)
		reqs[i] = &schemas.Request{RequestID: fmt.Sprintf("chaos-%05d", i), Revision: &rev,
			Schedule: smp.moved(rng, id, 1+rng.IntN(3))}
	}

	procs := 0
	serve := startServe(t, env, procs)
	procs++

	// Publish at a steady pace, so that requests keep arriving across the
	// kills and restarts, as a scheduler's do.
	pubCtx, cancelPub := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancelPub()
	var pubErr error
	var pubWG sync.WaitGroup
	pubWG.Add(1)
	go func() {
		defer pubWG.Done()
		c := producer.New(js, producer.WithMaxInFlight(64))
		pace := time.NewTicker(5 * time.Millisecond)
		defer pace.Stop()
		for _, r := range reqs {
			<-pace.C
			if _, err := c.Publish(pubCtx, r); err != nil {
				pubErr = err
				return
			}
		}
		if _, err := c.Wait(pubCtx); err != nil {
			pubErr = err
		}
	}()

	// Kill at spread points: when the results reach a quarter, a half and
	// three quarters of the requests.
	var killLog safeLog
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	for k := 1; k <= kills; k++ {
		at := uint64(n * k / (kills + 1))
		for {
			got, err := streamCount(ctx, js, broker.StreamResults)
			if err == nil && got >= at {
				killLog.add("kill %d: SIGKILL pid %d at %d results (%s in)", k, serve.cmd.Process.Pid, got, time.Since(began).Round(time.Millisecond))
				break
			}
			if serve.exited() {
				t.Fatalf("serve exited by itself before kill %d: %v\n%s", k, serve.err, tail(serve.log, 40))
			}
			if ctx.Err() != nil {
				t.Fatalf("kill %d: results never reached %d (have %d)", k, at, got)
			}
			time.Sleep(20 * time.Millisecond)
		}
		serve.kill()
		serve = startServe(t, env, procs)
		procs++
	}
	pubWG.Wait()
	if pubErr != nil {
		t.Fatalf("publishing: %v", pubErr)
	}
	published := time.Now()

	// Every request answered: read the results stream until each has one.
	want := make(map[string]*schemas.Request, n)
	for _, r := range reqs {
		want[r.RequestID] = r
	}
	got := map[string][]*schemas.Result{}
	rd := newStreamReader(ctx, t, js, broker.StreamResults)
	deadline := time.Now().Add(3 * time.Minute)
	for len(got) < n && time.Now().Before(deadline) {
		msgs, err := rd.next()
		if err != nil {
			t.Fatalf("reading results: %v", err)
		}
		for _, m := range msgs {
			var res schemas.Result
			if err := json.Unmarshal(m.data, &res); err != nil {
				t.Errorf("result #%d is not JSON: %v", m.seq, err)
				continue
			}
			if want[res.RequestID] == nil {
				t.Errorf("result #%d for unknown request_id %q", m.seq, res.RequestID)
				continue
			}
			got[res.RequestID] = append(got[res.RequestID], &res)
		}
		if len(msgs) == 0 {
			time.Sleep(200 * time.Millisecond)
		}
	}
	answered := time.Now()
	idle, ok := awaitIdle(t, js, 2*time.Minute)
	if !ok {
		t.Errorf("consumer not idle 2 minutes after the last result: num_pending %d, num_ack_pending %d",
			idle.pending, idle.ackPending)
	}
	serve.stop(t)

	// Each result correct: status ok and the totals of a full offline
	// evaluation. A request answered twice (a redelivery past the dedup
	// window) must say the same both times.
	var missing []string
	wrong := 0
	for _, r := range reqs {
		rs := got[r.RequestID]
		if len(rs) == 0 {
			missing = append(missing, r.RequestID)
			continue
		}
		exp := smp.totals(t, r.Schedule)
		for _, res := range rs {
			if res.Status != schemas.StatusOK || res.Totals != exp {
				wrong++
				if wrong <= 10 {
					t.Errorf("%s: status %s (%s), totals %+v; offline %+v", r.RequestID, res.Status, res.Error, res.Totals, exp)
				}
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		t.Errorf("%d of %d requests have no result, first %v", len(missing), n, missing[:min(10, len(missing))])
	}
	if wrong > 10 {
		t.Errorf("... %d wrong results in all", wrong)
	}

	// Exactly one history summary each.
	hist := historySummaries(t, dsn)
	var noHist, dupHist []string
	for _, r := range reqs {
		switch c := hist[r.RequestID]; {
		case c == 0:
			noHist = append(noHist, r.RequestID)
		case c > 1:
			dupHist = append(dupHist, fmt.Sprintf("%s×%d", r.RequestID, c))
		}
	}
	if len(noHist) > 0 {
		t.Errorf("%d requests have no history summary, first %v", len(noHist), noHist[:min(10, len(noHist))])
	}
	if len(dupHist) > 0 {
		t.Errorf("%d requests have more than one history summary, first %v", len(dupHist), dupHist[:min(10, len(dupHist))])
	}
	if extra := len(hist) - (n - len(noHist)); extra > 0 {
		t.Errorf("history holds %d summaries of requests never sent", extra)
	}

	// Nothing dead-lettered.
	cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ccancel()
	if dl, err := streamCount(cctx, js, broker.StreamDLQ); err != nil {
		t.Errorf("reading %s: %v", broker.StreamDLQ, err)
	} else if dl != 0 {
		t.Errorf("%d dead letters; want none", dl)
	}

	dups := 0
	for _, rs := range got {
		dups += len(rs) - 1
	}
	t.Logf("chaos drill: %d requests, %d kills, %d serve processes\n%s", n, kills, procs, killLog.String())
	t.Logf("published in %s, all answered at %s, consumer idle (pending %d, ack pending %d, delivered %d, %d redeliveries) at %s; %d duplicate results",
		published.Sub(began).Round(time.Millisecond), answered.Sub(began).Round(time.Millisecond),
		idle.pending, idle.ackPending, idle.delivered, int(idle.delivered)-n, time.Since(began).Round(time.Millisecond), dups)
}
