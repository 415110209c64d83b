package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/flextime/flextime/internal/natstest"
	"github.com/flextime/flextime/internal/pgtest"
	"github.com/flextime/flextime/robinx"
)

// storeEnv points the commands at a fresh schema, without NATS, and
// returns its URL. With migrate, the schema is migrated.
func storeEnv(t *testing.T, migrate bool) string {
	t.Helper()
	dsn, _ := pgtest.Schema(t)
	t.Setenv("DATABASE_URL", dsn)
	t.Setenv("NATS_URL", "")
	t.Setenv("NATS_CREDS", "")
	// Not the default: a local `flextime serve` must not hear the tests.
	t.Setenv("NATS_LISTEN", "127.0.0.1:1")
	if migrate {
		status, _, errOut := run(t, "migrate", "up")
		mustSucceed(t, status, errOut)
	}
	return dsn
}

// lines decodes NDJSON output.
func lines[T any](t *testing.T, out string) []T {
	t.Helper()
	var vs []T
	for l := range strings.Lines(out) {
		var v T
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		vs = append(vs, v)
	}
	return vs
}

type outLine struct {
	Sport     string `json:"sport"`
	ID        string `json:"id"`
	Version   int    `json:"version"`
	Action    string `json:"action"`
	Announced *bool  `json:"announced"`
}

func actions(ls []outLine) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.ID+":"+l.Action)
	}
	return out
}

func TestMigrateUpDownStatus(t *testing.T) {
	storeEnv(t, false)
	status, out, errOut := run(t, "migrate", "status")
	mustSucceed(t, status, errOut)
	if !strings.Contains(out, "00001_constraints.sql") || strings.Contains(out, "applied") {
		t.Errorf("status before up:\n%s", out)
	}
	status, out, errOut = run(t, "migrate", "up")
	mustSucceed(t, status, errOut)
	if !strings.HasPrefix(out, "up 00001 00001_constraints.sql") {
		t.Errorf("up:\n%s", out)
	}
	status, out, errOut = run(t, "migrate", "status")
	mustSucceed(t, status, errOut)
	if strings.Contains(out, "pending") || strings.Count(out, "applied") < 2 {
		t.Errorf("status after up:\n%s", out)
	}
	status, out, errOut = run(t, "migrate", "up")
	mustSucceed(t, status, errOut)
	if out != "up to date\n" {
		t.Errorf("second up: %q", out)
	}
	status, out, errOut = run(t, "migrate", "down")
	mustSucceed(t, status, errOut)
	if !strings.HasPrefix(out, "down ") {
		t.Errorf("down: %q", out)
	}
	status, out, _ = run(t, "migrate", "status")
	if status != ExitOK || !strings.Contains(out, "pending") {
		t.Errorf("status after down:\n%s", out)
	}
}

// storeDocs has the same id in two sports, which one file cannot say
// (the decoder refuses a repeated id): apply both files.
const (
	storeDocs = `{"id":"road","sport":"mbb","kind":"games_count","hard":false,"penalty":0.7,"params":{"max":20},"metadata":{"tags":["home-away"]}}
{"id":"min","sport":"mbb","kind":"games_count","hard":true,"params":{"min":1}}
`
	wbbDocs = `[{"id":"min","sport":"wbb","kind":"games_count","hard":true,"params":{"min":2}}]`
)

