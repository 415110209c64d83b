// Package testenv finds what tests need from outside the module: the
// shared ITC2021 data and the machine's servers. Outside CI a missing piece
// skips the test with a message that says what is missing; under CI=true it
// fails the test, so that a green run cannot hide tests that never ran.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test with msg, or fails it under CI.
func Missing(tb testing.TB, msg string) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("CI=true and %s", msg)
	}
	tb.Skip(msg)
}

// ModuleRoot returns the directory holding go.mod, found by walking up
// from the working directory.
func ModuleRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// SharedDir returns ../shared beside the module root (FLEXTIME_SHARED
// overrides it), skipping the test when it is absent.
func SharedDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("FLEXTIME_SHARED")
	if dir == "" {
		dir = filepath.Join(ModuleRoot(tb), "..", "shared")
	}
	if _, err := os.Stat(filepath.Join(dir, "itc2021", "instances")); err != nil {
		Missing(tb, "the shared ITC2021 data is not at "+dir+" (set FLEXTIME_SHARED)")
	}
	return dir
}

// ITC2021 returns the paths of every instance and its solution, by name
// (for example "ITC2021_Early_01").
func ITC2021(tb testing.TB) map[string][2]string {
	tb.Helper()
	dir := filepath.Join(SharedDir(tb), "itc2021")
	inst, err := filepath.Glob(filepath.Join(dir, "instances", "*.xml*"))
	if err != nil || len(inst) == 0 {
		Missing(tb, "no ITC2021 instances under "+dir)
	}
	out := map[string][2]string{}
	for _, p := range inst {
		base := filepath.Base(p)
		name := base[:len(base)-len(filepath.Ext(base))]
		name = trimExt(name)
		sol := filepath.Join(dir, "solutions", base)
		if _, err := os.Stat(sol); err != nil {
			tb.Fatalf("instance %s has no solution at %s", name, sol)
		}
		out[name] = [2]string{p, sol}
	}
	return out
}

func trimExt(name string) string {
	for _, ext := range []string{".xml", ".gz"} {
		if filepath.Ext(name) == ext {
			name = name[:len(name)-len(ext)]
		}
	}
	return name
}
