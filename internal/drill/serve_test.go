package drill

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/examples/big12"
	"github.com/flextime/flextime/schemas"
)

// binary is the flextime binary TestMain builds once for the package.
var binary string

// moduleRoot is the directory holding go.mod.
var moduleRoot string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "flextime-drill-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "drill:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if moduleRoot, err = findModuleRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "drill:", err)
		return 1
	}
	binary = filepath.Join(dir, "flextime")
	build := exec.Command("go", "build", "-o", binary, "./cmd/flextime")
	build.Dir = moduleRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "drill: building flextime: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

func findModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// natsServer starts an in-process JetStream server for the test, as
// natstest.Server does, but taking messages of up to maxPayload bytes:
// the hostile drill needs requests larger than the 1 MiB default lets
// through, as a server configured with max_payload 8MB does.
func natsServer(t *testing.T, maxPayload int32) string {
	t.Helper()
	srv, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: t.TempDir(),
		NoLog: true, NoSigs: true, MaxPayload: maxPayload,
	})
	if err != nil {
		t.Fatalf("nats server: %v", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10*time.Second) || !srv.JetStreamEnabled() {
		srv.Shutdown()
		t.Fatal("nats server: not ready with JetStream after 10s")
	}
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	return srv.ClientURL()
}

// serveProc is one `flextime serve` subprocess.
type serveProc struct {
	cmd  *exec.Cmd
	port int
	log  string // its stderr and stdout
	done chan struct{}
	err  error // its exit, once done is closed
}

// drillEnv is the environment every serve of a drill shares. It starts
// from nothing but PATH and HOME, so that a NATS_URL or DATABASE_URL of
// the machine running the tests cannot leak in.
func drillEnv(natsURL, dsn string, extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"NATS_URL=" + natsURL,
		"DATABASE_URL=" + dsn,
		"LOG_LEVEL=warn",
		"MAX_WORKERS=2",
		"SHUTDOWN_TIMEOUT=5s",
	}
	return append(env, extra...)
}

// startServe runs serve with env (plus PORT) and waits until /ready says
// 200. Its output goes to a file in the test's directory, shown when the
// test fails.
func startServe(t *testing.T, env []string, n int) *serveProc {
	t.Helper()
	return startServeWith(t, filepath.Join(moduleRoot, "examples", "big12", "mbb", "constraints.ndjson"), env, n)
}