func TestConstraintsStoreCommands(t *testing.T) {
	storeEnv(t, true)
	file := writeFile(t, "c.ndjson", storeDocs)

	status, out, errOut := run(t, "constraints", "apply", "-f", file)
	mustSucceed(t, status, errOut)
	got := lines[outLine](t, out)
	if !slices.Equal(actions(got), []string{"road:created", "min:created"}) ||
		got[0].Version != 1 || got[0].Announced == nil || *got[0].Announced || got[1].Sport != "mbb" {
		t.Fatalf("apply:\n%s", out)
	}
	status, out, errOut = run(t, "constraints", "apply", "-f", writeFile(t, "wbb.json", wbbDocs))
	mustSucceed(t, status, errOut)
	if got := lines[outLine](t, out); len(got) != 1 || got[0].Sport != "wbb" || got[0].Action != "created" {
		t.Fatalf("apply wbb:\n%s", out)
	}
	// Again, with one document changed: the others are unchanged.
	file = writeFile(t, "c.ndjson", strings.Replace(storeDocs, `"max":20`, `"max":18`, 1))
	status, out, errOut = run(t, "constraints", "apply", "-f", file)
	mustSucceed(t, status, errOut)
	got = lines[outLine](t, out)
	if !slices.Equal(actions(got), []string{"road:updated", "min:unchanged"}) || got[0].Version != 2 || got[1].Announced != nil {
		t.Fatalf("second apply:\n%s", out)
	}

	status, out, errOut = run(t, "constraints", "list", "--sport", "mbb")
	mustSucceed(t, status, errOut)
	docs := lines[map[string]any](t, out)
	if len(docs) != 2 || docs[0]["id"] != "min" || docs[1]["id"] != "road" || docs[1]["version"] != 2.0 {
		t.Errorf("list --sport mbb:\n%s", out)
	}

	status, out, errOut = run(t, "constraints", "disable", "road")
	mustSucceed(t, status, errOut)
	if one := lines[outLine](t, out); len(one) != 1 || one[0] != (outLine{Sport: "mbb", ID: "road", Version: 3, Action: "disabled", Announced: one[0].Announced}) {
		t.Errorf("disable: %s", out)
	}
	_, out, _ = run(t, "constraints", "list")
	if n := strings.Count(out, "\n"); n != 2 || strings.Contains(out, `"road"`) {
		t.Errorf("list after disable:\n%s", out)
	}
	_, out, _ = run(t, "constraints", "list", "--all")
	if n := strings.Count(out, "\n"); n != 3 || !strings.Contains(out, `"active":false`) {
		t.Errorf("list --all:\n%s", out)
	}

	status, out, errOut = run(t, "constraints", "rollback", "road", "--to", "1")
	mustSucceed(t, status, errOut)
	if one := lines[outLine](t, out); one[0].Version != 4 || one[0].Action != "rolled_back" {
		t.Errorf("rollback: %s", out)
	}
	status, out, errOut = run(t, "constraints", "get", "--sport", "mbb", "road")
	mustSucceed(t, status, errOut)
	var g struct {
		Constraint map[string]any `json:"constraint"`
		Versions   []struct {
			Version   int       `json:"version"`
			Change    string    `json:"change"`
			CreatedAt time.Time `json:"created_at"`
		} `json:"versions"`
	}
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatalf("get: %q: %v", out, err)
	}
	params, _ := json.Marshal(g.Constraint["params"])
	if g.Constraint["version"] != 4.0 || string(params) != `{"max":20}` || g.Constraint["active"] != nil ||
		len(g.Versions) != 4 || g.Versions[3].Change != "rollback" || g.Versions[0].CreatedAt.IsZero() {
		t.Errorf("get after rollback: %s", out)
	}

	// What was asked for does not exist, or is not one thing: exit 2.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"constraints", "rollback", "road", "--to", "9"}, "version 9: not found"},
		{[]string{"constraints", "get", "nope"}, `constraint "nope": not found`},
		{[]string{"constraints", "disable", "min"}, "mbb, wbb"},
		{[]string{"constraints", "rollback", "road"}, "missing --to"},
		{[]string{"constraints", "apply"}, "missing -f FILE"},
	} {
		status, out, errOut := run(t, tc.args...)
		if status != ExitBadInput || out != "" || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%v: status %d, stdout %q, stderr %q; want 2 naming %q", tc.args, status, out, errOut, tc.want)
		}
	}
	status, out, errOut = run(t, "constraints", "disable", "--sport", "wbb", "min")
	mustSucceed(t, status, errOut)
	if !strings.Contains(out, `"sport":"wbb"`) {
		t.Errorf("disable --sport wbb: %s", out)
	}
}

func TestConstraintsImportITC(t *testing.T) {
	storeEnv(t, true)
	inst, _ := early01(t)
	in, err := robinx.ReadInstanceFile(inst)
	if err != nil {
		t.Fatal(err)
	}
	status, out, errOut := run(t, "constraints", "import", "--itc2021", inst)
	mustSucceed(t, status, errOut)
	got := lines[outLine](t, out)
	if len(got) != len(in.Constraints) || len(got) == 0 {
		t.Fatalf("import: %d lines, the instance has %d constraints", len(got), len(in.Constraints))
	}
	for _, l := range got {
		if l.Sport != "itc2021_early_01" || l.Action != "created" || l.Version != 1 {
			t.Fatalf("import line %+v", l)
		}
	}
	status, out, errOut = run(t, "constraints", "import", "--itc2021", inst, "--sport", "early")
	mustSucceed(t, status, errOut)
	if lines[outLine](t, out)[0].Sport != "early" {
		t.Errorf("import --sport early: %.200s", out)
	}
	// Importing again changes nothing.
	status, out, errOut = run(t, "constraints", "import", "--itc2021", inst)
	mustSucceed(t, status, errOut)
	if strings.Count(out, `"action":"unchanged"`) != len(in.Constraints) {
		t.Errorf("second import is not all unchanged:\n%.300s", out)
	}
	_, out, _ = run(t, "constraints", "list", "--sport", "itc2021_early_01")
	if strings.Count(out, "\n") != len(in.Constraints) {
		t.Errorf("list shows %d of %d imported constraints", strings.Count(out, "\n"), len(in.Constraints))
	}
	if status, _, errOut := run(t, "constraints", "import"); status != ExitBadInput || !strings.Contains(errOut, "--itc2021") {
		t.Errorf("import without an instance: %d %q", status, errOut)
	}
}

