package drill

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/internal/natstest"
	"github.com/flextime/flextime/producer"
	"github.com/flextime/flextime/schemas"
)

// drillConstraints are the tiny drill sport's constraints: two capacity
// rules over the four teams of drillSchedule.
const drillConstraints = `[
 {"id": "n-away", "sport": "drill", "kind": "CA1", "hard": true,
  "params": {"teams": ["N"], "slots": [0, 1, 2], "max": 1, "mode": "H"}},
 {"id": "e-rest", "sport": "drill", "kind": "CA1", "hard": false, "penalty": 0.5,
  "params": {"teams": ["E"], "slots": [2, 3], "max": 0, "mode": "A"}}
]`

// drillSchedule is a double round robin of four teams in six slots,
// under schedule id id; rot turns the slots so that schedules differ.
func drillSchedule(id string, rot int) *schemas.Schedule {
	teams := []string{"N", "E", "S", "W"}
	rounds := [][4]int{{0, 1, 2, 3}, {0, 2, 3, 1}, {0, 3, 1, 2}, {1, 0, 3, 2}, {2, 0, 1, 3}, {3, 0, 2, 1}}
	s := &schemas.Schedule{ID: id, Sport: "drill"}
	for _, t := range teams {
		s.Teams = append(s.Teams, schemas.Team{ID: t})
	}
	for i := range 6 {
		s.Slots = append(s.Slots, schemas.Slot{ID: i})
	}
	for r, m := range rounds {
		slot := (r + rot) % 6
		for k := 0; k < 4; k += 2 {
			sl := slot
			s.Games = append(s.Games, schemas.Game{ID: fmt.Sprintf("g%d-%d", r, k/2),
				Home: teams[m[k]], Away: teams[m[k+1]], Slot: &sl})
		}
	}
	return s
}

// scrape returns the value of an unlabelled metric from /metrics.
func scrape(t *testing.T, addr, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	t.Errorf("/metrics has no %s", name)
	return -1
}

type rssSample struct {
	done int // results so far
	rss  int64
}

// TestServeMemoryDrill is the drill issue 9 asks for: 100,000 requests
// with distinct schedule ids through the real `flextime serve` binary,
// with a 32 MiB cache. Once the cache has filled (after the first fifth),
// RSS stays under the caches' bounds plus 150 MiB, and does not keep
// growing: the late samples are not far above the mid-run ones. -short
// runs 20,000 requests and keeps every check. The binary is the
// one TestMain built.
func TestServeMemoryDrill(t *testing.T) {
	n := 100000
	if testing.Short() {
		n = 20000
	}
	const cacheBytes, modelBytes = 32 << 20, 8 << 20
	const bound = cacheBytes + modelBytes + 150<<20
	url := natstest.Server(t)
	cons := filepath.Join(t.TempDir(), "drill-constraints.json")
	if err := os.WriteFile(cons, []byte(drillConstraints), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServeWith(t, cons, drillEnv(url, "",
		"CACHE_MAX_BYTES="+strconv.Itoa(cacheBytes), "MODEL_CACHE_BYTES="+strconv.Itoa(modelBytes)), 1)
	httpAddr := fmt.Sprintf("127.0.0.1:%d", srv.port)

	_, js := natstest.Connect(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	results, err := js.Stream(ctx, broker.StreamResults)
	if err != nil {
		t.Fatal(err)
	}
	answered := func() int {
		info, err := results.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int(info.State.Msgs)
	}

	// Sample RSS until the drill ends; the sampler is waited for.
	var (
		mu      sync.Mutex
		samples []rssSample
		wg      sync.WaitGroup
	)
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			rss := rssBytes(srv.cmd.Process.Pid)
			if rss == 0 {
				return
			}
			info, err := results.Info(ctx)
			if err != nil {
				continue
			}
			mu.Lock()
			samples = append(samples, rssSample{done: int(info.State.Msgs), rss: rss})
			mu.Unlock()
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	start := time.Now()
	p := producer.New(js)
	for i := range n {
		req := &schemas.Request{RequestID: fmt.Sprintf("drill-%06d", i), Schedule: drillSchedule(fmt.Sprintf("s%06d", i), i%6)}
		if _, err := p.Publish(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	if acked, err := p.Wait(ctx); err != nil || acked != n {
		t.Fatalf("%d of %d requests stored: %v", acked, n, err)
	}
	published := time.Since(start)
	for answered() < n {
		select {
		case <-srv.done:
			t.Fatalf("serve exited after %d results: %v", answered(), srv.err)
		case <-ctx.Done():
			t.Fatalf("%d of %d results after %s", answered(), n, time.Since(start))
		case <-time.After(250 * time.Millisecond):
		}
	}
	took := time.Since(start)
	if got := answered(); got != n {
		t.Errorf("%d results for %d requests", got, n)
	}
	if d, err := streamCount(ctx, js, broker.StreamDLQ); err != nil || d != 0 {
		t.Errorf("%d dead letters (%v); every drill request is valid", d, err)
	}

	mu.Lock()
	got := append([]rssSample(nil), samples...)
	mu.Unlock()
	var peak, mid, late int64
	var nMid, nLate int
	for _, s := range got {
		switch {
		case s.done < n/5:
			continue
		case s.done >= 2*n/5 && s.done <= 3*n/5:
			mid, nMid = max(mid, s.rss), nMid+1
		case s.done >= 4*n/5:
			late, nLate = max(late, s.rss), nLate+1
		}
		peak = max(peak, s.rss)
	}
	t.Logf("%d requests: published in %s, answered in %s; %d RSS samples; peak after the first fifth %d MiB (bound %d MiB), mid-run %d MiB, late %d MiB",
		n, published.Round(time.Millisecond), took.Round(time.Millisecond), len(got), peak>>20, bound>>20, mid>>20, late>>20)
	if peak > bound {
		t.Errorf("RSS reached %d MiB after the cache filled; bound %d MiB", peak>>20, bound>>20)
	}
	if nMid == 0 || nLate == 0 {
		t.Fatalf("too few samples to compare (mid %d, late %d)", nMid, nLate)
	}
	if late > mid+mid/4+32<<20 {
		t.Errorf("RSS keeps growing: %d MiB late against %d MiB mid-run", late>>20, mid>>20)
	}
	// The cache filled and evicted, and holds no more than its bound.
	if ev := scrape(t, httpAddr, "flextime_cache_evictions_total"); ev <= 0 {
		t.Error("the cache never evicted: the drill did not reach the bound")
	}
	if b := scrape(t, httpAddr, "flextime_cache_bytes"); b > cacheBytes {
		t.Errorf("flextime_cache_bytes %v over CACHE_MAX_BYTES %d", b, cacheBytes)
	}
}