// startServeWith is startServe with the constraints of the given file.
func startServeWith(t *testing.T, constraints string, env []string, n int) *serveProc {
	t.Helper()
	port := freePort(t)
	p := &serveProc{port: port, done: make(chan struct{}),
		log: filepath.Join(t.TempDir(), fmt.Sprintf("serve-%d.log", n))}
	out, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(binary, "serve", "--constraints", constraints)
	p.cmd.Env = append(append([]string(nil), env...), "PORT="+strconv.Itoa(port))
	p.cmd.Stdout, p.cmd.Stderr = out, out
	if err := p.cmd.Start(); err != nil {
		out.Close()
		t.Fatalf("starting serve: %v", err)
	}
	go func() {
		p.err = p.cmd.Wait()
		out.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			// The test's directory goes when it ends; keep the whole log.
			kept := filepath.Join(os.TempDir(), fmt.Sprintf("flextime-%s-serve-%d.log", t.Name(), n))
			if data, err := os.ReadFile(p.log); err == nil && os.WriteFile(kept, data, 0o644) == nil {
				t.Logf("serve #%d (pid %d) log kept in %s; last lines:\n%s", n, p.cmd.Process.Pid, kept, tail(p.log, 20))
			}
		}
	})
	deadline := time.Now().Add(90 * time.Second)
	url := fmt.Sprintf("http://127.0.0.1:%d/ready", port)
	for {
		select {
		case <-p.done:
			t.Fatalf("serve #%d exited before it was ready: %v\n%s", n, p.err, tail(p.log, 40))
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve #%d not ready within 90s\n%s", n, tail(p.log, 40))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill9 sends SIGKILL and waits for the process to be gone.
func (p *serveProc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop asks serve to stop gracefully, and kills it if it has not within
// a minute.
func (p *serveProc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		t.Errorf("serve did not stop within a minute of SIGTERM; killed")
		p.kill()
	}
}

// exited reports whether the process has ended.
func (p *serveProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// rssBytes reads the process's resident set from /proc; 0 when it is
// gone or unreadable.
func rssBytes(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// streamMsg is one stored message of a stream.
type streamMsg struct {
	seq  uint64
	subj string
	hdr  map[string][]string
	data []byte
}

// streamReader reads a stream in order, from its first message, a bit
// more at each call of next.
type streamReader struct {
	cons jetstream.Consumer
	last uint64
}

func newStreamReader(ctx context.Context, t *testing.T, js jetstream.JetStream, stream string) *streamReader {
	t.Helper()
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatalf("reading %s: %v", stream, err)
	}
	return &streamReader{cons: cons}
}

// next returns the messages stored since the last call, up to what the
// stream holds now.
func (r *streamReader) next() ([]streamMsg, error) {
	var out []streamMsg
	for {
		batch, err := r.cons.Fetch(500, jetstream.FetchMaxWait(300*time.Millisecond))
		if err != nil {
			return out, err
		}
		n := 0
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				return out, err
			}
			r.last = md.Sequence.Stream
			out = append(out, streamMsg{seq: md.Sequence.Stream, subj: m.Subject(), hdr: m.Headers(), data: m.Data()})
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
			return out, err
		}
		if n == 0 {
			return out, nil
		}
	}
}

// streamCount is the number of messages a stream holds.
func streamCount(ctx context.Context, js jetstream.JetStream, stream string) (uint64, error) {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Msgs, nil
}

// consumerState is the part of the durable consumer's info the drills
// check.
type consumerState struct {
	pending, ackPending, redelivered int
	delivered                        uint64 // deliveries, redeliveries included
}

func readConsumer(ctx context.Context, js jetstream.JetStream) (consumerState, error) {
	c, err := js.Consumer(ctx, broker.StreamEval, "evaluator")
	if err != nil {
		return consumerState{}, err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return consumerState{}, err
	}
	return consumerState{pending: int(info.NumPending), ackPending: info.NumAckPending,
		redelivered: info.NumRedelivered, delivered: info.Delivered.Consumer}, nil
}

// awaitIdle polls the consumer until it has nothing pending and nothing
// awaiting an ack, and returns its last state and whether it got there
// before the deadline.
func awaitIdle(t *testing.T, js jetstream.JetStream, within time.Duration) (consumerState, bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	var st consumerState
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s, err := readConsumer(ctx, js)
		cancel()
		if err == nil {
			st = s
			if st.pending == 0 && st.ackPending == 0 {
				return st, true
			}
		}
		if time.Now().After(deadline) {
			return st, false
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// sample is the Big 12 men's basketball season and its constraints.
type sample struct {
	sched *schemas.Schedule
	cons  []schemas.Constraint
}

func loadSample(t testing.TB) *sample {
	t.Helper()
	sched, cons, err := big12.Documents("mbb")
	if err != nil {
		t.Fatal(err)
	}
	return &sample{sched: sched, cons: cons}
}

// moved returns a copy of the season under schedule id id with a few
// games moved to other windows (each keeps the window's start time), as
// a scheduler's what-if sends it.
func (s *sample) moved(rng *rand.Rand, id string, moves int) *schemas.Schedule {
	out := *s.sched
	out.ID = id
	out.Games = append([]schemas.Game(nil), s.sched.Games...)
	for range moves {
		g := rng.IntN(len(out.Games))
		slot := s.sched.Slots[rng.IntN(len(s.sched.Slots))].ID
		out.Games[g].Slot = &slot
		out.Games[g].Start = ""
	}
	return &out
}

// totals evaluates sched in full, with no server: what every served
// result must say.
func (s *sample) totals(t testing.TB, sched *schemas.Schedule) schemas.Totals {
	t.Helper()
	st, err := evaluator.Evaluate(sched, evaluator.ForSport(s.cons, sched.Sport), evaluator.CompileOptions{})
	if err != nil {
		t.Fatalf("evaluating %s offline: %v", sched.ID, err)
	}
	return st.Report(sched.ID, sched.Sport, false).Totals
}

// historySummaries counts the summary rows (empty constraint_id) of each
// request, replays left out.
func historySummaries(t *testing.T, dsn string) map[string]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT request_id, count(*) FROM evaluation_history
		WHERE constraint_id = '' AND replay_id = '' GROUP BY request_id`)
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatalf("history: %v", err)
		}
		out[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("history: %v", err)
	}
	return out
}

// safeLog collects lines from several goroutines for the test's report.
type safeLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *safeLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *safeLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