func TestStoreCommandsNeedDatabaseURL(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("NATS_URL", "")
	file := writeFile(t, "c.ndjson", storeDocs)
	for _, args := range [][]string{
		{"migrate", "up"}, {"migrate", "status"}, {"migrate", "down"},
		{"constraints", "list"}, {"constraints", "get", "x"}, {"constraints", "apply", "-f", file},
		{"constraints", "disable", "x"}, {"constraints", "rollback", "x", "--to", "1"},
	} {
		status, out, errOut := run(t, args...)
		if status != ExitBadInput || out != "" || !strings.Contains(errOut, "DATABASE_URL is not set") {
			t.Errorf("%v: status %d, stderr %q; want 2 and DATABASE_URL is not set", args, status, errOut)
		}
	}
}

func TestConstraintsApplyBadDocument(t *testing.T) {
	storeEnv(t, true)
	bad := writeFile(t, "bad.ndjson", storeDocs+`{"id":"x","sport":"mbb","kind":"no_such_kind","hard":true,"params":{}}`+"\n")
	status, out, errOut := run(t, "constraints", "apply", "-f", bad)
	if status != ExitBadInput || out != "" || !strings.Contains(errOut, bad+`: constraint "x" (2): kind: unknown kind "no_such_kind"`) {
		t.Errorf("unknown kind: status %d, stderr %q", status, errOut)
	}
	badParams := writeFile(t, "params.ndjson", `{"id":"x","sport":"mbb","kind":"games_count","hard":true,"params":{"min":"one"}}`)
	if status, _, errOut := run(t, "constraints", "apply", "-f", badParams); status != ExitBadInput || !strings.Contains(errOut, "params.min") {
		t.Errorf("bad params: status %d, stderr %q", status, errOut)
	}
	if status, _, errOut := run(t, "constraints", "apply", "-f", bad+".missing"); status != ExitBadInput || !strings.Contains(errOut, ".missing") {
		t.Errorf("missing file: status %d, stderr %q", status, errOut)
	}
	// Nothing of a refused file was saved.
	status, out, errOut = run(t, "constraints", "list", "--all")
	mustSucceed(t, status, errOut)
	if out != "" {
		t.Errorf("a refused apply saved:\n%s", out)
	}
}

func TestStoreCommandsPostgresDown(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://flextime:secret@127.0.0.1:1/test?sslmode=disable&connect_timeout=2")
	t.Setenv("NATS_URL", "")
	for _, args := range [][]string{{"migrate", "status"}, {"constraints", "list"}} {
		status, out, errOut := run(t, args...)
		if status != ExitFailure || out != "" || strings.Count(errOut, "\n") != 1 || strings.Contains(errOut, "secret") {
			t.Errorf("%v: status %d, stderr %q; want 1, one line, no password", args, status, errOut)
		}
	}
}

func TestConstraintsApplyAnnounces(t *testing.T) {
	storeEnv(t, true)
	url := natstest.Server(t)
	t.Setenv("NATS_URL", url)
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync("flextime.constraints.changed")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}

	// One file, two sports: one announcement per sport.
	docs := storeDocs + strings.TrimSuffix(strings.TrimPrefix(wbbDocs, "["), "]") + "\n"
	docs = strings.Replace(docs, `"id":"min","sport":"wbb"`, `"id":"min2","sport":"wbb"`, 1)
	status, out, errOut := run(t, "constraints", "apply", "-f", writeFile(t, "c.ndjson", docs))
	mustSucceed(t, status, errOut)
	for _, l := range lines[outLine](t, out) {
		if l.Announced == nil || !*l.Announced {
			t.Errorf("not announced: %+v", l)
		}
	}
	type change struct {
		Sport string   `json:"sport"`
		IDs   []string `json:"ids"`
	}
	var got []change
	for range 2 {
		msg, err := sub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("announcement: %v", err)
		}
		var c change
		if err := json.Unmarshal(msg.Data, &c); err != nil {
			t.Fatalf("%q: %v", msg.Data, err)
		}
		got = append(got, c)
	}
	if len(got) != 2 || got[0].Sport != "mbb" || !slices.Equal(got[0].IDs, []string{"road", "min"}) ||
		got[1].Sport != "wbb" || !slices.Equal(got[1].IDs, []string{"min2"}) {
		t.Errorf("announcements %+v", got)
	}

	status, _, errOut = run(t, "constraints", "disable", "min2")
	mustSucceed(t, status, errOut)
	msg, err := sub.NextMsg(5 * time.Second)
	if err != nil || string(msg.Data) != `{"sport":"wbb","ids":["min2"]}` {
		t.Errorf("disable announcement %v, %v", msg, err)
	}
	// Nothing changed, nothing announced.
	run(t, "constraints", "apply", "-f", writeFile(t, "c.ndjson", storeDocs))
	if msg, err := sub.NextMsg(300 * time.Millisecond); err == nil {
		t.Errorf("an unchanged apply announced %s", msg.Data)
	}
}
