package robinx

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// constraintElement matches the start of every constraint element.
var constraintElement = regexp.MustCompile(`<(CA[1-4]|GA1|BR[12]|FA2|SE1)[\s/>]`)

// TestITC2021 reads all 45 instances and their best-known solutions.
func TestITC2021(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "itc2021")
	paths, err := filepath.Glob(filepath.Join(dir, "instances", "*.xml.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 45 {
		t.Fatalf("%d instances in %s, want 45", len(paths), dir)
	}
	for _, path := range paths {
		base := filepath.Base(path)
		t.Run(strings.TrimSuffix(base, ".xml.gz"), func(t *testing.T) {
			t.Parallel()
			text := gunzipFile(t, path)
			wantKinds := map[string]int{}
			for _, m := range constraintElement.FindAllStringSubmatch(text, -1) {
				wantKinds[m[1]]++
			}

			in, err := ReadInstanceFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sport := strings.ToLower(strings.TrimSuffix(base, ".xml.gz"))
			if in.Sport != sport || in.Name == "" {
				t.Errorf("sport %q name %q", in.Sport, in.Name)
			}
			if in.Format.RoundRobins != 2 || !in.Format.Compact {
				t.Errorf("format %+v", in.Format)
			}
			n := len(in.Teams)
			if len(in.Slots) != 2*(n-1) {
				t.Errorf("%d teams, %d slots", n, len(in.Slots))
			}
			gotKinds := map[string]int{}
			ids := map[string]bool{}
			for _, c := range in.Constraints {
				gotKinds[c.Kind]++
				if ids[c.ID] {
					t.Errorf("duplicate constraint id %s", c.ID)
				}
				ids[c.ID] = true
				if c.Sport != sport || !json.Valid(c.Params) || c.Name == "" {
					t.Errorf("%s: sport %q name %q params %s", c.ID, c.Sport, c.Name, c.Params)
				}
			}
			total := 0
			for kind, want := range wantKinds {
				total += want
				if gotKinds[kind] != want {
					t.Errorf("%s: %d constraints, want %d", kind, gotKinds[kind], want)
				}
			}
			if len(in.Constraints) != total {
				t.Errorf("%d constraints, want %d", len(in.Constraints), total)
			}

			sol, err := ReadSolutionFile(filepath.Join(dir, "solutions", base))
			if err != nil {
				t.Fatal(err)
			}
			if len(sol.Games) != n*(n-1) {
				t.Errorf("%d matches, want %d for %d teams", len(sol.Games), n*(n-1), n)
			}
			if sol.Infeasibility == nil || *sol.Infeasibility != 0 || sol.Objective == nil {
				t.Errorf("objective value: infeasibility %v objective %v", sol.Infeasibility, sol.Objective)
			}
			s, err := in.Schedule(sol)
			if err != nil {
				t.Fatal(err)
			}
			if s.ID != sport || len(s.Games) != n*(n-1) {
				t.Errorf("schedule %q with %d games", s.ID, len(s.Games))
			}
		})
	}
}

func gunzipFile(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func BenchmarkParseInstance(b *testing.B) {
	path := filepath.Join(sharedDir(b), "itc2021", "instances", "ITC2021_Middle_02.xml.gz")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseInstance(strings.NewReader(string(data))); err != nil {
			b.Fatal(err)
		}
	}
}
